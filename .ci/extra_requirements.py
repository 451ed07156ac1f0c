"""Print the requirements of one optional-dependency group of pyproject.toml,
one a line, so CI installs the pinned tools without reinstalling ckeras."""
import sys

try:
    import tomllib
except ImportError:  # Python 3.10: `pip install tomli`
    import tomli as tomllib

with open("pyproject.toml", "rb") as f:
    extras = tomllib.load(f)["project"]["optional-dependencies"]
print("\n".join(extras[sys.argv[1]]))

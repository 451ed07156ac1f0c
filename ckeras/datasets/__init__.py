"""Small datasets shipped inside the package (nothing is downloaded)."""
from ckeras.datasets import digits  # noqa: F401

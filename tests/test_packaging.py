"""Packaging: the version everywhere it shows, the sdist's file list, the
metadata, the BLAS dependency markers and the typed public surface."""
import importlib
import inspect
import os
import pathlib
import subprocess
import sys

import pytest

import ckeras
from ckeras.__main__ import main

try:
    import tomllib
except ImportError:  # Python 3.10: the test extra installs tomli there
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_version_option_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"ckeras {ckeras.__version__}\n"


def test_python_m_ckeras_version(tmp_path):
    # From an empty folder: `-m` puts the working directory first on sys.path.
    r = subprocess.run([sys.executable, "-m", "ckeras", "--version"], cwd=tmp_path,
                       capture_output=True, text=True, check=True)
    assert r.stdout.strip() == f"ckeras {ckeras.__version__}"


def test_pyproject_takes_the_version_from_the_package():
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "ckeras.__version__"}
    assert ckeras.__version__.count(".") == 2


def test_installed_metadata_matches_the_package_version():
    import importlib.metadata
    assert importlib.metadata.version("ckeras") == ckeras.__version__


def test_metadata_long_description_classifiers_and_urls():
    project = PYPROJECT["project"]
    assert project["readme"] == {"file": "README.md", "content-type": "text/markdown"}
    # ckeras' code, and the CC BY 4.0 digits bundled with their licence file
    assert project["license"] == "Apache-2.0 AND CC-BY-4.0"
    assert project["license-files"] == ["LICENSE", "ckeras/datasets/data/DIGITS_LICENSE.txt"]
    assert all((ROOT / f).is_file() for f in project["license-files"])
    assert "CC BY 4.0" in (ROOT / project["license-files"][1]).read_text(encoding="utf-8")
    classifiers = set(project["classifiers"])
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert {"Typing :: Typed", "Operating System :: POSIX :: Linux",
            "Topic :: Scientific/Engineering :: Artificial Intelligence"} <= classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: SPDX only
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(project["urls"])


def test_scipy_openblas32_only_on_windows_or_through_the_extra():
    deps = PYPROJECT["project"]["dependencies"]
    blas = [d for d in deps if d.startswith("scipy-openblas32")]
    assert blas == ["scipy-openblas32; platform_system == 'Windows'"]
    assert PYPROJECT["project"]["optional-dependencies"]["openblas"] == ["scipy-openblas32"]


def test_py_typed_is_shipped():
    assert (pathlib.Path(ckeras.__file__).parent / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["ckeras"]


def _sdist_files():
    """The files MANIFEST.in puts in the sdist, besides the packages."""
    from setuptools._distutils.filelist import FileList
    files = FileList()
    here = os.getcwd()
    os.chdir(ROOT)   # the template's patterns are relative to the project root
    try:
        files.findall()
        for line in (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                files.process_template_line(line)
    finally:
        os.chdir(here)
    return {pathlib.PurePath(f).as_posix() for f in files.files}


def test_sdist_holds_what_the_test_suite_reads():
    files = _sdist_files()
    for name in ("tests/conftest.py", "README.md", "LICENSE", "pyproject.toml", "setup.py",
                 "ckeras/py.typed", "benchmarks/render.py", "tests/c/threads_harness.c",
                 "tools/make_fixtures.py", "mkdocs.yml", "docs/index.md"):
        assert name in files, name
    fixtures = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "fixtures").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert fixtures and fixtures <= files
    sources = {p.relative_to(ROOT).as_posix() for pattern in ("csrc/*.c", "csrc/*.h",
               "ckeras/_ext/*.pyx", "ckeras/_ext/*.pxd") for p in ROOT.glob(pattern)}
    assert sources and sources <= files


def test_sdist_leaves_out_build_products():
    files = _sdist_files()
    bad = [f for f in files if f.endswith((".so", ".pyd", ".pyc"))
           or "__pycache__" in f or f.startswith(("build/", "site/"))
           or (f.startswith("ckeras/_ext/") and f.endswith(".c"))]
    assert bad == []


def test_mypy_checks_files_that_exist():
    files = PYPROJECT["tool"]["mypy"]["files"]
    assert "ckeras/models.py" in files
    assert [f for f in files if not (ROOT / f).is_file()] == []


# The public entry points whose signatures are fully annotated (py.typed).
TYPED = [
    "ckeras.models:load_model", "ckeras.models:save_model",
    "ckeras.saving.save:load_model", "ckeras.saving.save:save_model",
    "ckeras.saving.save:load_weights", "ckeras.saving.save:save_weights",
    "ckeras.saving.model_config:model_from_config",
    "ckeras.saving.model_config:model_from_json",
    "ckeras.saving.model_config:model_from_yaml",
    "ckeras.saving.model_config:clone_model",
    "ckeras.engine.base_layer:Layer.__init__", "ckeras.engine.base_layer:Layer.__call__",
    "ckeras.engine.base_layer:Layer.add_weight", "ckeras.engine.base_layer:Layer.get_weights",
    "ckeras.engine.base_layer:Layer.set_weights", "ckeras.engine.base_layer:Layer.get_config",
    "ckeras.engine.base_layer:Layer.from_config", "ckeras.engine.base_layer:Layer.count_params",
    "ckeras.engine.training:Model.compile", "ckeras.engine.training:Model.fit",
    "ckeras.engine.training:Model.evaluate", "ckeras.engine.training:Model.predict",
    "ckeras.engine.training:Model.predict_on_batch",
    "ckeras.engine.training:Model.train_on_batch",
    "ckeras.engine.training:Model.test_on_batch", "ckeras.engine.training:Model.save",
    "ckeras.engine.training:Model.save_weights", "ckeras.engine.training:Model.load_weights",
    "ckeras.engine.training:Model.get_layer", "ckeras.engine.training:Model.to_json",
    "ckeras.preprocessing.image.utils:load_img", "ckeras.preprocessing.image.utils:save_img",
    "ckeras.preprocessing.image.utils:img_to_array",
    "ckeras.preprocessing.image.utils:array_to_img",
    "ckeras.preprocessing.image.image_data_generator:ImageDataGenerator.flow",
    "ckeras.preprocessing.image.image_data_generator:ImageDataGenerator.flow_from_directory",
    "ckeras.preprocessing.image.image_data_generator:ImageDataGenerator.flow_from_dataframe",
    "ckeras.preprocessing.image.image_data_generator:ImageDataGenerator.fit",
    "ckeras.__main__:main",
]


@pytest.mark.parametrize("target", TYPED)
def test_public_signature_is_fully_annotated(target):
    module, qualname = target.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    sig = inspect.signature(obj)
    missing = [n for n, p in sig.parameters.items()
               if n not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    assert missing == [], f"{target}: parameters without a type: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{target}: no return type"

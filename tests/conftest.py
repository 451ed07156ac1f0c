import importlib.util
import os
import pathlib

import numpy as np
import pytest
from hypothesis import settings

from ckeras import backend as K

# CI must not flake: there, hypothesis replays the same examples every run.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts with fresh default names and float32."""
    K.clear_session()
    K.set_floatx("float32")
    yield
    K.set_floatx("float32")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def bench_module():
    """Loads a script of benchmarks/ (not a package) by path:
    `bench_module("run")` is benchmarks/run.py as a fresh module."""
    here = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"

    def load(name):
        spec = importlib.util.spec_from_file_location(f"bench_{name}", here / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load

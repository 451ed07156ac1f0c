"""The kernel registry (ckeras.kernels): one table of families, the same ops
with the same signatures in C and in the NumPy references, and the switch."""
import ast
import importlib
import inspect
import os
import subprocess
import sys
import warnings
from importlib.machinery import EXTENSION_SUFFIXES

import numpy as np
import pytest

from ckeras import kernels as registry
from ckeras.kernels.codes import Act


def _params(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


def _methods(cls):
    return {name: getattr(cls, name) for name in dir(cls)
            if not name.startswith("_") and inspect.isroutine(getattr(cls, name))}


@pytest.mark.parametrize("family", sorted(registry.FAMILIES))
def test_every_op_exists_in_c_and_reference_with_one_signature(family):
    c, ref = registry.c_module(family), registry.reference_module(family)
    for op in registry.FAMILIES[family]:
        c_op, ref_op = getattr(c, op), getattr(ref, op)
        if inspect.isclass(c_op):  # a class op: the same public methods
            assert inspect.isclass(ref_op), op
            c_methods, ref_methods = _methods(c_op), _methods(ref_op)
            assert sorted(c_methods) == sorted(ref_methods), op
            for name, method in c_methods.items():
                assert _params(method) == _params(ref_methods[name]), (op, name)
        else:
            assert _params(c_op) == _params(ref_op), op
    assert set(registry.FAMILIES[family]) <= set(ref.__all__)


def test_every_extension_module_is_a_family_or_the_runtime():
    import ckeras._ext as ext
    stems = set()
    for name in os.listdir(os.path.dirname(ext.__file__)):
        stem = name.split(".")[0]
        if stem.startswith("_") and not stem.startswith("__") and (
                name.endswith(".pyx") or name.endswith(tuple(EXTENSION_SUFFIXES))):
            stems.add(stem[1:])
    assert stems == set(registry.FAMILIES) | set(registry.RUNTIME)
    assert not set(registry.FAMILIES) & set(registry.RUNTIME)


def _imported_modules(tree, package):
    """Absolute names of the modules an ast imports (relative ones resolved)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def test_only_the_registry_imports_extensions_and_references():
    root = os.path.dirname(importlib.import_module("ckeras").__file__)
    private = ("ckeras._ext", "ckeras.kernels.reference")
    offenders = []
    for folder, _, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        if rel.split(os.sep)[0] in ("kernels", "_ext"):
            continue
        package = "ckeras" if rel == "." else "ckeras." + rel.replace(os.sep, ".")
        for name in files:
            if not name.endswith(".py"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            mods = set(_imported_modules(ast.parse(text), package))
            if any(m == p or m.startswith(p + ".") for m in mods for p in private) \
                    or any(p in text for p in private):
                offenders.append(os.path.join(rel, name))
    assert offenders == []


def test_switch_and_context_manager():
    k = registry.kernels()
    ops = {op for ops in registry.FAMILIES.values() for op in ops}
    assert ops <= set(vars(k))
    with registry.use_kernels("numpy") as kn:
        assert kn.name == "numpy" and registry.kernels() is kn
        assert kn.dense_fwd is registry.reference_module("dense").dense_fwd
        assert set(kn.implementation.values()) == {"numpy"}
    assert registry.kernels() is k
    previous = registry.set_kernels("c")
    try:
        kc = registry.kernels()
        assert kc.dense_fwd is registry.c_module("dense").dense_fwd
        assert set(kc.implementation.values()) == {"c"}
    finally:
        registry.set_kernels(previous)
    with pytest.raises(ValueError, match="kernels must be one of"):
        registry.set_kernels("fortran")


def test_a_family_that_fails_to_import_falls_back_with_a_warning(monkeypatch):
    real = registry.c_module

    def c_module(family):
        if family == "dense":
            raise ImportError("no such module")
        return real(family)

    monkeypatch.setattr(registry, "c_module", c_module)
    with pytest.warns(RuntimeWarning, match="dense"):
        k = registry._build("c")
    assert k.dense_fwd is registry.reference_module("dense").dense_fwd
    assert k.implementation["dense_fwd"] == "numpy" and k.implementation["act_fwd"] == "c"
    with pytest.raises(ImportError):
        registry.set_kernels("c")


def test_env_var_selects_references_and_import_is_cheap():
    code = ("import sys\n"
            "from ckeras import kernels\n"
            "heavy = sorted(m for m in sys.modules if m.startswith('ckeras._ext')\n"
            "               or m.split('.')[0] in ('scipy', 'h5py', 'yaml'))\n"
            "k = kernels.kernels()\n"
            "print(k.name, k.dense_fwd.__module__, k.lstm_infer.__module__, len(heavy))\n")
    env = dict(os.environ, CKERAS_KERNELS="numpy")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["numpy", "ckeras.kernels.reference.dense",
                                "ckeras.kernels.reference.rnn", "0"]


def test_results_agree_between_modes():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 6)), rng.standard_normal((6, 3))
    b, dy = rng.standard_normal(3), rng.standard_normal((4, 3))
    outs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("c", "numpy"):
            with registry.use_kernels(name) as k:
                y = k.dense_fwd(x, w, b, Act.SIGMOID)
                outs[name] = (y, *k.dense_bwd(x, w, y, dy, Act.SIGMOID))
    for a, c in zip(outs["c"], outs["numpy"]):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)

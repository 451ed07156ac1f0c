"""The kernel registry (ckeras.kernels): one table of families, the same ops
with the same signatures in C and in the NumPy references, and the switch."""
import inspect
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from ckeras import kernels as registry
from ckeras.kernels.codes import Act


def _params(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("family", sorted(registry.FAMILIES))
def test_every_op_exists_in_c_and_reference_with_one_signature(family):
    c, ref = registry.c_module(family), registry.reference_module(family)
    for op in registry.FAMILIES[family]:
        assert _params(getattr(c, op)) == _params(getattr(ref, op)), op
    assert set(registry.FAMILIES[family]) <= set(ref.__all__)


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

"""Settings shared by the property-based fuzz tests (tests/fuzz/test_*.py).

Two hypothesis profiles:

* ``fuzz`` (default): derandomized, few examples per property, so the
  fuzz tests run in the normal test suite in seconds and replay the same
  examples on every run and machine.
* ``fuzz-long``: many examples, random, for local runs:
  ``CKERAS_FUZZ_PROFILE=fuzz-long python -m pytest tests/fuzz``
  (``CKERAS_FUZZ_EXAMPLES=N`` overrides the example count of either).

Tests use ``FUZZ = settings.get_profile("fuzz-active")`` as a decorator, so
the profile applies to these tests only and the global hypothesis profile
of the rest of the suite is left alone.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

# The one place the kernel registry is imported: the lead is moving it to
# `ckeras.kernels` (same `use_kernels`), a one-line change here.
from ckeras.kernels import use_kernels

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("fuzz", derandomize=True, max_examples=25, deadline=None,
                          database=None, suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz-long", derandomize=False, max_examples=2000,
                          deadline=None, suppress_health_check=_SLOW_OK)


def _active_profile():
    name = os.environ.get("CKERAS_FUZZ_PROFILE", "fuzz")
    if name not in ("fuzz", "fuzz-long"):
        raise pytest.UsageError(f"CKERAS_FUZZ_PROFILE must be 'fuzz' or 'fuzz-long', "
                                f"got {name!r}")
    profile = settings.get_profile(name)
    examples = os.environ.get("CKERAS_FUZZ_EXAMPLES")
    if examples:
        profile = settings(profile, max_examples=int(examples))
    return profile


settings.register_profile("fuzz-active", _active_profile())


@pytest.fixture(scope="session")
def kernels_mode():
    """``kernels_mode("numpy")``: a ``with`` block on the NumPy reference kernels."""
    return use_kernels

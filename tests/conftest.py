import numpy as np
import pytest

from ckeras import backend as K


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

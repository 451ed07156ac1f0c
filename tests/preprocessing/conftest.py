import pytest


@pytest.fixture(params=["c", "numpy"])
def impl(request):
    """The test on the C kernels, then on their NumPy references."""
    from ckeras.kernels import use_kernels
    with use_kernels(request.param):
        yield request.param

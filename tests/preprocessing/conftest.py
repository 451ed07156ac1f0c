import pytest


@pytest.fixture(params=["c", "numpy"])
def impl(request):
    """The affine transform through its C kernel, then its NumPy reference."""
    from ckeras.preprocessing import image as im
    old = im.dispatch["affine"]
    im.dispatch["affine"] = request.param
    yield request.param
    im.dispatch["affine"] = old

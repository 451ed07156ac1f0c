"""Pooling layers against tf-keras goldens; masks in GlobalAveragePooling1D."""
import pathlib

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.engine import Input
from ckeras.engine.functional import Functional
from ckeras.testing import Golden, golden_layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "conv")

POOL = ("MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
        "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D",
        "GlobalAveragePooling2D")


@pytest.mark.parametrize("name", GOLDEN.names(layer=POOL))
def test_pooling_golden(name):
    golden_layer_test(GOLDEN.load(name))


def test_spec_lengths():
    assert L.MaxPooling1D().compute_output_shape((None, 7, 3)) == (None, 3, 3)
    assert L.MaxPooling2D(3, 2, padding="same").compute_output_shape(
        (None, 7, 6, 2)) == (None, 4, 3, 2)


def test_global_average_pooling_1d_honours_mask():
    x = np.array([[[1.0], [3.0], [100.0]], [[2.0], [4.0], [6.0]]], np.float32)
    mask = np.array([[True, True, False], [True, True, True]])
    y = L.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(y, [[2.0], [4.0]])
    # through Masking in a model
    inp = Input((3, 1))
    out = L.GlobalAveragePooling1D()(L.Masking(100.0)(inp))
    np.testing.assert_allclose(Functional(inp, out).predict(x, verbose=0), [[2.0], [4.0]])

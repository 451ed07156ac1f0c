"""Test helpers shipped with ckeras (as Keras 3 ships `keras.testing`).

- `layer_test`: the harness every layer goes through (shapes, dtypes, config
  and JSON round trips, weights, gradients, Sequential and functional models,
  float64); `golden_layer_test` runs it on a tf-keras golden case.
- `Golden`: the loader of golden fixture folders recorded from tf-keras, and
  the helpers comparing results with them.

Nothing in `ckeras` imports this package; it needs NumPy only (no pytest).

Example:
    >>> from ckeras.testing import layer_test
    >>> from ckeras.layers import Dense
    >>> y = layer_test(Dense, {"units": 3}, input_shape=(2, 4))
"""
from ckeras.testing.golden import (
    Golden,
    GoldenCase,
    assert_close,
    assert_result,
    check_call,
    decode,
    numbered,
)
from ckeras.testing.layer_test import (
    assert_config_matches,
    assert_shape_compatible,
    golden_layer_test,
    json_roundtrip,
    layer_test,
)

__all__ = ["layer_test", "golden_layer_test", "assert_config_matches",
           "assert_shape_compatible", "json_roundtrip", "Golden", "GoldenCase", "decode",
           "assert_close", "assert_result", "check_call", "numbered"]

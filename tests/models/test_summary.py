"""summary() beyond the golden cases of tests/utils/test_summary_golden.py:
wrapping, byte sizes, layer_range errors and the default print."""
import pytest

from ckeras import backend as K
from ckeras.layers import Dense, Input
from ckeras.models import Model, Sequential
from ckeras.utils import print_summary
from ckeras.utils.layer_utils import readable_memory_size, weight_memory_size


def _lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_print_summary_is_the_same_function_and_counts_frozen_weights():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    lines = []
    print_summary(model, print_fn=lines.append)
    assert lines == _lines(model)
    assert lines[-4:-1] == ["Total params: 26 (104.00 Byte)",
                            "Trainable params: 10 (40.00 Byte)",
                            "Non-trainable params: 16 (64.00 Byte)"]


def test_byte_sizes_follow_the_weight_dtype():
    K.set_floatx("float64")
    model = Sequential([Dense(256, input_shape=(1023,))])
    # (1023 * 256 + 256) float64 scalars = 2,097,152 bytes = exactly 2 MB.
    assert _lines(model)[-4] == "Total params: 262144 (2.00 MB)"
    assert weight_memory_size(model.weights) == 2 * 1024 ** 2


@pytest.mark.parametrize("size, text", [(0, "0.00 Byte"), (1023, "1023.00 Byte"),
                                        (1024, "1.00 KB"), (1536 * 1024, "1.50 MB"),
                                        (3 * 1024 ** 3, "3.00 GB")])
def test_readable_memory_size_units(size, text):
    assert readable_memory_size(size) == text


def test_caller_positions_are_not_modified():
    model = Sequential([Dense(2, input_shape=(3,))])
    positions = [0.5, 0.8, 1.0]
    _lines(model, positions=positions, show_trainable=True)
    assert positions == [0.5, 0.8, 1.0]


def test_layer_range_bad_values_raise_value_errors():
    a = Input((3,), name="a")
    model = Model(a, Dense(2, name="d")(a))
    with pytest.raises(ValueError, match="length 2"):
        model.summary(layer_range=["d"])
    with pytest.raises(ValueError, match="string type only"):
        model.summary(layer_range=[0, 1])
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=["nope", "d"])


def test_default_print_fn_prints_to_stdout(capsys):
    Sequential([Dense(2, input_shape=(3,), name="only")]).summary()
    out = capsys.readouterr().out
    assert 'Model: "sequential"' in out and " only (Dense)" in out


def test_unbuilt_sublayer_of_a_subclassed_model_shows_unused():
    class TwoHeads(Model):
        def __init__(self):
            super().__init__(name="two_heads")
            self.used = Dense(2, name="used")
            self.spare = Dense(2, name="spare")

        def call(self, x):
            return self.used(x)

    model = TwoHeads()
    model(K.zeros((1, 3)))
    rows = [line for line in _lines(model) if "spare" in line]
    assert rows == [" spare (Dense)               multiple                  0 (unused)"]


def test_summary_of_unbuilt_sequential_raises():
    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()

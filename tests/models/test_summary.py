"""summary() text in the Keras 2 layout, compared line by line."""
from ckeras.layers import Concatenate, Dense, Dropout, Input
from ckeras.models import Model, Sequential
from ckeras.utils import print_summary

SEQUENTIAL = """\
Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
dense (Dense)                (None, 32)                25120     
_________________________________________________________________
dropout (Dropout)            (None, 32)                0         
_________________________________________________________________
dense_1 (Dense)              (None, 10)                330       
=================================================================
Total params: 25,450
Trainable params: 25,450
Non-trainable params: 0
_________________________________________________________________"""

FUNCTIONAL = """\
Model: "two_towers"
__________________________________________________________________________________________________
Layer (type)                    Output Shape         Param #     Connected to                     
==================================================================================================
left (InputLayer)               (None, 3)            0                                            
__________________________________________________________________________________________________
right (InputLayer)              (None, 4)            0                                            
__________________________________________________________________________________________________
dense (Dense)                   (None, 8)            32          left[0][0]                       
__________________________________________________________________________________________________
dense_1 (Dense)                 (None, 8)            40          right[0][0]                      
__________________________________________________________________________________________________
merged (Concatenate)            (None, 16)           0           dense[0][0]                      
                                                                 dense_1[0][0]                    
__________________________________________________________________________________________________
out (Dense)                     (None, 1)            17          merged[0][0]                     
==================================================================================================
Total params: 89
Trainable params: 89
Non-trainable params: 0
__________________________________________________________________________________________________"""


def _capture(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def test_sequential_summary_matches_keras_layout():
    model = Sequential([Dense(32, input_shape=(784,)), Dropout(0.5), Dense(10)])
    assert _capture(model) == SEQUENTIAL


def test_functional_summary_has_connected_to_column():
    a = Input(shape=(3,), name="left")
    b = Input(shape=(4,), name="right")
    merged = Concatenate(name="merged")([Dense(8)(a), Dense(8)(b)])
    model = Model([a, b], Dense(1, name="out")(merged), name="two_towers")
    assert _capture(model) == FUNCTIONAL


def test_print_summary_is_the_same_function_and_counts_frozen_weights():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    lines = []
    print_summary(model, print_fn=lines.append)
    assert lines[-4:-1] == ["Total params: 26", "Trainable params: 10",
                            "Non-trainable params: 16"]


def test_line_length_and_absolute_positions():
    model = Sequential([Dense(2, input_shape=(3,), name="a_very_long_layer_name_indeed")])
    lines = []
    model.summary(line_length=40, positions=[20, 30, 40], print_fn=lines.append)
    assert lines[1] == "_" * 40
    row = lines[4]
    assert len(row) == 40
    # Long names are cut at the column end, the last char forced to a space.
    assert row.startswith("a_very_long_layer_n (None, 2)")


def test_summary_of_unbuilt_sequential_raises():
    model = Sequential([Dense(2)])
    try:
        model.summary()
    except ValueError as e:
        assert "not yet been built" in str(e)
    else:
        raise AssertionError("expected ValueError")

"""The text/categorical preprocessing layers against tf-keras 2.21
(tests/fixtures/preprocessing_text, written by tools/make_fixtures_pptext.py):
outputs of every mode, learned vocabularies, configs, and the errors of bad
arguments and bad input."""
import json
import pathlib
import re

import numpy as np
import pytest

from ckeras import layers
from ckeras.testing import Golden
from ckeras.testing.golden import decode

GOLD = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "preprocessing_text")
CASES = [c for c in GOLD.read_json("cases.json") if "layer" in c]

# Where ckeras deliberately differs from tf-keras (documented in the README's
# differences): no ragged or sparse outputs, so those arguments are refused;
# errors tf-keras raises as InvalidArgumentError from a graph assertion are
# ValueErrors naming the layer here.
REFUSED = {
    "tv_err_ragged": "`ragged` must not be true if `output_mode` is `'int'`",
    "tv_err_sparse_int": "`sparse` may only be true",
    # tf-keras swaps the two lengths in this message
    "tv_err_idf_len": "len(idf_weights) is 1, len(vocabulary) is 2",
}


def _build(case):
    layer = getattr(layers, case["layer"])(**decode(case["kwargs"]))
    if case["adapt"] is not None:
        layer.adapt(decode(case["adapt"]), **case["adapt_kwargs"])
    if case["set_vocabulary"] is not None:
        layer.set_vocabulary(*decode(case["set_vocabulary"]))
    return layer


# tf-keras 2.21 fails to adapt tf_idf lookups on dense 2-D data (its per-row
# tf.unique inside map_fn cannot stack rows of different lengths); ckeras
# adapts them, checked against the formula in test_lookup_tf_idf_adapt.
TF_BUG = {"sl_tf_idf", "sl_tf_idf_mask", "sl_tf_idf_pad", "il_tf_idf", "il_tf_idf_mask",
          "il_tf_idf_pad",
          # and has no int32-keyed table with int64 values
          "il_vocab_dtype32"}
CASES = [c for c in CASES if c["name"] not in TF_BUG]


def _inner_message(tf_message):
    """The message of a tf-keras error without its frames ('Exception
    encountered when calling layer', 'in user code'), a graph assertion's
    summarized data, and with NumPy scalars printed as plain values."""
    msg = tf_message
    if msg.startswith("Exception encountered"):
        msg = msg.split("\n\n")[1]
    if msg.startswith("in user code"):
        msg = msg.rstrip("\n").rsplit("Error: ", 1)[1]
    if "Summarized data: b'" in msg:
        msg = msg.split("Summarized data: b'", 1)[1].rstrip("'")
    msg = re.sub(r"np\.(?:str_|int64)\(([^()]*)\)", r"\1", msg)
    return msg.replace('["', "['").replace('"]', "']")


def _value(out):
    return np.asarray(getattr(out, "value", out))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden(case):
    if "error" in case:
        want = case["error"]
        with pytest.raises(Exception) as info:
            _build(case)
        assert type(info.value).__name__ == want["error"]
        if case["name"] in REFUSED:
            assert REFUSED[case["name"]] in str(info.value)
        else:
            assert str(info.value) == _inner_message(want["message"])
        return
    layer = _build(case)
    for x, want in zip(case["inputs"], case["outputs"]):
        x = decode(x)
        if "error" in want:
            with pytest.raises((ValueError, RuntimeError)) as info:
                layer(x)
            inner = _inner_message(want["message"])
            if want["error"] in ("ValueError", "RuntimeError"):
                assert type(info.value).__name__ == want["error"]
            # ckeras' call errors name the layer first: "Layer <name>: when ..."
            assert inner[0].lower() + inner[1:] in str(info.value) \
                or inner in str(info.value), (str(info.value), inner)
            continue
        expect = decode(want["value"])
        got = _value(layer(x))
        assert got.shape == expect.shape, (got.shape, expect.shape)
        if expect.dtype.kind == "U":
            assert got.tolist() == expect.tolist()
        elif expect.dtype.kind == "f":
            assert got.dtype == expect.dtype
            np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-7)
        else:
            assert got.dtype == expect.dtype
            np.testing.assert_array_equal(got, expect)
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
        assert layer.vocabulary_size() == case["vocabulary_size"]
    _check_config(layer, case)


def _check_config(layer, case):
    want = dict(case["config"])
    got = json.loads(json.dumps(layer.get_config()))
    got.pop("name")
    want.pop("batch_input_shape", None)
    got.pop("batch_input_shape", None)
    if want.get("vocabulary") is None and got.get("vocabulary") is not None:
        # An adapted (or set_vocabulary) vocabulary goes into ckeras' config,
        # the one place an .h5 file keeps it; tf-keras cannot save it to .h5.
        assert got.pop("vocabulary") == case["vocabulary"]
        idf = got.pop("idf_weights")
        assert (idf is None) == (want["idf_weights"] is None
                                 and want.get("output_mode") != "tf_idf")
        want.pop("vocabulary")
        want.pop("idf_weights")
    assert got == want


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c and c["config"]],
                         ids=lambda c: c["name"])
def test_config_round_trip(case):
    layer = _build(case)
    clone = type(layer).from_config(json.loads(json.dumps(layer.get_config())))
    if hasattr(layer, "get_vocabulary"):
        assert clone.get_vocabulary() == layer.get_vocabulary()
    for x, want in zip(case["inputs"], case["outputs"]):
        if "error" in want:
            continue
        x = decode(x)
        np.testing.assert_array_equal(_value(clone(x)), _value(layer(x)))

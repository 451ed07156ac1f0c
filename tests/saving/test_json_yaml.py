"""to_json / model_from_json and to_yaml / model_from_yaml (safe YAML only)."""
import json
import os

import numpy as np
import pytest
import yaml

from ckeras import layers as L
from ckeras.models import Model, Sequential, model_from_json, model_from_yaml

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving")

LEGACY_YAML = """\
backend: tensorflow
class_name: Sequential
config:
  layers:
  - class_name: InputLayer
    config:
      batch_input_shape: !!python/tuple
      - null
      - 4
      dtype: float32
      name: input_1
      ragged: false
      sparse: false
  - class_name: Dense
    config:
      activation: relu
      name: d
      units: 3
  - class_name: Reshape
    config:
      name: r
      target_shape: &id001 !!python/tuple
      - 3
      - 1
  - class_name: Reshape
    config:
      name: r2
      target_shape: *id001
  name: s
keras_version: 2.4.0
"""


def _model():
    a = L.Input((4,), name="a")
    b = L.Input((2,), name="b")
    h = L.Concatenate(name="c")([L.Dense(3, activation="relu", name="d")(a), b])
    return Model([a, b], [L.Dense(1, name="o1")(h), L.Dense(2, name="o2")(h)], name="m")


def test_to_json_envelope_and_round_trip():
    model = _model()
    text = model.to_json()
    data = json.loads(text)
    assert set(data) == {"class_name", "config", "keras_version", "backend"}
    assert data["class_name"] == "Functional" and data["backend"] == "tensorflow"
    assert json.loads(model.to_json(indent=2)) == data
    clone = model_from_json(text)
    assert json.loads(clone.to_json()) == data
    assert clone.get_layer("d") is not model.get_layer("d")


def test_model_from_json_reads_tf_keras_to_json():
    with open(os.path.join(FIX, "tk_func.to_json.json")) as fh:
        model = model_from_json(fh.read())
    assert model.name == "two_io" and model.output_names == ["out1", "out2"]


def test_model_from_json_errors():
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{not json")
    with pytest.raises(ValueError, match="Unknown layer: 'Mystery'"):
        model_from_json(json.dumps({"class_name": "Mystery", "config": {}}))


def test_to_yaml_is_plain_safe_yaml_and_round_trips():
    model = _model()
    text = model.to_yaml()
    assert "!!python" not in text
    assert yaml.safe_load(text) == json.loads(model.to_json())
    clone = model_from_yaml(text)
    assert json.loads(clone.to_json()) == json.loads(model.to_json())
    seq = Sequential([L.Dense(2, input_shape=(3,), name="d")])
    assert model_from_yaml(seq.to_yaml()).output_shape == (None, 2)


def test_legacy_keras2_yaml_with_python_tuple_loads():
    model = model_from_yaml(LEGACY_YAML)
    assert model.input_shape == (None, 4)
    assert model.output_shape == (None, 3, 1)
    assert model.predict(np.ones((2, 4), "float32")).shape == (2, 3, 1)


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['echo pwned > {marker}']",
    "class_name: !!python/object/apply:os.system ['echo pwned > {marker}']\nconfig: {{}}",
    "!!python/object/new:os.system ['echo pwned > {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
])
def test_yaml_never_executes_code(payload, tmp_path):
    marker = tmp_path / "marker"
    with pytest.raises(ValueError, match="cannot parse the YAML safely"):
        model_from_yaml(payload.format(marker=marker))
    assert not marker.exists()


def test_yaml_uses_no_unsafe_loader(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("unsafe YAML loader used")
    monkeypatch.setattr(yaml, "unsafe_load", forbidden)
    monkeypatch.setattr(yaml, "full_load", forbidden)
    monkeypatch.setattr(yaml, "dump", forbidden)
    model = Sequential([L.Dense(2, input_shape=(3,), name="d")])
    assert model_from_yaml(model.to_yaml()).output_shape == (None, 2)
    from ckeras.saving.model_config import _safe_loader
    assert issubclass(_safe_loader(), yaml.SafeLoader)


def test_yaml_syntax_error_is_value_error():
    with pytest.raises(ValueError, match="YAML"):
        model_from_yaml("a: [unclosed")


# ------------------------------------------------ alias bombs (issue #19 item 2)
def _alias_bomb(depth, width=9):
    """`depth` levels of `width` aliases to the level below: width**depth values."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, depth + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines.append(f"class_name: [*l{depth}]")
    return "\n".join(lines) + "\n"


def test_nested_alias_bomb_is_refused_before_expansion():
    small = _alias_bomb(3)       # 729 values: expands fast, but must be refused too
    with pytest.raises(ValueError, match=r"alias \*l1 \(line 3\) stands for more than 64"):
        model_from_yaml(small)
    bomb = _alias_bomb(9)        # ~500 bytes standing for 387 million values
    assert len(bomb) < 600
    with pytest.raises(ValueError, match=r"alias \*l1 .*nested aliases expand exponentially"):
        model_from_yaml(bomb)


def test_large_flat_alias_is_refused_small_ones_load():
    big = "v: &v [" + ", ".join(["1"] * 100) + "]\nclass_name: x\nconfig: {a: *v, b: *v}\n"
    with pytest.raises(ValueError, match=r"alias \*v .*more than 64 nodes"):
        model_from_yaml(big)
    from ckeras.saving.model_config import load_yaml
    small = "s: &s [1, 2, 3]\nt: *s\nm: &m {a: 1}\nn: {<<: *m, b: 2}\n"
    assert load_yaml(small) == yaml.safe_load(small)


def test_recursive_alias_is_refused():
    with pytest.raises(ValueError, match=r"alias \*a .*refers to a node that contains it"):
        model_from_yaml("class_name: &a [1, *a]\nconfig: {}\n")


def test_error_messages_echo_a_bounded_config():
    deep = node = []
    for _ in range(100_000):    # str() of this overflows the stack
        node.append([])
        node = node[0]
    with pytest.raises(ValueError, match=r"Improper config: .*\[\[\[\[") as info:
        from ckeras.models import model_from_config
        model_from_config({"class_name": deep, "config": {}})
    assert len(str(info.value)) < 400
    with pytest.raises(ValueError) as info:
        model_from_json(json.dumps({"class_name": "Functional", "config": {
            "name": "m", "layers": [{"class_name": "Dense", "config": {"units": 2},
                                     "inbound_nodes": ["x" * 100_000]}],
            "input_layers": [], "output_layers": []}}))
    assert len(str(info.value)) < 600


@pytest.mark.parametrize("value", ["!!set {a, b}", "2001-12-14", "!!binary aGVsbG8="])
def test_yaml_values_json_cannot_hold_are_value_errors(value):
    with pytest.raises(ValueError, match="a value a Keras config cannot contain"):
        model_from_yaml(f"class_name: Dense\nconfig: {{units: 2, extra: {value}}}\n")

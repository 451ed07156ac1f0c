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

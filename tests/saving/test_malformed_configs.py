"""Malformed model configs give ValueErrors saying what is wrong (issue #19,
item 11), through model_from_config, model_from_json, model_from_yaml and
load_model, instead of KeyError / AttributeError / IndexError."""
import copy
import json

import h5py
import pytest
import yaml

from ckeras import layers as L
from ckeras.models import (
    Model,
    Sequential,
    load_model,
    model_from_config,
    model_from_json,
    model_from_yaml,
)
from ckeras.saving.safe_mode import SafeModeScope


def _functional():
    a = L.Input((4,), name="a")
    h = L.Dense(3, name="d")(a)
    out = L.Lambda(lambda t: t * 2, name="lam")(h)
    return Model(a, out, name="m")


def _sequential():
    return Sequential([L.Input((3,)), L.Dense(2, name="d"),
                       L.Lambda(lambda t: t + 1, name="lam")], name="s")


def _config(model):
    return json.loads(model.to_json())


def _mutated(model, mutate):
    cfg = _config(model)
    mutate(cfg)
    return cfg


def _del(path):
    def mutate(cfg):
        node = cfg
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def _set(path, value):
    def mutate(cfg):
        node = cfg
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


CASES = [
    # (model builder, mutation, expected message)
    (_functional, _del(["config", "layers"]), r"needs the keys \['layers'\]"),
    (_functional, _del(["config", "output_layers"]), r"needs the keys \['output_layers'\]"),
    (_functional, _set(["config", "layers"], "zz"), r"'layers' must be a list"),
    (_functional, _set(["config", "layers", 1], "zz"), r"layer #1 must be a dict"),
    (_functional, _set(["config", "layers", 1], None), r"layer #1 must be a dict"),
    (_functional, _set(["config", "layers", 1], [1, 2]), r"layer #1 must be a dict"),
    (_functional, _del(["config", "layers", 2, "config", "function"]),
     r"cannot build layer #2 \('lam', 'Lambda'\) .*KeyError: 'function'"),
    (_functional, _set(["config", "layers", 1, "inbound_nodes", 0], []),
     r"cannot parse an inbound node of layer #1 \('d'.*an empty node"),
    (_functional, _set(["config", "layers", 1, "inbound_nodes"], "zz"),
     r"inbound_nodes of layer #1 \('d'.* must be a list"),
    (_functional, _set(["config", "layers", 1, "inbound_nodes", 0], [["a", "x", 0, {}]]),
     r"cannot parse an inbound node of layer #1"),
    (_functional, _set(["config", "input_layers"], [["a", 0]]),
     r"each entry of input_layers must be \[layer_name, node_index, tensor_index\]"),
    (_functional, _set(["config", "output_layers"], "zz"), r"output_layers must be"),
    (_sequential, _del(["config", "layers"]), r"Sequential model's config needs a 'layers'"),
    (_sequential, _set(["config", "layers"], {"a": 1}), r"needs a 'layers' list"),
    (_sequential, _del(["config", "layers", 2, "config", "function"]),
     r"Malformed model config for 'Sequential': KeyError: 'function'"),
]


@pytest.mark.parametrize("build, mutate, match", CASES)
def test_malformed_config_from_config_json_yaml(build, mutate, match):
    cfg = _mutated(build(), mutate)
    with SafeModeScope(False), pytest.raises(ValueError, match=match):  # our own Lambdas
        model_from_config(copy.deepcopy(cfg))
    with pytest.raises(ValueError, match=match):
        model_from_json(json.dumps(cfg), safe_mode=False)
    with pytest.raises(ValueError, match=match):
        model_from_yaml(yaml.safe_dump(cfg), safe_mode=False)


@pytest.mark.parametrize("build, mutate, match", CASES[:3] + CASES[6:7] + CASES[12:13])
def test_malformed_config_in_h5_file(tmp_path, build, mutate, match):
    model = build()
    path = tmp_path / "m.h5"
    model.save(path)
    cfg = _mutated(model, mutate)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps(cfg).encode()
    with pytest.raises(ValueError, match=match):
        load_model(path, safe_mode=False)


def test_the_unmutated_configs_load():
    for build in (_functional, _sequential):
        cfg = _config(build())
        with SafeModeScope(False):
            assert model_from_config(cfg).count_params() == build().count_params()


def test_deeply_nested_configs_are_value_errors(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ValueError, match="nested too deeply"):
        model_from_json(deep)
    with pytest.raises(ValueError, match="nested too deeply"):
        model_from_json('{"class_name": "Sequential", "config": ' + deep + "}")
    with pytest.raises(ValueError, match="nested too deeply"):
        model_from_yaml("a: " + "[" * 5000 + "]" * 5000)
    nested = inner = {}
    for _ in range(100_000):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ValueError, match="nested too deeply"):
        model_from_config({"class_name": "Dense", "config": {"units": 1, "n": nested}})
    model = _sequential()
    path = tmp_path / "m.h5"
    model.save(path)
    for attr in ("model_config", "training_config"):
        with h5py.File(path, "a") as f:
            f.attrs[attr] = ('{"class_name": ' + deep + "}").encode()
        with pytest.raises(ValueError, match=rf"{attr} of the file .*m\.h5.*nested too deeply"):
            load_model(path, safe_mode=False)
        model.save(path)

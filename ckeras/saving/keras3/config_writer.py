"""ckeras models as Keras 3 configs (`config.json` of a `.keras` archive).

Keras 3 reads what ckeras's tf-keras serialization says, once these are
changed (formats spec, sections 3.4 to 3.6):

- every object entry carries `module` and `registered_name`, and every
  built layer a `build_config` (`{"input_shape": ...}`), so Keras 3 can
  build it before its weights are loaded;
- `InputLayer` takes `batch_shape`; other layers lose `batch_input_shape`
  (the model's InputLayer holds the shape) and RNNs `time_major`;
  BatchNormalization's `axis` is an int; optimizers lose the tf-keras-only
  keys (`jit_compile`, `is_legacy_optimizer`, `decay`);
- a functional model is `Functional`, its nodes are `{"args", "kwargs"}`
  holding `__keras_tensor__` entries, node indices count this model's calls
  from 0 (no tf-keras node skipping for nested models), and one input or
  output is a flat `[name, node, tensor]` triple;
- the top level adds `build_config` and `compile_config`.

Reading Keras 3 configs is `ckeras.saving.model_config`'s job.
"""
import inspect

import numpy as np

from ckeras.engine.functional import Functional
from ckeras.engine.input_layer import InputLayer
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.op_layer import Keras3Op, Keras3Reduction
from ckeras.engine.sequential import Sequential
from ckeras.layers import serialize as serialize_layer
from ckeras.saving import hdf5_format
from ckeras.saving.model_config import compat_for_writing

# The Keras release whose `.keras` format ckeras writes (metadata.json).
KERAS3_VERSION = "3.15.1"
_FUNCTIONAL_MODULE = "keras.src.models.functional"
_OPTIMIZER_DROP = ("jit_compile", "is_legacy_optimizer", "decay")
_NESTED_LAYER_KEYS = ("layer", "backward_layer", "cell")
# tf-keras config keys a Keras 3 layer rejects (it has no such argument):
# arguments tf-keras ignores for that layer, dropped; and arguments Keras 3
# cannot express, dropped at their default value (else the save fails).
_SEPARABLE_UNUSED = ("kernel_initializer", "kernel_regularizer", "kernel_constraint")
_UNUSED_KEYS = {"SeparableConv1D": _SEPARABLE_UNUSED, "SeparableConv2D": _SEPARABLE_UNUSED,
                "SpatialDropout1D": ("trainable",), "SpatialDropout2D": ("trainable",),
                "SpatialDropout3D": ("trainable",)}
_DEFAULT_ONLY_KEYS = {name: {"groups": 1} for name in (
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")}
_DEFAULT_ONLY_KEYS.update({f"SpatialDropout{n}D": {"noise_shape": None} for n in (1, 2, 3)})
_RENAMED_KEYS = {"LeakyReLU": {"alpha": "negative_slope"}}
# ckeras layers Keras 3 removed, with what to use instead.
_NOT_IN_KERAS3 = {"ThresholdedReLU": "ReLU(threshold=theta), which keeps x == theta "
                                     "where ThresholdedReLU gives 0"}


def _shape(shape):
    if shape is None:
        return None
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_shape(s) for s in shape]
    return [None if d is None else int(d) for d in shape]


def _build_config(layer):
    shape = getattr(layer, "_build_input_shape", None)
    if shape is None and getattr(layer, "built", False):
        try:
            shape = layer.input_shape
        except (AttributeError, ValueError, RuntimeError):
            shape = None
    if shape is None:
        return None
    return {"input_shape": _shape(shape)}


def _module(class_name):
    if class_name == "Sequential":
        return "keras"
    if class_name == "Functional":
        return _FUNCTIONAL_MODULE
    return "keras.layers"


def _lambda_config(cfg):
    """tf-keras's Lambda keys in Keras 3's form: a bytecode function as a
    `__lambda__` object, a named one as a `function` object (Keras 3 finds it
    in `custom_objects`, as ckeras does); Keras 3 has no `*_type`/`*_module`
    keys."""
    for key in ("function", "output_shape", "mask"):
        kind = cfg.pop(f"{key}_type", None)
        module = cfg.pop("module" if key == "function" else f"{key}_module", None)
        value = cfg.get(key)
        if kind == "lambda" and isinstance(value, list) and len(value) == 3:
            cfg[key] = {"class_name": "__lambda__",
                        "config": {"code": value[0], "defaults": value[1],
                                   "closure": value[2]}}
        elif kind == "function" and isinstance(value, str):
            cfg[key] = {"module": module or "builtins", "class_name": "function",
                        "config": value, "registered_name": "function"}


def _fix_layer_config(class_name, cfg):
    if class_name in _NOT_IN_KERAS3:
        raise ValueError(f"Cannot save the layer {cfg.get('name')!r} in the Keras 3 "
                         f"`.keras` format: Keras 3 has no {class_name} layer (the closest "
                         f"is {_NOT_IN_KERAS3[class_name]}). Save the model as `.h5`.")
    if class_name == "Lambda":
        _lambda_config(cfg)
    if class_name == "InputLayer":
        if "batch_input_shape" in cfg:
            cfg["batch_shape"] = cfg.pop("batch_input_shape")
        return
    cfg.pop("batch_input_shape", None)
    cfg.pop("time_major", None)
    for old, new in _RENAMED_KEYS.get(class_name, {}).items():
        if old in cfg:
            cfg[new] = cfg.pop(old)
    for key in _UNUSED_KEYS.get(class_name, ()):
        cfg.pop(key, None)
    for key, default in _DEFAULT_ONLY_KEYS.get(class_name, {}).items():
        value = cfg.pop(key, default)
        if value != default:
            raise ValueError(f"Cannot save the layer {cfg.get('name')!r} ({class_name}) in "
                             f"the Keras 3 `.keras` format: Keras 3's {class_name} has no "
                             f"`{key}` argument (this layer has {key}={value!r}). Save it "
                             "as `.h5` instead.")
    if class_name == "BatchNormalization" and isinstance(cfg.get("axis"), list) \
            and len(cfg["axis"]) == 1:
        cfg["axis"] = cfg["axis"][0]


def _op_entry(layer):
    """A Keras 3 ops node (the mask comparisons Keras 3 records)."""
    cfg = {"name": layer.name}
    if isinstance(layer, Keras3Reduction):
        cfg.update(axis=layer.axis, keepdims=layer.keepdims)
    name = type(layer).__name__
    return {"module": "keras.src.ops.numpy", "class_name": name, "config": cfg,
            "registered_name": name}


def _entry(serialized, layer):
    """A tf-keras layer entry of `layer` in Keras 3 form (in place)."""
    if isinstance(layer, Keras3Op):
        return _op_entry(layer)
    class_name = serialized["class_name"]
    cfg = serialized.get("config")
    if isinstance(layer, Functional) and not isinstance(layer, Sequential):
        return _functional(layer, serialized)
    if isinstance(layer, Sequential):
        cfg = dict(cfg)
        cfg["layers"] = _sequential_layers(layer, cfg["layers"])
        class_name = "Sequential"
    elif isinstance(cfg, dict):
        _fix_layer_config(class_name, cfg)
        for key in _NESTED_LAYER_KEYS:
            sub = getattr(layer, "forward_layer" if key == "layer" and
                          hasattr(layer, "forward_layer") else key, None)
            if isinstance(cfg.get(key), dict) and sub is not None:
                cfg[key] = _entry(cfg[key], sub)
        cells = getattr(layer, "cells", None)
        if isinstance(cfg.get("cells"), list) and isinstance(cells, list):
            cfg["cells"] = [_entry(c, cell) for c, cell in zip(cfg["cells"], cells)]
    cls = type(layer)
    if cls.__module__.startswith("ckeras."):
        module, registered = _module(class_name), serialized.get("registered_name")
    else:   # a user class: Keras 3 finds it by this name in custom_objects
        module = cls.__module__
        registered = serialized.get("registered_name") or class_name
    out = {"module": module, "class_name": class_name, "config": cfg,
           "registered_name": registered}
    build = _build_config(layer)
    if build is not None and not isinstance(layer, InputLayer):
        out["build_config"] = build
    return out


def _sequential_layers(model, entries):
    layers = list(model.layers)
    out = []
    if entries and entries[0].get("class_name") == "InputLayer":
        first = entries[0]
        _fix_layer_config("InputLayer", first["config"])
        out.append({"module": "keras.layers", "class_name": "InputLayer",
                    "config": first["config"], "registered_name": None})
        entries = entries[1:]
    elif layers and getattr(layers[0], "_batch_input_shape", None) is not None:
        out.append({"module": "keras.layers", "class_name": "InputLayer",
                    "config": {"batch_shape": _shape(layers[0]._batch_input_shape),
                               "dtype": layers[0].dtype, "sparse": False,
                               "name": layers[0].name + "_input"},
                    "registered_name": None})
    for entry, layer in zip(entries, layers):
        out.append(_entry(entry, layer))
    return out


def _node_indices(model):
    """Keras 3 index of each node of `model`: its layer's n-th call here."""
    index = {}
    for layer in model._graph_layers:
        k = 0
        for node in layer._inbound_nodes:
            if id(node) in model._network_nodes:
                index[id(node)] = k
                k += 1
    return index


def _keras_tensor(t, index):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": _shape(t.shape), "dtype": str(t.dtype),
                       "keras_history": [t._keras_history[0].name, index[id(t.node)],
                                         t._keras_history[2]]}}


def _plain(value, index):
    if isinstance(value, KerasTensor):
        return _keras_tensor(value, index)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v, index) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, index) for k, v in value.items()}
    return value


def _node(layer, node, index):
    args, kwargs = list(node.call_args), dict(node.call_kwargs)
    if isinstance(layer, Keras3Op):
        # Keras 3 ops take their operands positionally (`not_equal(x1, x2)`).
        args += list(kwargs.values())
        kwargs = {}
    return {"args": _plain(args, index), "kwargs": _plain(kwargs, index)}


def _functional(model, serialized):
    index = _node_indices(model)
    entries = {e["name"]: e for e in serialized["config"]["layers"]}
    layers = []
    for layer in model._graph_layers:
        entry = _entry({k: v for k, v in entries[layer.name].items()
                        if k not in ("name", "inbound_nodes")}, layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [] if isinstance(layer, InputLayer) else [
            _node(layer, node, index) for node in layer._inbound_nodes
            if id(node) in model._network_nodes and not node.is_input]
        layers.append(entry)

    def refs(structure):
        # The structure the model was built with: one tensor is one flat
        # triple, a list a list of triples, a dict a dict of them.
        if isinstance(structure, dict):
            return {k: refs(v) for k, v in structure.items()}
        if isinstance(structure, (list, tuple)):
            return [refs(v) for v in structure]
        return _keras_tensor(structure, index)["config"]["keras_history"]
    cfg = {"name": model.name, "trainable": model.trainable, "layers": layers,
           "input_layers": refs(model._nested_inputs),
           "output_layers": refs(model._nested_outputs)}
    out = {"module": _FUNCTIONAL_MODULE, "class_name": "Functional", "config": cfg,
           "registered_name": "Functional"}
    build = _build_config(model)
    if build is not None:
        out["build_config"] = build
    return out


def _compile_config(model):
    training = hdf5_format.training_config_dict(model)
    if training is None:
        return None
    optimizer = training["optimizer_config"]
    cfg = optimizer.get("config")
    if isinstance(cfg, dict):
        for key in _OPTIMIZER_DROP:
            cfg.pop(key, None)
    # tf-keras's legacy form marks the new optimizers "Custom>Adam".
    class_name = optimizer["class_name"].rpartition(">")[2]
    optimizer = {"module": "keras.optimizers", "class_name": class_name,
                 "config": cfg, "registered_name": None}
    names = list(getattr(model, "output_names", None) or [])
    return {"optimizer": optimizer, "loss": _keras3_objects(training["loss"], "keras.losses"),
            "loss_weights": training["loss_weights"],
            "metrics": _metrics(training["metrics"], names),
            "weighted_metrics": _metrics(training["weighted_metrics"], names),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _keras3_objects(item, module, prefix=None):
    """Serialized losses/metrics as Keras 3 reads them: with the `module` it
    looks them up by, without tf-keras's `fn` and `reduction='auto'` (Keras
    3's default is 'sum_over_batch_size'), and metric names without the
    '<output>_' prefix tf-keras adds (Keras 3 adds it again)."""
    if isinstance(item, list):
        return [_keras3_objects(v, module, prefix) for v in item]
    if isinstance(item, dict) and "class_name" not in item:
        return {k: _keras3_objects(v, module, k) for k, v in item.items()}
    if not isinstance(item, dict):
        return item
    cfg = dict(item.get("config") or {})
    cfg.pop("fn", None)
    if cfg.get("reduction") == "auto":
        cfg["reduction"] = "sum_over_batch_size"
    name = cfg.get("name")
    if prefix and isinstance(name, str) and name.startswith(prefix + "_"):
        cfg["name"] = name[len(prefix) + 1:]
    return dict(item, config=cfg, module=item.get("module", module),
                registered_name=item.get("registered_name"))


def _metrics(metrics, output_names):
    if isinstance(metrics, list) and len(metrics) == len(output_names) > 1 and all(
            isinstance(m, list) for m in metrics):
        return [_keras3_objects(m, "keras.metrics", n) for m, n in zip(metrics, output_names)]
    return _keras3_objects(metrics, "keras.metrics")


def model_config(model, include_optimizer=True):
    """The Keras 3 `config.json` dict of a built ckeras model.

    Args:
        model: a Sequential or Functional model, or a subclassed model
            whose `get_config()` returns its constructor arguments.
        include_optimizer: add `compile_config` when the model is compiled.

    Raises:
        NotImplementedError: a subclassed model without `get_config`
            (Keras 3's message).
    """
    if getattr(model, "_is_graph_network", False) or isinstance(model, Sequential):
        serialized = compat_for_writing(serialize_layer(model))
        config = _entry(serialized, model)
    else:
        config = _subclassed(model)
    if include_optimizer:
        compile_config = _compile_config(model)
        if compile_config is not None:
            config["compile_config"] = compile_config
    return config


def _own_get_config(cls):
    """True when a user class (not ckeras) defines `get_config`."""
    owner = next(c for c in cls.__mro__ if "get_config" in vars(c))
    return not owner.__module__.startswith("ckeras.")


def _init_takes_arguments(cls):
    params = inspect.signature(cls.__init__).parameters.values()
    return any(p.name not in ("self", "name", "trainable", "dtype")
               and p.kind is not inspect.Parameter.VAR_KEYWORD for p in params)


def _subclassed(model):
    """A subclassed model's entry: its `get_config()` (the base one only when
    `__init__` takes no arguments of its own, where Keras 3's automatic
    config would hold nothing more)."""
    cls = type(model)
    cfg = None
    if _own_get_config(cls) or not _init_takes_arguments(cls):
        try:
            cfg = model.get_config()
        except NotImplementedError:
            cfg = None
    if not isinstance(cfg, dict):
        raise NotImplementedError(
            f"Object {cls.__name__} was created by passing non-serializable argument "
            "values in `__init__()`, and therefore the object must override "
            "`get_config()` in order to be serializable. Please implement "
            "`get_config()`.")
    out = {"module": cls.__module__, "class_name": cls.__name__, "config": cfg,
           "registered_name": getattr(cls, "_keras_registered_name", None) or cls.__name__}
    build = _build_config(model)
    if build is not None:
        out["build_config"] = build
    return out


def compile_args(compile_config, custom_objects=None, output_names=None):
    """`model.compile` keyword arguments from a Keras 3 `compile_config`."""
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer, "config": {"is_legacy_optimizer": False}}
    training = {"optimizer_config": optimizer}
    for key in ("loss", "metrics", "weighted_metrics", "loss_weights"):
        training[key] = compile_config.get(key)
    return hdf5_format.compile_args(training, custom_objects, output_names)

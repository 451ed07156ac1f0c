"""Model configs: Keras 2 / tf-keras / Keras 3 configs to models, JSON and YAML.

Accepted config dialects:

- Keras 2 / tf.keras (`.h5` `model_config`, `to_json`): Sequential (also
  the Keras <= 2.2.4 bare-list form and the form without an InputLayer),
  Functional/Model with tf-keras `inbound_nodes` lists
  (`[[['layer', node_index, tensor_index, {kwargs}], ...], ...]`), the
  TFOpLambda raw-structure nodes and `_CONSTANT_VALUE` entries;
- tf-keras >= 2.13: extra `module`, `registered_name`, `build_config` keys;
- Keras 1 (argument names such as `output_dim`, `nb_filter`, classes such as
  `Convolution2D`, `Merge`) and the CuDNN layers of Keras 2, converted by
  `ckeras.saving.legacy.model_file.convert_layer_entry`;
- Keras 3: nodes as `{'args': [...], 'kwargs': {...}}` holding
  `__keras_tensor__` entries, `batch_shape`, DTypePolicy dicts, flat
  `input_layers`/`output_layers` for one tensor, and no node-index skipping
  for nested models.

Node indices (tf-keras rule): a nested Functional/Sequential model that has
its own InputLayer owns an internal node 0, so its first call inside the
parent is saved as index 1. ckeras writes and reads that rule for the
tf-keras list format; Keras 3 dict-format nodes count from 0.

Nothing in a config is ever imported or executed: classes come from
ckeras, `custom_objects` and the registry; YAML is read with a SafeLoader.
"""
from __future__ import annotations

import copy
import json
import reprlib
import warnings
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ckeras._internal import config as backend_config
from ckeras._internal.nest import flatten
from ckeras.engine.functional import Functional
from ckeras.engine.input_layer import InputLayer
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.op_layer import KERAS3_OPS
from ckeras.engine.sequential import Sequential
from ckeras.layers import deserialize as deserialize_layer
from ckeras.layers import serialize as serialize_layer
from ckeras.layers.core import Lambda
from ckeras.layers.recurrent import RNN
from ckeras.layers.wrappers import Bidirectional
from ckeras.saving.keras3.config_reader import from_keras3
from ckeras.saving.legacy.model_file import convert_layer_entry
from ckeras.saving.safe_mode import SafeModeScope
from ckeras.saving.serialization import serialize_keras_object

if TYPE_CHECKING:
    from ckeras.engine.base_layer import Layer
    from ckeras.engine.training import Model

# The Keras version ckeras' files declare: the tf.keras 2.x layout it follows
# (loaders only special-case the Keras 1 layout, keras_version "1").
KERAS_VERSION = "2.21.0"
BACKEND = "tensorflow"

# Keys Keras 3 / newer tf-keras add to layer configs that ckeras layers do not
# take; dropped when they hold their default value.
_DROP_IF_DEFAULT = {
    "quantization_config": (None,), "lora_rank": (None,), "lora_alpha": (None,),
    "synchronized": (False,), "zero_output_for_mask": (False, True),
    "optional": (False,), "seed": (None,), "time_major": (False,),
    "input_length": (None,), "rms_scaling": (False,),
}
_ENTRY_EXTRA_KEYS = ("module", "build_config", "compile_config", "shared_object_id")
# A YAML alias may stand for at most this many nodes (see `_safe_loader`).
YAML_ALIAS_MAX_NODES = 64


def brief(obj, limit=200):
    """A short repr of a (possibly huge or deep) config for error messages.

    Bounded work: nested containers are cut after a few items and levels
    before anything is formatted, unlike `str(obj)[:limit]`. Exceptions
    give their message.
    """
    r = reprlib.Repr()
    r.maxlevel = 4
    r.maxdict = r.maxlist = r.maxtuple = r.maxset = 8
    r.maxstring = r.maxother = 80
    text = str(obj) if isinstance(obj, BaseException) else r.repr(obj)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ------------------------------------------------------------ normalising
def _policy_name(value):
    if isinstance(value, dict) and value.get("class_name") in (
            "DTypePolicy", "Policy", "FloatDTypePolicy", "QuantizedDTypePolicy"):
        name = (value.get("config") or {}).get("name", "float32")
        if isinstance(name, str) and name.startswith("mixed_"):
            warnings.warn(f"Mixed-precision policy '{name}' is loaded as float32 "
                          "(ckeras computes in the variable dtype).", stacklevel=4)
            return "float32"
        return name
    return value


def _is_layer_entry(obj):
    return isinstance(obj, dict) and "class_name" in obj and isinstance(
        obj.get("config"), (dict, list))


def normalize_config(config):
    """Returns a copy of a model or layer config in the form ckeras reads.

    Converts Keras 3 specifics (DTypePolicy dicts, `batch_shape`, default
    valued new keys, `time_major: False`, and the forms of
    `ckeras.saving.keras3.config_reader`) recursively; Functional node lists
    are kept as they are (both node formats are read by
    `functional_from_config`).

    Args:
        config: `{'class_name': ..., 'config': ...}` dict.

    Returns:
        A new dict.
    """
    return _normalize(from_keras3(copy.deepcopy(config)))


def _normalize(obj):
    if isinstance(obj, list):
        return [_normalize(o) for o in obj]
    if not isinstance(obj, dict):
        return obj
    if obj.get("class_name") == "__keras_tensor__":
        return obj
    if _is_layer_entry(obj):
        convert_layer_entry(obj)
        for key in _ENTRY_EXTRA_KEYS:
            obj.pop(key, None)
        cfg = obj["config"]
        if isinstance(cfg, dict):
            if "dtype" in cfg:
                cfg["dtype"] = _policy_name(cfg["dtype"])
            if obj["class_name"] != "InputLayer" and "batch_shape" in cfg:
                cfg["batch_input_shape"] = cfg.pop("batch_shape")
            for key, defaults in _DROP_IF_DEFAULT.items():
                if key in cfg and any(cfg[key] is d or cfg[key] == d for d in defaults) \
                        and not (key == "optional" and obj["class_name"] == "InputLayer"):
                    if key == "input_length" and obj["class_name"] != "Embedding":
                        continue
                    del cfg[key]
            for key, value in list(cfg.items()):
                if key in ("layers", "layer", "backward_layer", "cell", "cells"):
                    cfg[key] = _normalize(value)
        elif isinstance(cfg, list):
            obj["config"] = [_normalize(e) for e in cfg]
        return obj
    return obj


# ------------------------------------------------------------ node writing
_CONSTANT_VALUE = "_CONSTANT_VALUE"
# tf-keras' RNN and Bidirectional move these call keywords into the first
# argument when they hold KerasTensors: `layer(x, initial_state=[h, c])` is
# saved as the node [x, h, c] (and read back as `layer([x, h, c])`, which
# both libraries split again).
_STATE_KEYWORDS = ("initial_state", "constants")


def _joins_states_to_inputs(layer):
    return isinstance(layer, (RNN, Bidirectional))


def _positional_names(layer, count):
    """Names of the `count` positional `call` arguments after the first."""
    import inspect
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = [p.name for p in inspect.signature(layer.call).parameters.values()
              if p.kind in kinds][1:]
    if len(params) < count:
        raise ValueError(
            f"Layer {layer.name} was called with {count} positional argument(s) after its "
            f"inputs, but its call() signature names only {len(params)}; they cannot be "
            "saved in the model config. Pass them as keyword arguments.")
    return params[:count]


def _is_symbolic(value):
    return any(isinstance(t, KerasTensor) for t in flatten(value))


def _plain(value, ref):
    """A call argument in JSON form: KerasTensors as refs, arrays as lists."""
    if isinstance(value, KerasTensor):
        return ref(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v, ref) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, ref) for k, v in value.items()}
    return value


def node_config(node, ref):
    """One call of a layer in tf-keras' `inbound_nodes` list format.

    Every tensor of the first call argument becomes an entry
    `[layer_name, node_index, tensor_index, kwargs]` (a constant becomes
    `['_CONSTANT_VALUE', -1, value, kwargs]`); `kwargs` holds the other
    arguments, positional ones under their `call` parameter names, with
    KerasTensors as `[layer_name, node_index, tensor_index]` refs (e.g. an
    explicit `mask=`, or MultiHeadAttention's `value`). RNN and
    Bidirectional states given as tensors join the inputs, as tf-keras saves
    them.

    Args:
        node: the Node (one call of a layer on KerasTensors).
        ref: `ref(tensor) -> [layer_name, node_index, tensor_index]`.

    Returns:
        The list of entries.
    """
    layer = node.layer
    first, rest = node.call_args[0], node.call_args[1:]
    kwargs = dict(zip(_positional_names(layer, len(rest)), rest)) if rest else {}
    kwargs.update(node.call_kwargs)
    if _joins_states_to_inputs(layer):
        extra = []
        for key in _STATE_KEYWORDS:
            if key in kwargs and _is_symbolic(kwargs[key]):
                extra += flatten(kwargs.pop(key))
        if extra:
            first = [first] + extra
    kwargs = _plain(kwargs, ref)
    entries = [ref(t) + [kwargs] if isinstance(t, KerasTensor)
               else [_CONSTANT_VALUE, -1, _plain(t, ref), kwargs] for t in flatten(first)]
    if getattr(layer, "_saves_raw_node", False) and len(entries) == 1:
        return entries[0]
    return entries


# ----------------------------------------------------------- node parsing
class _Ref:
    """A reference to tensor `tensor_index` of call `node_index` of a layer."""

    __slots__ = ("layer", "node", "tensor")

    def __init__(self, layer, node, tensor):
        self.layer, self.node, self.tensor = layer, int(node), int(tensor)


class _Const:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _is_ref_list(x):
    return (isinstance(x, list) and len(x) in (3, 4) and isinstance(x[0], str)
            and isinstance(x[1], int) and isinstance(x[2], int)
            and (len(x) == 3 or isinstance(x[3], dict)))


def _kwargs_refs(obj):
    """Tensor refs inside tf-keras kwargs are 3-element [name, node, tensor]."""
    if isinstance(obj, dict):
        return {k: _kwargs_refs(v) for k, v in obj.items()}
    if isinstance(obj, list):
        if len(obj) == 3 and isinstance(obj[0], str) and isinstance(obj[1], int) \
                and isinstance(obj[2], int):
            return _Ref(*obj)
        return [_kwargs_refs(v) for v in obj]
    return obj


def _k3_struct(obj):
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            hist = obj["config"]["keras_history"]
            return _Ref(hist[0], hist[1], hist[2])
        return {k: _k3_struct(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_k3_struct(v) for v in obj]
    return obj


def _parse_node(node, label="a layer"):
    """(args, kwargs, keras3) of one saved call node of `label`."""
    try:
        return _parse_node_entries(node)
    except (KeyError, AttributeError, IndexError, TypeError, ValueError) as e:
        raise ValueError(f"Malformed model config: cannot parse an inbound node of {label}: "
                         f"{brief(node)} ({type(e).__name__}: {brief(e)}).") from e


def _parse_node_entries(node):
    if isinstance(node, dict):
        args = _k3_struct(node.get("args", []))
        kwargs = _k3_struct(node.get("kwargs", {}) or {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ValueError("'args' must be a list and 'kwargs' a dict")
        return list(args), kwargs, True
    if _is_ref_list(node):  # TFOpLambda raw structure with a single input
        node = [node]
    refs, kwargs = [], {}
    for entry in node:
        if isinstance(entry, list) and entry and entry[0] == _CONSTANT_VALUE:
            refs.append(_Const(entry[2]))
            if len(entry) > 3 and entry[3]:
                kwargs = _kwargs_refs(dict(entry[3]))
            continue
        if not _is_ref_list(entry):
            raise ValueError(f"not a [layer_name, node_index, tensor_index, kwargs] "
                             f"entry: {brief(entry)}")
        refs.append(_Ref(entry[0], entry[1], entry[2]))
        if len(entry) > 3 and entry[3]:
            kwargs = _kwargs_refs(dict(entry[3]))
    if not refs:
        raise ValueError("an empty node")
    first = refs if len(refs) > 1 else refs[0]
    return [first], kwargs, False


def _refs_in(struct):
    out = []
    if isinstance(struct, _Ref):
        out.append(struct)
    elif isinstance(struct, (list, tuple)):
        for s in struct:
            out.extend(_refs_in(s))
    elif isinstance(struct, dict):
        for s in struct.values():
            out.extend(_refs_in(s))
    return out


def _resolve_struct(struct, lookup):
    if isinstance(struct, _Ref):
        return lookup(struct)
    if isinstance(struct, _Const):
        # Layers were called on an array; JSON kept its values, not its dtype.
        value = np.asarray(struct.value)
        return value.astype(backend_config.floatx()) if value.dtype.kind == "f" else value
    if isinstance(struct, list):
        return [_resolve_struct(s, lookup) for s in struct]
    if isinstance(struct, dict):
        return {k: _resolve_struct(v, lookup) for k, v in struct.items()}
    return struct


def should_skip_first_node(layer):
    """True for nested graph models with their own InputLayer (tf-keras rule)."""
    if not isinstance(layer, Functional) or not getattr(layer, "_is_graph_network", False):
        return False
    if type(layer).__name__ == "Sequential" or hasattr(layer, "_seq_layers"):
        chain = getattr(layer, "_chain", None)
        return bool(chain) and isinstance(chain[0]._keras_history[0], InputLayer)
    return bool(layer.inputs) and all(
        isinstance(t._keras_history[0], InputLayer) for t in layer.inputs)


def _io_refs(value, key):
    """input_layers / output_layers as a structure of _Ref."""
    def ref(v):
        if not _is_ref_list(v):
            raise ValueError(f"Malformed model config: each entry of {key} must be "
                             f"[layer_name, node_index, tensor_index], received {brief(v)}.")
        return _Ref(*v[:3])
    if isinstance(value, dict):
        return {k: ref(v) for k, v in value.items()}
    if _is_ref_list(value):  # Keras 3: one flat triple
        return _Ref(*value[:3])
    if not isinstance(value, list) or not value:
        raise ValueError(f"Malformed model config: {key} must be a non-empty list of "
                         f"[layer_name, node_index, tensor_index], received {brief(value)}.")
    return [ref(v) for v in value]


def _check_functional_config(config):
    if not isinstance(config, dict):
        raise ValueError("Malformed model config: a functional model's config must be a "
                         f"dict, received {brief(config)}.")
    missing = [k for k in ("layers", "input_layers", "output_layers") if k not in config]
    if missing:
        raise ValueError(f"Malformed model config: a functional model's config needs the "
                         f"keys {missing} (received the keys {brief(sorted(config))}).")
    layers = config["layers"]
    if not isinstance(layers, list):
        raise ValueError("Malformed model config: 'layers' must be a list of layer "
                         f"entries, received {brief(layers)}.")
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) \
                or not isinstance(entry.get("config", {}), (dict, list)):
            raise ValueError(f"Malformed model config: layer #{i} must be a dict with a "
                             f"'class_name' string and a 'config' dict, received "
                             f"{brief(entry)}.")


def _is_keras3_op(entry, custom_objects):
    """A Keras 3 ops node (e.g. the `NotEqual` of an Embedding mask_zero mask),
    in Keras 3's node format or in the tf-keras one ckeras writes to `.h5`
    for a model loaded from Keras 3."""
    return (entry.get("class_name") in KERAS3_OPS
            and entry["class_name"] not in (custom_objects or {})
            and bool(entry.get("inbound_nodes")))


def functional_from_config(cls, config, custom_objects=None, input_tensors=None):
    """Rebuilds a functional model from its config (both node formats).

    Args:
        cls: the model class to instantiate (Functional or a subclass).
        config: the `config` part of the model's serialized dict.
        custom_objects: dict of user classes/functions.
        input_tensors: optional dict mapping InputLayer names to KerasTensors
            to use instead of new Inputs (for `clone_model`).

    Returns:
        The model.

    Raises:
        ValueError: unknown layers (named), unresolvable nodes.
    """
    _check_functional_config(config)
    created, order = {}, []
    for i, entry in enumerate(config["layers"]):
        entry = normalize_config(entry)
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        label = f"layer #{i} ({name!r}, {brief(entry['class_name'], 80)})"
        try:
            if input_tensors and name in input_tensors and \
                    entry["class_name"] == "InputLayer":
                layer = input_tensors[name]._keras_history[0]
            elif _is_keras3_op(entry, custom_objects):
                layer = KERAS3_OPS[entry["class_name"]](**dict(entry.get("config") or {},
                                                                 name=name))
            else:
                layer = deserialize_layer(entry, custom_objects=custom_objects)
        except (KeyError, AttributeError, IndexError) as e:
            raise ValueError(f"Malformed model config: cannot build {label} from its "
                             f"config ({type(e).__name__}: {brief(e)}).") from e
        except TypeError as e:   # Keras' type for bad arguments: keep it, add the layer
            raise TypeError(f"Cannot build {label} from its config: {brief(e, 400)}") \
                from e
        name = name or layer.name
        created[name] = layer
        nodes = entry.get("inbound_nodes", []) or []
        if not isinstance(nodes, list):
            raise ValueError(f"Malformed model config: the inbound_nodes of {label} must "
                             f"be a list, received {brief(nodes)}.")
        order.append((name, layer, [_parse_node(n, label) for n in nodes]))
    produced = {}  # (layer name, saved node index) -> outputs
    counts = {}
    keras3 = any(k3 for _, _, nodes in order for _, _, k3 in nodes)
    for name, layer in created.items():
        if isinstance(layer, InputLayer):
            produced[(name, 0)] = layer._inbound_nodes[0].outputs
            if input_tensors and name in input_tensors:
                produced[(name, 0)] = input_tensors[name]
        counts[name] = 0 if keras3 else int(should_skip_first_node(layer))

    def lookup(ref):
        out = produced[(ref.layer, ref.node)]
        return flatten(out)[ref.tensor]

    def ready(ref):
        if ref.layer not in created:
            raise ValueError(f"Unknown layer name '{ref.layer}' in the model config "
                             "(an inbound node refers to it).")
        return (ref.layer, ref.node) in produced

    queue = [(name, layer, list(nodes)) for name, layer, nodes in order if nodes]
    while queue:
        progress, rest = False, []
        for name, layer, nodes in queue:
            while nodes:
                args, kwargs, _ = nodes[0]
                if not all(ready(r) for r in _refs_in(args) + _refs_in(kwargs)):
                    break
                call_args = _resolve_struct(args, lookup)
                call_kwargs = _resolve_struct(kwargs, lookup)
                for key in ("mask", "training") + _STATE_KEYWORDS:
                    if key in call_kwargs and call_kwargs[key] is None:
                        del call_kwargs[key]
                out = layer(*call_args, **call_kwargs)
                produced[(name, counts[name])] = out
                counts[name] += 1
                nodes.pop(0)
                progress = True
            if nodes:
                rest.append((name, layer, nodes))
        queue = rest
        if not progress:
            raise ValueError(
                "Invalid Functional model configuration: the inputs of layers "
                f"{[n for n, _, _ in queue]} could not be resolved.")

    def tensors(struct):
        def get(ref):
            if not ready(ref):
                raise ValueError(f"The model config names output/input "
                                 f"['{ref.layer}', {ref.node}, {ref.tensor}], which "
                                 "was never produced.")
            return lookup(ref)
        return _resolve_struct(struct, get)

    inputs = tensors(_io_refs(config["input_layers"], "input_layers"))
    outputs = tensors(_io_refs(config["output_layers"], "output_layers"))
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1 and not keras3:
        outputs = outputs[0]
    kwargs = {"name": config.get("name")}
    model = cls(inputs=inputs, outputs=outputs, **kwargs)
    if config.get("trainable") is False:
        model.trainable = False
    return model


# ------------------------------------------------------------ public API
def _check_envelope(config, what="config"):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Improper {what}: expected a dict with `class_name` and "
                         f"`config` keys, received {brief(config)}.")
    inner = config.get("config")
    if config["class_name"] == "Sequential" and not (
            isinstance(inner, list) or (isinstance(inner, dict) and
                                        isinstance(inner.get("layers"), list))):
        raise ValueError("Malformed model config: a Sequential model's config needs a "
                         f"'layers' list, received {brief(inner)}.")


def model_from_config(config: dict[str, Any],
                      custom_objects: dict[str, Any] | None = None) -> Layer:
    """Instantiates a model (or layer) from a Keras 2, tf-keras or Keras 3 config.

    Args:
        config: `{'class_name': ..., 'config': ...}`; extra `module`,
            `registered_name`, `build_config`, `keras_version`, `backend`
            keys are accepted.
        custom_objects: dict of custom classes and functions.

    Returns:
        A model with freshly initialised weights.

    Raises:
        ValueError: malformed configs, unknown classes (the name is in the
            message), Lambda bodies stored as bytecode (in safe mode).

    Example:
        >>> model = model_from_config(model.get_config() and
        ...     {'class_name': 'Sequential', 'config': model.get_config()})
    """
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. "
                        f"Received: {brief(config, 100)}. Did you mean to use "
                        "`Sequential.from_config(config)`?")
    _check_envelope(config)
    config = {k: v for k, v in config.items() if k not in ("keras_version", "backend")}
    try:
        return deserialize_layer(normalize_config(config), custom_objects=custom_objects)
    except (KeyError, AttributeError, IndexError) as e:
        # A layer's from_config indexing a key the config lacks, or calling a
        # method on a value of the wrong type.
        raise ValueError(f"Malformed model config for {brief(config['class_name'], 80)}: "
                         f"{type(e).__name__}: {brief(e)}.") from e
    except RecursionError as e:
        raise ValueError(f"Malformed model config for {brief(config['class_name'], 80)}: "
                         "it is nested too deeply.") from e


def _jsonable(model):
    return json.loads(dumps(model_config_dict(model)))


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if hasattr(obj, "get_config"):
        return serialize_keras_object(obj)
    if callable(obj) and hasattr(obj, "__name__"):
        return obj.__name__
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(obj, **kwargs):
    """`json.dumps` that knows NumPy scalars, dtypes and Keras objects."""
    return json.dumps(obj, default=_json_default, **kwargs)


def model_config_dict(model):
    """`{'class_name', 'config'}` of a Sequential or Functional model."""
    if not getattr(model, "_is_graph_network", False) and \
            type(model).__name__ not in ("Sequential",):
        raise NotImplementedError(
            "Saving the model to HDF5 format requires the model to be a Functional "
            "model or a Sequential model. It does not work for subclassed models, "
            "because such models are defined via the body of a Python method, which "
            "isn't safely serializable. Use `save_weights` instead.")
    return compat_for_writing(serialize_layer(model))


def compat_for_writing(config):
    """Adjusts a serialized model so both tf-keras 2.21 and Keras 3 read it.

    Per the formats spec (section 9): `time_major: False` is left out (Keras 3
    rejects the key) and wrapped layers (`layer` / `backward_layer` of
    Bidirectional, TimeDistributed) carry `module: 'keras.layers'` and
    `registered_name: None` (Keras 3 needs them). Works in place; returns
    `config`.
    """
    if isinstance(config, list):
        for c in config:
            compat_for_writing(c)
        return config
    if not isinstance(config, dict):
        return config
    cfg = config.get("config")
    if "class_name" in config and isinstance(cfg, dict):
        if cfg.get("time_major") is False:
            del cfg["time_major"]
        for key in ("layer", "backward_layer"):
            sub = cfg.get(key)
            if isinstance(sub, dict) and "class_name" in sub:
                sub.setdefault("module", "keras.layers")
                sub.setdefault("registered_name", None)
                compat_for_writing(sub)
        for key in ("layers", "cell", "cells"):
            if key in cfg:
                compat_for_writing(cfg[key])
    elif "class_name" in config and isinstance(cfg, list):
        compat_for_writing(cfg)
    return config


def model_to_dict(model):
    """The dict `to_json`/`to_yaml` dump: class_name, config, versions."""
    d = _jsonable(model)
    d["keras_version"] = KERAS_VERSION
    d["backend"] = BACKEND
    return d


def model_to_json(model: Model, **kwargs: Any) -> str:
    """JSON string of `{'class_name', 'config', 'keras_version', 'backend'}`."""
    return dumps(model_to_dict(model), **kwargs)


def model_from_json(json_string: str | bytes, custom_objects: dict[str, Any] | None = None,
                    safe_mode: bool = True) -> Layer:
    """Instantiates a model from `to_json()` output (fresh weights).

    Args:
        json_string: the JSON text (tf-keras, Keras 3 or ckeras).
        custom_objects: dict of custom classes and functions.
        safe_mode: False allows Lambda bodies stored as bytecode.

    Returns:
        A model.

    Raises:
        ValueError: invalid JSON, malformed configs, unknown classes.
    """
    try:
        config = json.loads(json_string)
    except RecursionError as e:
        raise ValueError("model_from_json: the JSON is nested too deeply.") from e
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the input is not valid JSON ({e}).") from e
    with SafeModeScope(safe_mode):
        return model_from_config(config, custom_objects=custom_objects)


def _alias_error(event, reason):
    mark = event.start_mark
    return ValueError(
        f"model_from_yaml: the alias *{event.anchor} (line {mark.line + 1}) {reason}. "
        f"Aliases may stand only for small values (at most {YAML_ALIAS_MAX_NODES} YAML "
        "nodes, such as the shared tuples legacy Keras writes): nested aliases expand "
        "exponentially (a few hundred bytes can stand for gigabytes). Write the values "
        "out instead.")


def _node_count_exceeds(node, limit):
    """Whether the expanded YAML node tree has more than `limit` nodes
    (stops counting there, so the cost is bounded)."""
    import yaml  # lazy: heavy
    count, stack = 0, [node]
    while stack:
        n = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
    return False


def _safe_loader():
    import yaml  # lazy: heavy

    class KerasSafeLoader(yaml.SafeLoader):
        """SafeLoader that reads the tags legacy Keras YAML contains and refuses
        aliases that stand for more than a few values (alias bombs)."""

        def __init__(self, stream):
            super().__init__(stream)
            self._open_anchors = []

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                if event.anchor in self._open_anchors:
                    raise _alias_error(event, "refers to a node that contains it")
                target = self.anchors.get(event.anchor)
                if target is not None and _node_count_exceeds(target, YAML_ALIAS_MAX_NODES):
                    raise _alias_error(event, f"stands for more than "
                                              f"{YAML_ALIAS_MAX_NODES} nodes")
            return super().compose_node(parent, index)

        def compose_sequence_node(self, anchor):
            self._open_anchors.append(anchor)
            try:
                return super().compose_sequence_node(anchor)
            finally:
                self._open_anchors.pop()

        def compose_mapping_node(self, anchor):
            self._open_anchors.append(anchor)
            try:
                return super().compose_mapping_node(anchor)
            finally:
                self._open_anchors.pop()

    def construct_tuple(loader, node):
        return tuple(loader.construct_sequence(node, deep=True))

    def construct_unicode(loader, node):
        return loader.construct_scalar(node)

    KerasSafeLoader.add_constructor("tag:yaml.org,2002:python/tuple", construct_tuple)
    KerasSafeLoader.add_constructor("tag:yaml.org,2002:python/unicode", construct_unicode)
    KerasSafeLoader.add_constructor("tag:yaml.org,2002:python/str", construct_unicode)
    return KerasSafeLoader


def _yaml():
    try:
        import yaml  # lazy: heavy
    except ImportError as e:  # pragma: no cover
        raise ImportError("to_yaml/model_from_yaml require PyYAML "
                          "(`pip install pyyaml`).") from e
    return yaml


def model_to_yaml(model: Model, **kwargs: Any) -> str:
    """YAML text of the same dict as `to_json` (`yaml.safe_dump` only)."""
    yaml = _yaml()
    return yaml.safe_dump(model_to_dict(model), **kwargs)


def load_yaml(yaml_string):
    """Parses YAML safely: `yaml.safe_load` plus the legacy `!!python/tuple`
    tag; nothing is executed and aliases may only stand for small values.

    Raises:
        ValueError: tags that construct Python objects, large, nested or
            recursive aliases, invalid YAML.
    """
    yaml = _yaml()
    try:
        return yaml.load(yaml_string, Loader=_safe_loader())  # SafeLoader subclass
    except RecursionError as e:
        raise ValueError("model_from_yaml: the YAML is nested too deeply.") from e
    except yaml.YAMLError as e:
        raise ValueError(
            "model_from_yaml: cannot parse the YAML safely. Only plain data and the "
            "legacy `!!python/tuple` tag are accepted; tags that construct Python "
            f"objects are refused. ({e})") from e


def model_from_yaml(yaml_string: str | bytes, custom_objects: dict[str, Any] | None = None,
                    safe_mode: bool = True) -> Layer:
    """Instantiates a model from `to_yaml()` output or legacy Keras 2 YAML.

    Args:
        yaml_string: the YAML text.
        custom_objects: dict of custom classes and functions.
        safe_mode: False allows Lambda bodies stored as bytecode.

    Returns:
        A model (fresh weights).

    Raises:
        ValueError: unsafe tags, malformed configs, unknown classes.
    """
    config = load_yaml(yaml_string)
    try:
        config = json.loads(json.dumps(config))  # tuples -> lists
    except RecursionError as e:
        raise ValueError("model_from_yaml: the YAML is nested too deeply.") from e
    except TypeError as e:   # sets, dates, binary: safe YAML, but not a Keras config
        raise ValueError(f"model_from_yaml: the YAML holds a value a Keras config cannot "
                         f"contain ({e}).") from e
    with SafeModeScope(safe_mode):
        return model_from_config(config, custom_objects=custom_objects)


def clone_model(model: Functional, input_tensors: Any = None,
                clone_function: Callable[[Layer], Layer] | None = None) -> Functional:
    """Clones a Sequential or Functional model: same architecture, new weights.

    Args:
        model: the model to clone.
        input_tensors: optional KerasTensor (or list) to build the clone on.
        clone_function: optional `fn(layer) -> new layer` (default: rebuild
            each layer from its config).

    Returns:
        A new model with freshly initialised weights.

    Example:
        >>> clone = clone_model(model)
        >>> clone.set_weights(model.get_weights())
    """
    live = _live_callables(model)
    if clone_function is None:
        def clone_function(layer):
            config = _with_live_callables(serialize_layer(layer), live)
            return deserialize_layer(json.loads(_dump(config)), custom_objects=live[1])
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if input_tensors is not None:
            tensor = flatten(input_tensors)[0]
            return Sequential([tensor] + layers, name=model.name)
        clone = Sequential(name=model.name)
        chain = getattr(model, "_chain", None)
        if chain:
            first = chain[0]._keras_history[0]
            clone.add(InputLayer.from_config(first.get_config()))
        for layer in layers:
            clone.add(layer)
        return clone
    if not getattr(model, "_is_graph_network", False):
        raise ValueError("clone_model expects a Sequential or Functional model; "
                         f"received a subclassed model ({type(model).__name__}).")
    config = json.loads(_dump(_with_live_callables(model.get_config(), live)))
    mapping = None
    if input_tensors is not None:
        tensors = flatten(input_tensors)
        names = [t._keras_history[0].name for t in model.inputs]
        if len(tensors) != len(names):
            raise ValueError(f"clone_model: the model has {len(names)} inputs, "
                             f"received {len(tensors)} input tensors.")
        mapping = dict(zip(names, tensors))
    return functional_from_config(type(model), config, input_tensors=mapping,
                                  custom_objects=live[1])


_LAMBDA_CALLABLES = (("function", "function_type", "module"),
                     ("output_shape", "output_shape_type", "output_shape_module"),
                     ("mask", "mask_type", "mask_module"))


def _live_callables(model):
    """`({layer name: {config key: registry key}}, {registry key: callable})`
    for the functions of the model's Lambda layers: a clone made in memory
    reuses the function objects, so no code goes through a config (Keras 2
    cloned such models; their bytecode would be refused on load)."""
    by_layer, objects = {}, {}
    for layer in model._all_layers():
        if not isinstance(layer, Lambda) or layer.name in by_layer:
            continue
        keys = {}
        for attr, value in (("function", layer.function), ("output_shape", layer._output_shape),
                            ("mask", layer.mask)):
            if callable(value):
                key = f"__clone__{id(value)}"
                objects[key] = value
                keys[attr] = key
        by_layer[layer.name] = keys
    return by_layer, objects


def _with_live_callables(config, live):
    """`config` with each Lambda callable replaced by its registry key."""
    by_layer = live[0]
    if isinstance(config, list):
        return [_with_live_callables(c, live) for c in config]
    if not isinstance(config, dict):
        return config
    out = {k: _with_live_callables(v, live) for k, v in config.items()}
    inner = out.get("config")
    if out.get("class_name") == "Lambda" and isinstance(inner, dict) and \
            inner.get("name") in by_layer:
        keys = by_layer[inner["name"]]
        for attr, type_key, module_key in _LAMBDA_CALLABLES:
            if attr in keys:
                inner[attr], inner[type_key], inner[module_key] = keys[attr], "function", None
    return out


def _dump(obj):
    return dumps(obj)


__all__ = [
    "clone_model",
    "functional_from_config",
    "load_yaml",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "model_to_json",
    "model_to_yaml",
    "node_config",
    "normalize_config",
    "should_skip_first_node",
]

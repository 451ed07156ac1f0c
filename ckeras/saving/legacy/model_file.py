"""What loading an older model file converts: the config pass and its description.

`convert_layer_entry` is applied to every layer entry of every config ckeras
reads (Keras 1 names, CuDNN layers). `infer_gru_reset_after` needs the
file's weights: a GRU saved by Keras 2.0/2.1 has no `reset_after` key, and
meant `reset_after=False` (the only GRU there was); Keras 2.2+ wrote the
key. As Keras 2.2 did, the bias shape decides: `(3u,)` is False,
`(2, 3u)` True. `describe_conversions` lists, for `ckeras inspect`, what a
load of the file will convert.
"""
import copy
import re

from ckeras.saving.legacy import weights as legacy_weights
from ckeras.saving.legacy.cudnn_recurrent import CUDNN_CLASSES, convert_cudnn_config
from ckeras.saving.legacy.interfaces import CLASS_RENAMES, RENAMES, convert_layer_config

# Layers whose Keras 1 weights have another layout (see `weights._keras1`).
_KERAS1_WEIGHT_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "LSTM", "GRU",
                         "ConvLSTM2D")
_NESTED_KEYS = ("layers", "layer", "backward_layer", "cell", "cells")


def convert_layer_entry(entry):
    """Rewrites one `{'class_name', 'config', ...}` layer entry in place.

    Keras 1 argument and class names become Keras 2's; `CuDNNLSTM` and
    `CuDNNGRU` become the `LSTM` / `GRU` computing the same.

    Args:
        entry: the layer entry (a dict with `class_name` and `config`).

    Returns:
        `entry`.
    """
    class_name, config = entry["class_name"], entry["config"]
    if class_name == "Sequential" and _starts_with_branch_merge(config):
        class_name, config = "Model", sequential_merge_to_functional(config)
    class_name, config = convert_cudnn_config(class_name, config)
    class_name, config = convert_layer_config(class_name, config)
    entry["class_name"], entry["config"] = class_name, config
    return entry


def _starts_with_branch_merge(config):
    return isinstance(config, list) and bool(config) and isinstance(config[0], dict) and \
        config[0].get("class_name") == "Merge" and \
        bool((config[0].get("config") or {}).get("layers"))


def _branch_layers(branch, merge_name):
    if not isinstance(branch, dict) or branch.get("class_name") != "Sequential":
        raise ValueError(f"Layer '{merge_name}': a Keras 1 `Merge` branch must be a "
                         f"Sequential model, received {str(branch)[:80]}.")
    cfg = branch.get("config")
    layers = cfg if isinstance(cfg, list) else (cfg or {}).get("layers")
    if not isinstance(layers, list) or not layers:
        raise ValueError(f"Layer '{merge_name}': a Keras 1 `Merge` branch has no layers.")
    if _starts_with_branch_merge(layers):
        raise ValueError(f"Layer '{merge_name}': nested Keras 1 `Merge` branches are not "
                         "supported.")
    return layers


def weights_by_name(model_config):
    """True for model configs whose saved weights must be matched by layer
    name: a Keras 1 branch-Merge Sequential saved its layers in an order a
    functional model does not keep (the names are unique, see
    `sequential_merge_to_functional`)."""
    return isinstance(model_config, dict) and model_config.get("class_name") == \
        "Sequential" and _starts_with_branch_merge(model_config.get("config"))


def sequential_merge_to_functional(config):
    """A Keras 1 Sequential model that starts with a `Merge` of branch
    Sequential models, as the functional model computing the same.

    Each branch gets an input (from its first layer's `batch_input_shape`)
    and its layers in a chain; the Merge joins the branch outputs and the
    Sequential's other layers follow. Keras 1 saved the weights of such a
    model in its own order (the branch layers, then the rest): they are
    loaded by name (`weights_by_name`).

    Args:
        config: the Sequential's list of layer entries.

    Returns:
        The functional model's config dict.

    Raises:
        ValueError: branches that are not Sequential models, nested Merges,
            or a layer name used twice.
    """
    merge = config[0]
    merge_cfg = dict(merge["config"])
    merge_name = merge_cfg.get("name", "merge")
    layers, outputs, seen = [], [], set()

    def add(entry, inbound):
        cfg = dict(entry.get("config") or {})
        name = cfg.get("name")
        if not isinstance(name, str) or name in seen:
            raise ValueError(f"Layer '{merge_name}': the Keras 1 Merge model uses the layer "
                             f"name {name!r} more than once (shared layers are not "
                             "supported).")
        seen.add(name)
        layers.append({"class_name": entry["class_name"], "name": name, "config": cfg,
                       "inbound_nodes": [[[n, 0, 0, {}] for n in inbound]] if inbound
                       else []})
        return name

    for i, branch in enumerate(merge_cfg.pop("layers")):
        chain = _branch_layers(branch, merge_name)
        first = dict(chain[0].get("config") or {})
        shape = first.get("batch_input_shape")
        if shape is None:
            raise ValueError(f"Layer '{merge_name}': branch {i} of the Keras 1 Merge has no "
                             "batch_input_shape on its first layer.")
        prev = add({"class_name": "InputLayer", "config": {
            "name": f"{merge_name}_input_{i}", "batch_input_shape": shape,
            "dtype": first.get("input_dtype") or "float32", "sparse": False}}, None)
        for entry in chain:
            entry = dict(entry, config={k: v for k, v in (entry.get("config") or {}).items()
                                        if k not in ("batch_input_shape", "input_dtype")})
            prev = add(entry, [prev])
        outputs.append(prev)
    prev = add({"class_name": "Merge", "config": merge_cfg}, outputs)
    for entry in config[1:]:
        prev = add(entry, [prev])
    inputs = [[entry["name"], 0, 0] for entry in layers if entry["class_name"] == "InputLayer"]
    return {"name": merge_cfg.get("name", "model") + "_model", "layers": layers,
            "input_layers": inputs, "output_layers": [[prev, 0, 0]]}


def layer_entries(config):
    """Every layer entry of a model or layer config, depth first."""
    if isinstance(config, list):
        for c in config:
            yield from layer_entries(c)
        return
    if not isinstance(config, dict) or "class_name" not in config:
        return
    yield config
    cfg = config.get("config")
    if isinstance(cfg, list):
        yield from layer_entries(cfg)
    elif isinstance(cfg, dict):
        for key in _NESTED_KEYS:
            if key in cfg:
                yield from layer_entries(cfg[key])


def _top_level(model_config):
    cfg = model_config.get("config") if isinstance(model_config, dict) else None
    if isinstance(cfg, list):
        return cfg
    if isinstance(cfg, dict) and isinstance(cfg.get("layers"), list):
        return cfg["layers"]
    return []


def _entry_name(entry):
    cfg = entry.get("config")
    name = cfg.get("name") if isinstance(cfg, dict) else None
    return name if isinstance(name, str) else entry.get("name")


def _gru_entries_without_reset_after(top):
    """(top-level layer name, GRU config) of every GRU lacking the key."""
    for entry in top:
        top_name = _entry_name(entry)
        for sub in layer_entries(entry):
            cfg = sub.get("config")
            if sub.get("class_name") in ("GRU", "GRUCell") and isinstance(cfg, dict) \
                    and "reset_after" not in cfg:
                yield top_name, cfg


def _bias_evidence(shapes, gru_name, units):
    """True/False from a (2, 3u) / (3u,) bias among `shapes`, else None."""
    named = [(n, s) for n, s in shapes if gru_name and gru_name in n]
    for _, shape in (named or shapes):
        if shape == (2, 3 * units):
            return True
    for n, shape in (named or shapes):
        if shape == (3 * units,) and re.search(r"(^|/)bias", n):
            return False
    return None


def infer_gru_reset_after(model_config, weight_shapes):
    """Sets `reset_after` on the GRU configs of a file that lack the key.

    Args:
        model_config: the file's `model_config` dict (modified in place).
        weight_shapes: `{top-level layer name: [(weight name, shape), ...]}`
            of the file's weights.

    Returns:
        A list of `(layer name, value)` for the GRUs that were set.
    """
    done = []
    for top_name, cfg in _gru_entries_without_reset_after(_top_level(model_config)):
        units = cfg.get("units", cfg.get("output_dim"))
        value = None
        if isinstance(units, int):
            value = _bias_evidence(weight_shapes.get(top_name, []), cfg.get("name"), units)
        # No key and no (2, 3u) bias: a Keras <= 2.1 GRU, reset_after=False.
        cfg["reset_after"] = bool(value)
        done.append((cfg.get("name") or top_name, cfg["reset_after"]))
    return done


def _is_keras1_entry(class_name, cfg):
    if class_name in CLASS_RENAMES or class_name == "Merge":
        return True
    old = {o for o, _ in RENAMES.get(class_name, ())}
    return isinstance(cfg, dict) and bool(old & set(cfg))


def describe_conversions(model_config, keras_version, backend, weight_shapes):
    """What loading a file will convert, as short sentences.

    Args:
        model_config: the file's `model_config` dict, or None (weights file).
        keras_version: the `keras_version` of the weights ("1" when absent).
        backend: the file's `backend` attribute (None when absent).
        weight_shapes: as for `infer_gru_reset_after`.

    Returns:
        A list of str (empty when the file loads as it is).
    """
    out = []
    entries = list(layer_entries(model_config)) if model_config else []
    keras1 = sorted({e["class_name"] for e in entries
                     if _is_keras1_entry(e["class_name"], e.get("config"))})
    if keras1:
        out.append("Keras 1 layer configs renamed to Keras 2 (" + ", ".join(keras1) + ")")
    if weights_by_name(model_config):
        out.append("Keras 1 Sequential starting with a Merge of branch models: rebuilt as a "
                   "functional model, weights matched by layer name")
    cudnn = sorted({e["class_name"] for e in entries if e["class_name"] in CUDNN_CLASSES})
    if cudnn:
        out.append(", ".join(cudnn) + " loaded as LSTM/GRU, weights converted from the "
                   "CuDNN layout")
    if model_config:
        probe = copy.deepcopy(model_config)
        for name, value in infer_gru_reset_after(probe, weight_shapes):
            out.append(f"GRU '{name}' has no reset_after key: reset_after={value} "
                       "(from its bias shape)")
    if keras_version == "1":
        converted = []
        for e in entries:
            cls = CLASS_RENAMES.get(e["class_name"], e["class_name"])
            if cls in _KERAS1_WEIGHT_LAYERS and cls not in converted:
                converted.append(cls)
        if any(c.startswith("Conv") for c in converted):
            out.append("Keras 1 files do not record their backend: kernels trained with "
                       "Theano are not flipped (as in Keras 2)")
        if converted or not model_config:
            out.append("Keras 1 weights: " + (", ".join(converted) if converted else
                                              "LSTM/GRU/Conv layers (if any)") +
                       " converted to the Keras 2 layout")
    if legacy_weights.flips_kernels(backend):
        conv = sorted({e["class_name"] for e in entries
                       if e["class_name"] in legacy_weights.CONV_LAYERS +
                       tuple(k for k, v in CLASS_RENAMES.items()
                             if v in legacy_weights.CONV_LAYERS)})
        what = ", ".join(conv) if conv else "convolution"
        out.append(f"Theano backend: {what} kernels flipped (Theano convolves, "
                   "TensorFlow correlates)")
    elif backend == "cntk":
        out.append("CNTK backend: kernels load as they are (CNTK correlates, as "
                   "TensorFlow)")
    if any(_cudnn_shaped(shapes) for shapes in weight_shapes.values()) and not cudnn:
        out.append("LSTM/GRU weights in the CuDNN layout converted")
    return out


def _cudnn_shaped(shapes):
    """A CuDNN LSTM/GRU bias next to its recurrent kernel in one layer's list."""
    for i in range(len(shapes) - 2):
        rec, bias = shapes[i + 1][1], shapes[i + 2][1]
        if len(rec) == 2 and len(bias) == 1 and rec[1] in (4 * rec[0], 3 * rec[0]) and \
                bias[0] == 2 * rec[1]:
            return True
    return False

"""`ckeras inspect FILE`: describe a Keras `.h5` file without loading weights.

Reads only HDF5 metadata (attributes, dataset shapes and dtypes): the format
and the Keras version and backend that wrote the file, what a load will
convert (Keras 1 configs and weights, Theano kernel flips, CuDNN layouts, GRU
`reset_after`; see `ckeras.saving.legacy`), a summary-like table of the
layers with their weight shapes and parameter counts, whether a training
config and optimizer state are present, and which layer classes ckeras
cannot build. A `.keras` zip archive is described from its `metadata.json`.
"""
import copy
import json
import os
import warnings
import zipfile

import numpy as np

from ckeras import layers
from ckeras.engine.op_layer import KERAS3_OPS
from ckeras.saving import hdf5_access, hdf5_format, object_registry
from ckeras.saving.legacy import model_file as legacy_model_file


def _layer_classes(config, out, path=""):
    """Collects (layer name, class name) from a (nested) model/layer config."""
    if isinstance(config, list):
        for c in config:
            _layer_classes(c, out, path)
        return
    if not isinstance(config, dict) or "class_name" not in config:
        return
    cls = config["class_name"]
    cfg = config.get("config")
    name = config.get("name") or (cfg.get("name") if isinstance(cfg, dict) else None)
    out.append((path + (name or "?"), cls, config.get("registered_name")))
    if isinstance(cfg, list):
        _layer_classes(cfg, out, path + (name or "") + "/")
    elif isinstance(cfg, dict):
        for key in ("layers", "layer", "backward_layer", "cell", "cells"):
            if key in cfg:
                _layer_classes(cfg[key], out, path + (name or "") + "/")


def unknown_classes(model_config, custom_objects=None):
    """Class names in a model config that ckeras cannot resolve."""
    known = layers.module_objects()
    model_config = copy.deepcopy(model_config)
    missing = []
    for entry in legacy_model_file.layer_entries(model_config):
        # Keras 1 and CuDNN classes are built as their Keras 2 equivalents.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                legacy_model_file.convert_layer_entry(entry)
        except ValueError:
            cfg = entry.get("config")
            missing.append((cfg.get("name", "?") if isinstance(cfg, dict) else "?",
                            entry["class_name"]))
    entries = []
    _layer_classes(model_config, entries)
    for lname, cls, registered in entries:
        found = known.get(cls) or KERAS3_OPS.get(cls) or object_registry.get_registered_object(
            registered or cls, custom_objects)
        if found is None and (lname, cls) not in missing:
            missing.append((lname, cls))
    return missing


def describe(filepath, print_fn=print):
    """Prints the description of `filepath`; returns the unknown classes.

    Only metadata is read, through the same checked access as loading: soft
    and external links, non-numeric datasets and data stored outside the
    file are refused with a ValueError naming the member.
    """
    filepath = os.fspath(filepath)
    if os.path.isfile(filepath) and zipfile.is_zipfile(filepath):
        return describe_archive(filepath, print_fn)
    f = hdf5_access.open_file(filepath)
    try:
        attrs = f.attrs
        version = hdf5_access.text_attr(f, "keras_version", filepath)
        backend = hdf5_access.text_attr(f, "backend", filepath)
        config = hdf5_format.load_model_config_from_file(f, filepath)
        root = hdf5_format._weights_root(f, filepath)
        if version is None:
            version = hdf5_access.text_attr(root, "keras_version", filepath)
        if backend is None:
            backend = hdf5_access.text_attr(root, "backend", filepath)
        weights_version, weights_backend = hdf5_format.file_versions(root, filepath)
        print_fn(f"File: {filepath}")
        print_fn("Format: " + _format_name(config, version, weights_version))
        print_fn("Keras version: " + (version if version is not None
                                      else "absent (Keras 1 file)"))
        print_fn("Backend: " + (backend if backend is not None else "unknown"))
        kind = "whole model (model.save)" if config else "weights only (save_weights)"
        print_fn(f"Content: {kind}")
        conversions = legacy_model_file.describe_conversions(
            config, weights_version, weights_backend or backend,
            hdf5_format.weight_shapes(root, filepath, missing_ok=True))
        print_fn("Conversions on load:" + ("" if conversions else " none"))
        for line in conversions:
            print_fn(f"  - {line}")
        classes = {}
        if config:
            inner = config.get("config")
            model_name = inner.get("name", "?") if isinstance(inner, dict) else \
                config.get("name", "?")
            print_fn(f"Model: \"{model_name}\" ({config.get('class_name')})")
            entries = []
            _layer_classes(config.get("config", {}).get("layers", []) if isinstance(
                config.get("config"), dict) else config.get("config", []), entries)
            classes = {n: c for n, c, _ in entries}
        line = 98
        cols = [40, 84, 98]
        print_fn("_" * line)
        print_fn(_row(["Layer (type)", "Weights (shape, dtype)", "Param #"], cols))
        print_fn("=" * line)
        total = 0
        names = hdf5_format.load_attributes_from_hdf5_group(root, "layer_names", filepath)
        for i, name in enumerate(names):
            group = hdf5_access.subgroup(root, name, filepath)
            wnames = (hdf5_format.load_attributes_from_hdf5_group(group, "weight_names",
                                                                  filepath)
                      if group is not None else [])
            shapes = []
            for w in wnames:
                if hdf5_access.member(group, w, filepath) is None:
                    shapes.append((w, None, "MISSING"))
                    continue
                ds = hdf5_access.dataset(group, w, filepath, f"weight '{w}' of layer {name}")
                shapes.append((w, tuple(ds.shape), str(ds.dtype)))
            params = int(sum(int(np.prod(s)) for _, s, _ in shapes if s is not None))
            total += params
            label = f"{name} ({classes.get(name, '?')})"
            first = (f"{shapes[0][0]} {shapes[0][1]} {shapes[0][2]}"
                     if shapes else "")
            print_fn(_row([label, first, f"{params:,}"], cols))
            for w, s, d in shapes[1:]:
                print_fn(_row(["", f"{w} {s} {d}", ""], cols))
            print_fn(("=" if i == len(names) - 1 else "_") * line)
        print_fn(f"Total params: {total:,}")
        has_optimizer = hdf5_access.subgroup(f, "optimizer_weights", filepath) is not None
        print_fn(f"Training config: {'yes' if 'training_config' in attrs else 'no'}; "
                 f"optimizer state: {'yes' if has_optimizer else 'no'}")
        missing = unknown_classes(config) if config else []
        if missing:
            print_fn("Layers ckeras cannot build: " + ", ".join(
                f"{n} ({c})" for n, c in missing))
        elif config:
            print_fn("Layers ckeras cannot build: none")
        return missing
    finally:
        f.close()


def _format_name(config, version, weights_version):
    """Which writer's layout the file has, from its version attributes."""
    if weights_version == "1" or (version or "").startswith("1."):
        era = "Keras 1"
    elif (version or weights_version or "").startswith("3."):
        era = "Keras 3 (legacy .h5 writer)"
    elif version is not None and _version_tuple(version) < (2, 4):
        era = "multi-backend Keras 2"
    else:
        era = "tf.keras 2"
    return f"Keras HDF5 (.h5), {era} layout"


def _version_tuple(version):
    parts = []
    for p in version.split(".")[:3]:
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def describe_archive(filepath, print_fn=print):
    """Describes a Keras 3 `.keras` zip archive from its `metadata.json`."""
    with zipfile.ZipFile(filepath) as z:
        names = z.namelist()
        meta = {}
        if "metadata.json" in names and z.getinfo("metadata.json").file_size < 1 << 20:
            try:
                meta = json.loads(z.read("metadata.json").decode("utf-8"))
            except ValueError:
                meta = {}
    print_fn(f"File: {filepath}")
    print_fn("Format: Keras 3 .keras archive (zip)")
    print_fn("Keras version: " + str(meta.get("keras_version", "unknown")))
    print_fn("Members: " + ", ".join(sorted(names)[:10]))
    return []


def _row(fields, positions):
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line.rstrip()

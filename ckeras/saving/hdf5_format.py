"""Keras' legacy HDF5 formats: weights-only files and whole-model files.

Layout (see the Keras formats spec, sections 1 and 2):

- weights file (`save_weights('w.h5')`): root attributes `layer_names`,
  `backend`, `keras_version`; one group per layer with a `weight_names`
  attribute, each weight stored at `group[weight_name]`
  (e.g. `dense/dense/kernel:0`); an empty `top_level_model_weights` group;
- model file (`model.save('m.h5')`): root attributes `keras_version`,
  `backend`, `model_config` (JSON), optionally `training_config` (JSON); the
  weights-file layout inside a `model_weights` group; optionally an
  `optimizer_weights` group with its own `weight_names`.

Within a layer (and within a nested model's single group), weights are
stored trainable first, then non-trainable, as Keras does.

Reading never trusts HDF5 member order: only the `layer_names` /
`weight_names` attributes, which may be chunked (`layer_names0`,
`layer_names1`, ...) when they exceed the 64 KB object-header limit, and
may be `str`, `bytes`, vlen or fixed-length string arrays, or an empty
float64 array meaning "no names".

Writing is crash safe: everything goes to a temporary file in the target's
folder, which replaces the target (`os.replace`) only once complete.
Loading is all-or-nothing and bounded: every dataset is checked before any is
read (no links, numeric data stored in the file, the count and shape the
model expects; see `ckeras.saving.hdf5_access`), and every array is read and
checked before the first one is assigned.

`h5py` is imported lazily, inside the functions that need it.
"""
import json
import logging
import os
import re
import stat
import tempfile
import time
import warnings

import numpy as np

import ckeras
from ckeras import losses, metrics, optimizers
from ckeras.engine import weight_sync
from ckeras.saving import hdf5_access
from ckeras.saving import model_config as model_config_module
from ckeras.saving.legacy import model_file as legacy_model_file
from ckeras.saving.legacy import weights as legacy_weights
from ckeras.saving.model_config import (
    BACKEND,
    KERAS_VERSION,
    dumps,
    model_config_dict,
)
from ckeras.saving.safe_mode import SafeModeScope

HDF5_OBJECT_HEADER_LIMIT = 64512


def _filename_of(group):
    try:
        return group.file.filename
    except hdf5_access.H5_ERRORS:
        return "<hdf5 group>"


# ------------------------------------------------------------- attributes
def load_attributes_from_hdf5_group(group, name, filename=None):
    """Reads a list-of-names attribute, joining chunks `name0`, `name1`, ...

    Args:
        group: an h5py Group (or File).
        name: the attribute name, e.g. `'layer_names'`.
        filename: the file name used in error messages (default: the
            group's file).

    Returns:
        A list of str (empty when the attribute holds an empty array).

    Raises:
        ValueError: names that are not UTF-8, unreadable attributes.
    """
    return hdf5_access.name_list_attr(group, name, filename or _filename_of(group))


def save_attributes_to_hdf5_group(group, name, data):
    """Writes a list of names as Keras does, chunking above 64512 bytes.

    Small lists are stored as the list itself (a vlen string array); larger
    ones as `name0`, `name1`, ... fixed-length byte-string arrays of equal
    size, each under the HDF5 object-header limit. An empty list is stored as
    an empty float64 array, as Keras writes it.

    Args:
        group: an h5py Group (or File).
        name: attribute name.
        data: list of str.

    Raises:
        RuntimeError: when a single item is larger than the limit.
    """
    encoded = [d.encode("utf-8") if isinstance(d, str) else bytes(d) for d in data]
    bad = [d for d in encoded if len(d) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError(
            "The following attributes cannot be saved to HDF5 file because they are "
            f"larger than {HDF5_OBJECT_HEADER_LIMIT} bytes: {bad[:3]}")
    if not encoded:
        group.attrs[name] = np.asarray([], dtype=np.float64)
        return
    arr = np.asarray(encoded)
    num_chunks = 1
    chunks = [arr]
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
        num_chunks += 1
        chunks = np.array_split(arr, num_chunks)
    if num_chunks > 1:
        for chunk_id, chunk in enumerate(chunks):
            group.attrs[f"{name}{chunk_id}"] = chunk
    else:
        group.attrs[name] = encoded


# ---------------------------------------------------------------- helpers
def _layer_weights(layer):
    """The weights of a layer in Keras' file order: trainable, then the rest."""
    trainable = layer.trainable_weights
    ids = {id(w) for w in trainable}
    return list(trainable) + [w for w in layer.weights if id(w) not in ids]


def _top_level_weights(model):
    """Weights a model owns directly (not through its layers)."""
    return list(getattr(model, "_weights_list", []))


def _unique_names(weights):
    names, seen = [], {}
    for i, w in enumerate(weights):
        name = getattr(w, "name", None) or f"param_{i}"
        if name in seen:
            seen[name] += 1
            base, colon, suffix = name.rpartition(":")
            name = f"{base}_{seen[name]}:{suffix}" if colon else f"{name}_{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _write_weight_group(parent, group_name, weights):
    g = parent.create_group(group_name)
    names = _unique_names(weights)
    save_attributes_to_hdf5_group(g, "weight_names", names)
    for name, w in zip(names, weights):
        value = np.asarray(getattr(w, "value", w))
        ds = g.create_dataset(name, value.shape, dtype=value.dtype)
        ds[()] = value
    return g


def save_weights_to_hdf5_group(f, model):
    """Writes the weights of `model` into an h5py group, Keras layout.

    Args:
        f: an h5py File or Group (the file root for `save_weights`, the
            `model_weights` group for `model.save`).
        model: a ckeras model (or layer with `layers`).
    """
    layers = list(model.layers)
    save_attributes_to_hdf5_group(f, "layer_names", [layer.name for layer in layers])
    f.attrs["backend"] = BACKEND.encode("utf8")
    f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(layers, key=lambda lyr: lyr.name):
        _write_weight_group(f, layer.name, _layer_weights(layer))
    _write_weight_group(f, "top_level_model_weights", _top_level_weights(model))


def preprocess_weights_for_loading(layer, weights, original_keras_version=None,
                                   original_backend=None):
    """Converts saved arrays to the layer's current layout.

    The rules are Keras 2's (Keras 1 layouts, Theano kernel flips, CuDNN
    LSTM/GRU weights, inside wrappers and nested models): see
    `ckeras.saving.legacy.weights`. Layers may define
    `_convert_saved_weights(weights, keras_version, backend)` returning the
    converted list.

    Args:
        layer: the layer receiving the weights.
        weights: list of NumPy arrays in file order.
        original_keras_version: the file's `keras_version` ("1" if absent).
        original_backend: the file's `backend`.

    Returns:
        A list of arrays.
    """
    return legacy_weights.preprocess_weights_for_loading(
        layer, weights, original_keras_version, original_backend)


def _size(shape):
    return int(np.prod(shape, dtype=np.float64))


def _converted(layer, arrays, version, backend, k, filename):
    try:
        return preprocess_weights_for_loading(layer, arrays, version, backend)
    except ValueError as e:
        raise ValueError(f"Cannot load the saved weights of layer #{k} (named {layer.name}) "
                         f"from the file {filename!r}: {e}") from e


def _shape_error(w, saved_shape, k, layer, filename):
    return ValueError(
        f"Shape mismatch in layer #{k} (named {layer.name}) for weight {w.name}. Weight "
        f"expects shape {tuple(w.shape)}. Received saved weight with shape "
        f"{tuple(saved_shape)} (file {filename!r}).")


def _check_unread(symbolic, datasets, k, layer, name, filename, version, backend):
    """Count and shape checks on datasets before any is read.

    Datasets that do not match a layer whose saved layout may be converted
    (`ckeras.saving.legacy.weights.may_convert`) get a size bound instead:
    at most twice the size of its weights (a CuDNN LSTM bias is twice as
    long as the native one; other conversions keep the size).
    """
    if len(datasets) == len(symbolic) and all(
            tuple(w.shape) == tuple(ds.shape) for w, ds in zip(symbolic, datasets)):
        return
    if legacy_weights.may_convert(layer, version, backend):
        have = sum(_size(ds.shape) for ds in datasets)
        limit = 2 * sum(_size(w.shape) for w in symbolic)
        if have > limit:
            raise ValueError(
                f"The saved weights of layer #{k} (named {layer.name} in the current "
                f"model, {name} in the save file) hold {have} values, more than the "
                f"{limit} its weights could be converted from (file {filename!r}).")
        return
    if len(datasets) != len(symbolic):
        raise ValueError(
            f"Weight count mismatch for layer #{k} (named {layer.name} in the "
            f"current model, {name} in the save file). Layer expects "
            f"{len(symbolic)} weight(s). Received {len(datasets)} saved weight(s)")
    for w, ds in zip(symbolic, datasets):
        if tuple(w.shape) != tuple(ds.shape):
            raise _shape_error(w, ds.shape, k, layer, filename)


def _check_and_pair(symbolic, arrays, k, layer, filename):
    pairs = []
    for w, a in zip(symbolic, arrays):
        if tuple(w.shape) != tuple(a.shape):
            raise _shape_error(w, a.shape, k, layer, filename)
        pairs.append((w, a))
    return pairs


def _assign(pairs):
    """Assigns (variable, array) pairs, as one update a concurrent predict sees
    all or none of; called only after all were checked."""
    weight_sync.assign([w for w, _ in pairs], [a for _, a in pairs])


def file_versions(f, filename):
    """`(keras_version, backend)` of a weights group, as the loaders read them:
    the version is "1" when absent (Keras 1 wrote none), the backend None."""
    version = hdf5_access.text_attr(f, "keras_version", filename)
    backend = hdf5_access.text_attr(f, "backend", filename)
    return (version if version is not None else "1"), backend


def _weight_datasets(group, names, filename, label):
    return [hdf5_access.dataset(group, n, filename, f"weight '{n}' of {label}")
            for n in names]


def _read_all(datasets, filename, label):
    return [hdf5_access.read(ds, filename, f"a weight of {label}") for ds in datasets]


def _layer_groups(f, filename):
    """(name, group, weight names) of every layer listed in `layer_names`."""
    out = []
    for name in load_attributes_from_hdf5_group(f, "layer_names", filename):
        group = hdf5_access.subgroup(f, name, filename)
        if group is None:
            raise ValueError(f"The file {filename!r} lists layer '{name}' but has no "
                             "group for it: the file is truncated or corrupt.")
        out.append((name, group, load_attributes_from_hdf5_group(group, "weight_names",
                                                                  filename)))
    return out


def weight_shapes(f, filename, missing_ok=False):
    """`{layer name: [(weight name, shape), ...]}` of a weights group, from
    metadata only (no weight data is read); `missing_ok` leaves out listed
    weights that are absent instead of raising (for describing damaged files)."""
    out = {}
    for name, group, names in _layer_groups(f, filename):
        if missing_ok:
            names = [n for n in names if hdf5_access.member(group, n, filename) is not None]
        out[name] = [(n, tuple(ds.shape)) for n, ds in
                     zip(names, _weight_datasets(group, names, filename, f"layer {name}"))]
    return out


def load_weights_from_hdf5_group(f, model, filename=None):
    """Loads weights topologically: layers with weights are paired in order.

    Layer names are ignored. Every dataset is checked (no links, numeric,
    stored in the file, count and shape as the model expects) before the
    first one is read, and nothing is assigned unless every layer matches.

    Args:
        f: the h5py group holding `layer_names` (file root or
            `model_weights`).
        model: the target model.
        filename: used in error messages (default: the group's file).

    Raises:
        ValueError: layer count, weight count or shape mismatches; links,
            non-numeric or damaged datasets.
    """
    filename = filename or _filename_of(f)
    version, backend = file_versions(f, filename)
    filtered_layers = [layer for layer in model.layers if layer.weights]
    filtered = [entry for entry in _layer_groups(f, filename) if entry[2]]
    if len(filtered) != len(filtered_layers):
        raise ValueError(
            "Layer count mismatch when loading weights from file. Model expected "
            f"{len(filtered_layers)} layers, found {len(filtered)} saved layers.")
    plan = []
    for k, (layer, (name, group, names)) in enumerate(zip(filtered_layers, filtered)):
        label = f"layer #{k} ({name})"
        datasets = _weight_datasets(group, names, filename, label)
        symbolic = _layer_weights(layer)
        _check_unread(symbolic, datasets, k, layer, name, filename, version, backend)
        plan.append((k, layer, label, symbolic, datasets))
    top = hdf5_access.subgroup(f, "top_level_model_weights", filename)
    top_plan = None
    if top is not None:
        names = load_attributes_from_hdf5_group(top, "weight_names", filename)
        datasets = _weight_datasets(top, names, filename, "top_level_model_weights")
        symbolic = _top_level_weights(model)
        if len(datasets) != len(symbolic):
            raise ValueError(
                f"Weight count mismatch for top-level weights of model {model.name}. "
                f"Model expects {len(symbolic)} weight(s). Received {len(datasets)} saved "
                "weight(s)")
        for w, ds in zip(symbolic, datasets):
            if tuple(w.shape) != tuple(ds.shape):
                raise _shape_error(w, ds.shape, "top", model, filename)
        top_plan = (symbolic, datasets)
    pairs = []
    for k, layer, label, symbolic, datasets in plan:
        arrays = _converted(layer, _read_all(datasets, filename, label), version, backend,
                            k, filename)
        if len(arrays) != len(symbolic):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the "
                f"current model, {label} in the save file). Layer expects "
                f"{len(symbolic)} weight(s). Received {len(arrays)} saved weight(s) "
                f"(file {filename!r}).")
        pairs += _check_and_pair(symbolic, arrays, k, layer, filename)
    if top_plan is not None:
        symbolic, datasets = top_plan
        pairs += list(zip(symbolic, _read_all(datasets, filename,
                                              "top_level_model_weights")))
    _assign(pairs)


def load_weights_from_hdf5_group_by_name(f, model, skip_mismatch=False, filename=None):
    """Loads weights into the top-level layers with the same names.

    File layers with no match are ignored; model layers with no match keep
    their values. With `skip_mismatch`, layers with a wrong weight count and
    individual weights with a wrong shape are skipped with a warning. Counts
    and shapes are checked before the datasets are read.

    Args:
        f: the h5py group holding `layer_names`.
        model: the target model.
        skip_mismatch: skip mismatches instead of raising.
        filename: used in error messages (default: the group's file).

    Raises:
        ValueError: count or shape mismatches (unless `skip_mismatch`);
            links, non-numeric or damaged datasets.
    """
    filename = filename or _filename_of(f)
    version, backend = file_versions(f, filename)
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    direct, converted = [], []   # (variable, dataset); (layer, k, label, datasets)
    for k, (name, group, names) in enumerate(_layer_groups(f, filename)):
        targets = index.get(name, [])
        if not targets:
            continue
        label = f"layer #{k} ({name})"
        datasets = _weight_datasets(group, names, filename, label)
        for layer in targets:
            symbolic = _layer_weights(layer)
            if legacy_weights.may_convert(layer, version, backend):
                try:
                    _check_unread(symbolic, datasets, k, layer, name, filename, version,
                                  backend)
                except ValueError as e:
                    _skip_or_raise(e, k, layer, skip_mismatch)
                    continue
                converted.append((layer, k, label, datasets))
                continue
            if len(datasets) != len(symbolic):
                _count_mismatch(k, layer, len(symbolic), len(datasets), skip_mismatch)
                continue
            for w, ds in zip(symbolic, datasets):
                if tuple(w.shape) == tuple(ds.shape):
                    direct.append((w, ds))
                elif skip_mismatch:
                    warnings.warn(
                        f"Skipping loading weights for layer #{k} (named {layer.name}) due "
                        f"to mismatch in shape for weight {w.name}. Weight expects shape "
                        f"{tuple(w.shape)}. Received saved weight with shape "
                        f"{tuple(ds.shape)}", stacklevel=3)
                else:
                    raise ValueError(
                        f"Shape mismatch in layer #{k} (named {layer.name}) for weight "
                        f"{w.name}. Weight expects shape {tuple(w.shape)}. Received "
                        f"saved weight with shape {tuple(ds.shape)}")
    top = hdf5_access.subgroup(f, "top_level_model_weights", filename)
    if top is not None:
        names = load_attributes_from_hdf5_group(top, "weight_names", filename)
        datasets = _weight_datasets(top, names, filename, "top_level_model_weights")
        symbolic = _top_level_weights(model)
        if len(datasets) == len(symbolic):
            for w, ds in zip(symbolic, datasets):
                if tuple(w.shape) == tuple(ds.shape):
                    direct.append((w, ds))
                elif not skip_mismatch:
                    raise ValueError(
                        f"Shape mismatch in top-level weight {w.name}. Weight expects "
                        f"shape {tuple(w.shape)}. Received saved weight with shape "
                        f"{tuple(ds.shape)}")
        elif not skip_mismatch and datasets:
            raise ValueError(
                f"Weight count mismatch for top-level weights of model {model.name}. "
                f"Model expects {len(symbolic)} weight(s). Received {len(datasets)} saved "
                "weight(s)")
    cache = {}

    def read(ds, label):
        if id(ds) not in cache:
            cache[id(ds)] = hdf5_access.read(ds, filename, f"a weight of {label}")
        return cache[id(ds)]

    pairs = [(w, read(ds, "the file")) for w, ds in direct]
    for layer, k, label, datasets in converted:
        try:
            conv = _converted(layer, [read(ds, label) for ds in datasets], version,
                              backend, k, filename)
        except ValueError as e:
            _skip_or_raise(e, k, layer, skip_mismatch)
            continue
        symbolic = _layer_weights(layer)
        if len(conv) != len(symbolic):
            _count_mismatch(k, layer, len(symbolic), len(conv), skip_mismatch)
            continue
        for w, a in zip(symbolic, conv):
            if tuple(w.shape) == tuple(a.shape):
                pairs.append((w, a))
            elif skip_mismatch:
                warnings.warn(
                    f"Skipping loading weights for layer #{k} (named {layer.name}) due to "
                    f"mismatch in shape for weight {w.name}. Weight expects shape "
                    f"{tuple(w.shape)}. Received saved weight with shape "
                    f"{tuple(a.shape)}", stacklevel=3)
            else:
                raise _shape_error(w, a.shape, k, layer, filename)
    _assign(pairs)


def _skip_or_raise(error, k, layer, skip_mismatch):
    """A saved layout that does not fit a layer: raised, or with
    `skip_mismatch` a warning and the layer keeps its values."""
    if not skip_mismatch:
        raise error
    warnings.warn(f"Skipping loading weights for layer #{k} (named {layer.name}): {error}",
                  stacklevel=4)


def _count_mismatch(k, layer, expected, received, skip_mismatch):
    msg = (f"Layer #{k} (named {layer.name}) expects {expected} weight(s), but the saved "
           f"weights have {received} element(s).")
    if not skip_mismatch:
        raise ValueError(
            f"Weight count mismatch for layer #{k} (named {layer.name}). Layer expects "
            f"{expected} weight(s). Received {received} saved weight(s)")
    warnings.warn(f"Skipping loading of weights for layer #{k} (named {layer.name}) due to "
                  f"mismatch in number of weights. {msg}", stacklevel=4)


# ------------------------------------------------------------------ files
def _weights_root(f, filepath):
    if hdf5_access.raw_attr(f, "layer_names", filepath) is not None or \
            hdf5_access.raw_attr(f, "layer_names0", filepath) is not None:
        return f
    group = hdf5_access.subgroup(f, "model_weights", filepath)
    if group is not None:
        return group
    raise ValueError(
        f"The file {filepath!r} is an HDF5 file but not a Keras weights or model file "
        "(it has no `layer_names` attribute and no `model_weights` group).")


# Temporary files of `atomic_h5_write`: "." + target name + "." + mkstemp's
# 8 random characters + ".tmp".
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
_IMPORT_TIME = time.time()
_PROCESS_START = None


def _process_start_time():
    """When this process started (wall clock): from /proc on Linux, else the
    time this module was imported (later, so fewer files count as stale)."""
    try:
        with open("/proc/self/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime"))
        # /proc/stat's boot time is rounded to the second: keep a margin.
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") - 2.0
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return _IMPORT_TIME


def _in_use(path):
    """True if another open of `path` holds a lock (libhdf5 locks the files
    it writes); False where locks cannot be tested."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def remove_stale_temp_files(folder):
    """Deletes the temporary files of saves that were killed before finishing.

    A file of `folder` counts as stale when its name is one `atomic_h5_write`
    gives its temporary files (`.NAME.xxxxxxxx.tmp`), it is a regular file
    owned by this user, it was last modified before this process started,
    and nothing holds a lock on it (libhdf5 locks a file while writing it).

    Args:
        folder: the folder a save is about to write into.

    Returns:
        The names of the deleted files.
    """
    global _PROCESS_START
    if _PROCESS_START is None:
        _PROCESS_START = _process_start_time()
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not _TEMP_NAME.match(name):
            continue
        path = os.path.join(folder, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_mtime >= _PROCESS_START or (
                hasattr(os, "geteuid") and st.st_uid != os.geteuid()) or _in_use(path):
            continue
        try:
            os.remove(path)
            removed.append(name)
        except OSError:
            pass
    return removed


def _umask():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)   # no way to read it without setting it elsewhere
    os.umask(mask)
    return mask


def new_file_mode(filepath):
    """The permissions a save gives `filepath`: those of the file it replaces,
    else what `open()` would give a new file (0o666 minus the umask), not the
    0o600 of the temporary file it is written to."""
    try:
        return stat.S_IMODE(os.stat(filepath).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def atomic_h5_write(filepath, write_fn):
    """Runs `write_fn(h5file)` on a temporary file, then moves it into place.

    The temporary file (`.NAME.xxxxxxxx.tmp`) lives in the target folder; it
    replaces `filepath` (`os.replace`) only after `write_fn` returned and the
    file was closed. On any error the temporary file is removed and
    `filepath` is untouched. Temporary files left by saves that were killed
    (older than this process, unlocked) are deleted first.

    Args:
        filepath: destination path.
        write_fn: callable receiving an open, writable `h5py.File`.
    """
    h5py = hdf5_access.h5py_module()
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    if folder and not os.path.isdir(folder):
        os.makedirs(folder, exist_ok=True)
    remove_stale_temp_files(folder)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".",
                               suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            write_fn(f)
        os.chmod(tmp, new_file_mode(filepath))
        os.replace(tmp, filepath)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def ask_to_proceed_with_overwrite(filepath):
    """Asks on stdin whether to overwrite `filepath`; True means yes."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    return answer == "y"


def is_h5_group(obj):
    """Whether `obj` is an open h5py File or Group (Keras 2 saves into and
    loads from those too); checked by interface, without importing h5py."""
    return hasattr(obj, "attrs") and hasattr(obj, "create_group") and hasattr(obj, "file")


def group_label(group):
    """'file.h5:/group' for messages about an open group."""
    return f"{getattr(group.file, 'filename', '?')}:{group.name}"


def save_weights(model, filepath, overwrite=True):
    """`model.save_weights(filepath)` in the Keras HDF5 layout (crash safe);
    `filepath` may be an open h5py File or Group (written in place)."""
    if is_h5_group(filepath):
        _ensure_built(model, "save_weights")
        save_weights_to_hdf5_group(filepath, model)
        return
    filepath = os.fspath(filepath)
    if not overwrite and os.path.isfile(filepath):
        if not ask_to_proceed_with_overwrite(filepath):
            return
    _ensure_built(model, "save_weights")
    atomic_h5_write(filepath, lambda f: save_weights_to_hdf5_group(f, model))


def _ensure_built(model, what):
    if not model.built:
        raise ValueError(
            f"Unable to {what}: the model {model.name} has not been built yet (its "
            "weights do not exist). Call it on data or `build()` it first.")


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """`model.load_weights(filepath, ...)` from a Keras HDF5 weights or model file.

    Raises:
        ValueError: `skip_mismatch` without `by_name`; bad files; mismatches.
            The model is unchanged when an error is raised.
    """
    if skip_mismatch and not by_name:
        raise ValueError("When calling model.load_weights, skip_mismatch can only be "
                         "set to True when by_name is True.")
    if is_h5_group(filepath):
        _load_weights_from(filepath, group_label(filepath), model, by_name, skip_mismatch)
        return
    filepath = os.fspath(filepath)
    f = hdf5_access.open_file(filepath)
    try:
        _load_weights_from(f, filepath, model, by_name, skip_mismatch)
    finally:
        f.close()


def _load_weights_from(f, filepath, model, by_name, skip_mismatch):
    root = _weights_root(f, filepath)
    if by_name:
        load_weights_from_hdf5_group_by_name(root, model, skip_mismatch, filename=filepath)
    else:
        load_weights_from_hdf5_group(root, model, filename=filepath)


# ---------------------------------------------------------- whole models
def _serialize_compile_item(item, serialize_fn):
    if item is None or isinstance(item, (str, int, float, bool)):
        return item
    if isinstance(item, dict):
        return {k: _serialize_compile_item(v, serialize_fn) for k, v in item.items()}
    if isinstance(item, (list, tuple)):
        return [_serialize_compile_item(v, serialize_fn) for v in item]
    return serialize_fn(item)


def training_config_dict(model):
    """The `training_config` tf-keras writes: compile arguments + optimizer."""
    if not getattr(model, "_is_compiled", False) or model.optimizer is None:
        return None

    def ser_loss(obj):
        return losses.serialize(obj, use_legacy_format=True)

    def ser_metric(obj):
        return metrics.serialize(obj, use_legacy_format=True)

    cm = getattr(model, "compiled_metrics", None)
    names = getattr(model, "output_names", None) or []

    def per_output(specs):
        if specs is None or not any(specs):
            return None
        if len(specs) == 1:
            return _serialize_compile_item(list(specs[0]), ser_metric)
        return {n: _serialize_compile_item(list(s), ser_metric)
                for n, s in zip(names, specs) if s}

    optimizer_config = optimizers.serialize(model.optimizer, use_legacy_format=True)
    lr = getattr(model.optimizer, "_learning_rate", None)
    opt_cfg = optimizer_config.get("config")
    if isinstance(opt_cfg, dict):
        # get_config rounds hyper-parameters through float32 as tf-keras
        # reports them; store the exact values so a reloaded model continues
        # training bit for bit.
        if isinstance(lr, float):
            opt_cfg["learning_rate"] = lr
        for key in getattr(model.optimizer, "_hyper_keys", ()):
            value = getattr(model.optimizer, key, None)
            if key in opt_cfg and isinstance(value, float):
                opt_cfg[key] = value
    return {
        "loss": _serialize_compile_item(model.loss, ser_loss),
        "metrics": per_output(getattr(cm, "_specs", None)),
        "weighted_metrics": per_output(getattr(cm, "_weighted_specs", None)),
        "loss_weights": _serialize_compile_item(model.loss_weights, ser_loss),
        "optimizer_config": optimizer_config,
    }


def _optimizer_weight_entries(optimizer):
    if optimizer is None or not getattr(optimizer, "_var_list", None):
        return []
    return list(optimizer.variables)


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """`model.save(filepath)` as a legacy Keras `.h5` model file (crash safe).

    Args:
        model: a Sequential or Functional model.
        filepath: destination path.
        overwrite: False asks before replacing an existing file.
        include_optimizer: also store `training_config` and the optimizer
            state (when the model is compiled).
    """
    to_group = is_h5_group(filepath)
    if not to_group:
        filepath = os.fspath(filepath)
        if not overwrite and os.path.isfile(filepath):
            if not ask_to_proceed_with_overwrite(filepath):
                return
    _ensure_built(model, "save the model")
    config_json = dumps(model_config_dict(model))
    training_json = None
    opt_weights = []
    if include_optimizer:
        tc = training_config_dict(model)
        if tc is not None:
            training_json = dumps(tc)
            opt_weights = _optimizer_weight_entries(model.optimizer)

    def write(f):
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = BACKEND
        f.attrs["ckeras_version"] = ckeras.__version__
        f.attrs["model_config"] = config_json.encode("utf8")
        if training_json is not None:
            f.attrs["training_config"] = training_json.encode("utf8")
        save_weights_to_hdf5_group(f.create_group("model_weights"), model)
        if opt_weights:
            _write_weight_group(f, "optimizer_weights", opt_weights)

    if to_group:
        write(filepath)      # the caller's open file: written in place
    else:
        atomic_h5_write(filepath, write)


def compile_args(training_config, custom_objects, output_names=None):
    """`model.compile` keyword arguments from a tf-keras `training_config`
    (or the same keys of a Keras 3 `compile_config`)."""

    def deser(item, fn):
        if item is None or isinstance(item, (str, int, float, bool)):
            return item
        if isinstance(item, dict) and "class_name" in item:
            return fn(item, custom_objects=custom_objects)
        if isinstance(item, dict):
            return {k: deser(v, fn) for k, v in item.items()}
        if isinstance(item, list):
            return [deser(v, fn) for v in item]
        return item

    def deser_metric(item, custom_objects=None):
        # tf-keras stores compiled metric objects: a user string such as
        # 'accuracy' or 'mae' became a MeanMetricWrapper named after it (with
        # an '<output>_' prefix for several outputs). Give back the string so
        # ckeras resolves it and logs the same names.
        if item.get("class_name") == "MeanMetricWrapper":
            cfg = item.get("config") or {}
            name = cfg.get("name") or ""
            for out in sorted(output_names or [], key=len, reverse=True):
                if len(output_names) > 1 and name.startswith(out + "_"):
                    name = name[len(out) + 1:]
                    break
            if name in ("accuracy", "acc", "crossentropy", "ce"):
                return name
            try:
                metrics.get(name)
                return name
            except ValueError:
                pass
            if isinstance(cfg.get("fn"), str):
                return cfg["fn"]
        return metrics.deserialize(item, custom_objects=custom_objects)

    def fix_per_output_lists(value):
        # tf-keras: a list per output of lists; one output -> flat list
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
            return value[0]
        return value

    optimizer_config = training_config.get("optimizer_config")
    if optimizer_config is None:
        raise ValueError("The training_config of the file has no `optimizer_config`.")
    cfg = optimizer_config.get("config")
    if isinstance(cfg, dict) and "is_legacy_optimizer" not in cfg and any(
            k in cfg for k in ("use_ema", "loss_scale_factor", "weight_decay",
                               "gradient_accumulation_steps")):
        # Keras 3 writes new-style optimizer configs without the flag.
        optimizer_config = dict(optimizer_config, config=dict(cfg, is_legacy_optimizer=False))
    return dict(
        optimizer=optimizers.deserialize(optimizer_config, custom_objects=custom_objects),
        loss=deser(training_config.get("loss"), losses.deserialize),
        metrics=fix_per_output_lists(deser(training_config.get("metrics"), deser_metric)),
        weighted_metrics=fix_per_output_lists(
            deser(training_config.get("weighted_metrics"), deser_metric)),
        loss_weights=training_config.get("loss_weights"))


def _optimizer_arrays_for(optimizer, names, arrays):
    """Maps a file's optimizer weight list onto `optimizer.variables` order."""
    if names and len(names) > 1 and names[1].endswith("learning_rate") and \
            "/" in names[0] and names[0].endswith("iteration"):
        # Keras 3: iteration, learning_rate, then slots per variable.
        return [arrays[0]] + arrays[2:]
    return arrays


def _json_attr(f, name, filename):
    raw = hdf5_access.text_attr(f, name, filename)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except RecursionError as e:
        raise ValueError(f"The {name} of the file {filename!r} is nested too deeply.") \
            from e
    except ValueError as e:
        raise ValueError(f"The {name} of the file {filename!r} is not valid JSON ({e}).") \
            from e
    if not isinstance(value, dict):
        raise ValueError(f"The {name} of the file {filename!r} is not a JSON object "
                         f"(found {type(value).__name__}).")
    return value


def _optimizer_warning(reason):
    warnings.warn("Error in loading the saved optimizer state. As a result, your model is "
                  f"starting with a freshly initialized optimizer. ({reason})", stacklevel=4)


def _restore_optimizer(f, model, filename):
    """Loads `optimizer_weights` after checking them against the optimizer.

    As in Keras, a mismatch only warns and keeps the fresh optimizer; links
    and damaged datasets are errors.
    """
    group = hdf5_access.subgroup(f, "optimizer_weights", filename)
    if group is None:
        return
    names = load_attributes_from_hdf5_group(group, "weight_names", filename)
    datasets = [hdf5_access.dataset(group, n, filename, f"optimizer weight '{n}'")
                for n in names]
    optimizer = model.optimizer
    optimizer.build(model.trainable_weights)
    expected = list(optimizer.variables)
    datasets = _optimizer_arrays_for(optimizer, names, datasets)
    if len(datasets) != len(expected):
        _optimizer_warning(f"The optimizer expects {len(expected)} weights; the file holds "
                           f"{len(datasets)}.")
        return
    for v, ds in zip(expected, datasets):
        if tuple(v.value.shape) != tuple(ds.shape):
            _optimizer_warning(f"Optimizer weight shape {tuple(v.value.shape)} of "
                               f"'{v.name}' not compatible with saved weight shape "
                               f"{tuple(ds.shape)}.")
            return
    arrays = [hdf5_access.read(ds, filename, "an optimizer weight") for ds in datasets]
    try:
        optimizer.set_weights(arrays)
    except ValueError as e:
        _optimizer_warning(e)


def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a whole model from a legacy Keras `.h5` file.

    Args:
        filepath: the file.
        custom_objects: dict of custom classes and functions.
        compile: recompile with the saved training configuration and restore
            the optimizer state.
        safe_mode: False allows loading the Python bytecode of Lambda layers.

    Returns:
        The model.

    Raises:
        ValueError: bad files, unknown classes (named), weight mismatches.
    """
    if is_h5_group(filepath):
        return load_model_from_open_file(filepath, group_label(filepath), custom_objects,
                                         compile, safe_mode)
    filepath = os.fspath(filepath)
    f = hdf5_access.open_file(filepath)
    try:
        return load_model_from_open_file(f, filepath, custom_objects, compile, safe_mode)
    finally:
        f.close()


def load_model_from_open_file(f, filename, custom_objects=None, compile=True,
                              safe_mode=True):
    """`load_model_from_hdf5` on an open h5py File; errors name `filename`."""
    config = load_model_config_from_file(f, filename)
    if config is None:
        if hdf5_access.raw_attr(f, "layer_names", filename) is not None or \
                hdf5_access.raw_attr(f, "layer_names0", filename) is not None:
            raise ValueError(
                f"The file {filename!r} holds weights only (written by "
                "`save_weights`), not a whole model: build the model in code and "
                "call `model.load_weights()`.")
        raise ValueError(f"No model config found in the file at {filename!r}: it "
                         "is not a Keras model file.")
    weights = hdf5_access.subgroup(f, "model_weights", filename)
    if weights is None:
        raise ValueError(f"The file {filename!r} has no `model_weights` group.")
    legacy_model_file.infer_gru_reset_after(config, weight_shapes(weights, filename))
    with SafeModeScope(safe_mode):
        model = model_config_module.model_from_config(config, custom_objects=custom_objects)
    if legacy_model_file.weights_by_name(config):
        _load_every_layer_by_name(weights, model, filename)
    else:
        load_weights_from_hdf5_group(weights, model, filename=filename)
    if not compile:
        return model
    training_config = _json_attr(f, "training_config", filename)
    if training_config is None:
        logging.getLogger("ckeras").warning(
            "No training configuration found in the save file, so the model was "
            "*not* compiled. Compile it manually.")
        return model
    try:
        kwargs = compile_args(training_config, custom_objects,
                              getattr(model, "output_names", None))
    except (KeyError, AttributeError, TypeError, IndexError) as e:
        raise ValueError(
            f"The training_config of the file {filename!r} is malformed "
            f"({type(e).__name__}: {e}); load with compile=False to skip it.") from e
    model.compile(**kwargs)
    _restore_optimizer(f, model, filename)
    return model


def _load_every_layer_by_name(f, model, filename):
    """By-name loading that, as a whole-model load, requires a saved group
    for every layer with weights."""
    saved = {name for name, _, names in _layer_groups(f, filename) if names}
    missing = [layer.name for layer in model.layers if layer.weights and
               layer.name not in saved]
    if missing:
        raise ValueError(f"The file {filename!r} has no weights for the layers {missing}.")
    load_weights_from_hdf5_group_by_name(f, model, filename=filename)


def load_model_config(filepath):
    """The decoded `model_config` dict of a model file (None if absent)."""
    filepath = os.fspath(filepath)
    f = hdf5_access.open_file(filepath)
    try:
        return load_model_config_from_file(f, filepath)
    finally:
        f.close()


def load_model_config_from_file(f, filename):
    """The decoded `model_config` dict of an open file (None if absent).

    Raises:
        ValueError: the attribute is not UTF-8 JSON holding an object.
    """
    return _json_attr(f, "model_config", filename)

"""Public save / load entry points (`model.save`, `load_model`, weights).

Formats, chosen by the file name when saving and by the content when loading:

- `.h5` / `.hdf5`: the Keras legacy HDF5 format (`ckeras.saving.hdf5_format`);
- `.keras`: the Keras 3 zip archive (`ckeras.saving.keras3.archive`);
- `.weights.h5`: the Keras 3 weights layout (`ckeras.saving.keras3.weights_store`).

A name with none of these extensions is refused when saving (as Keras 3
does) unless `save_format` says which format to write. Writes are atomic
(a temporary file replaces the target only once complete); loads are
all-or-nothing.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ckeras.saving import hdf5_access, hdf5_format
from ckeras.saving.keras3 import archive, weights_store
from ckeras.saving.safe_load import safe_load_model

if TYPE_CHECKING:
    from ckeras._internal.types import FilePath, H5Group
    from ckeras.engine.training import Model

_H5_FORMATS = ("h5", "hdf5", "keras_h5")
_KERAS_FORMATS = ("keras", "keras_v3")


def _model_format(path, save_format):
    """'h5' or 'keras' for `model.save(path, save_format=...)`."""
    if hdf5_format.is_h5_group(path):
        return "h5"              # an open h5py File or Group (Keras 2 accepted those)
    if save_format is not None:
        fmt = str(save_format).lower()
        if fmt in _H5_FORMATS:
            return "h5"
        if fmt in _KERAS_FORMATS:
            return "keras"
        raise ValueError(
            f"save: save_format={save_format!r} is not supported; ckeras writes the "
            "Keras 3 zip format (save_format='keras', a `.keras` file) and the legacy "
            "HDF5 format (save_format='h5'); SavedModel ('tf') is not supported.")
    if path.endswith(".keras"):
        return "keras"
    if path.endswith((".h5", ".hdf5")):
        return "h5"
    raise ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension "
        "for the native Keras format (recommended) or a `.h5` extension (legacy HDF5). "
        f"ckeras does not write the TensorFlow SavedModel format. Received: filepath={path}")


def save_model(model: Model, filepath: FilePath | H5Group, overwrite: bool = True,
               include_optimizer: bool = True, save_format: str | None = None,
               **kwargs: Any) -> None:
    """Saves a model to a `.keras` archive or a legacy `.h5` file (crash safe).

    The format follows the file name: `.keras` writes the Keras 3 archive
    (Keras 3 loads it), `.h5`/`.hdf5` the tf.keras 2 HDF5 format. Any other
    name is refused, as Keras 3 refuses it (tf.keras 2 wrote a SavedModel
    folder there, which ckeras does not write), unless `save_format` names
    the format.

    Args:
        model: a built model: Sequential or Functional; for `.keras` also a
            subclassed model with `get_config()` (loading it then needs the
            class in `custom_objects`).
        filepath: destination, e.g. `'model.keras'` or `'model.h5'`.
        overwrite: False asks before replacing an existing file.
        include_optimizer: also store the compile/training config and the
            optimizer state.
        save_format: None (from the name), `'keras'` or `'h5'`.

    Raises:
        NotImplementedError: subclassed models in `.h5`, or without
            `get_config()` in `.keras`.
        ValueError: other formats or names; layers Keras 3 cannot express
            (`.keras`).

    Example:
        >>> model.save('my_model.keras')
        >>> model = ckeras.models.load_model('my_model.keras')
    """
    kwargs.pop("signatures", None)
    kwargs.pop("options", None)
    kwargs.pop("save_traces", None)
    if kwargs:
        raise TypeError(f"save() got unexpected keyword arguments {sorted(kwargs)}")
    path = filepath if hdf5_format.is_h5_group(filepath) else os.fspath(filepath)
    if _model_format(path, save_format) == "keras":
        archive.save_model(model, path, overwrite=overwrite,
                           include_optimizer=include_optimizer)
    else:
        hdf5_format.save_model_to_hdf5(model, path, overwrite=overwrite,
                                       include_optimizer=include_optimizer)


def load_model(filepath: FilePath | H5Group, custom_objects: dict[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True, options: Any = None,
               timeout: float | None = None) -> Model:
    """Loads a model saved with `model.save`: a `.keras` archive (Keras 3,
    tf-keras 2.13+, ckeras) or an `.h5` file (ckeras, tf.keras 2.x, Keras 3).

    Loading never runs code from the file (Lambda bytecode only with
    `safe_mode=False`, custom classes only through `custom_objects`), follows
    no links and checks every weight against the model before reading it.
    For files you do not trust, also pass `timeout` (or use
    `ckeras.saving.safe_load_model`): libhdf5 then parses the file in a
    subprocess that is stopped after `timeout` seconds.

    Args:
        filepath: path to the `.keras` or `.h5` file (the format is read
            from the content, not the name), or an open h5py File or Group.
        custom_objects: dict of custom classes and functions named in the file.
        compile: recompile with the saved training configuration and restore
            the optimizer state (when the file has them).
        safe_mode: True (default) refuses to load Lambda layers stored as
            Python bytecode; pass False only for files you trust.
        timeout: None (default) loads in this process; a number of seconds
            loads through `safe_load_model(..., timeout=timeout)`.

    Returns:
        The model.

    Raises:
        OSError: missing file.
        ValueError: corrupt, truncated, hostile or non-Keras files (the
            message names the file and member); unknown classes (named).
        TimeoutError: with `timeout`, the file took longer to parse.
    """
    if timeout is not None:
        if hdf5_format.is_h5_group(filepath):
            raise ValueError("load_model: `timeout` loads a file path in a subprocess; it "
                             "cannot take an open h5py File or Group.")
        return safe_load_model(filepath, custom_objects=custom_objects, compile=compile,
                               timeout=timeout, safe_mode=safe_mode)
    if archive.is_zip(filepath):
        return archive.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                  safe_mode=safe_mode)
    return hdf5_format.load_model_from_hdf5(filepath, custom_objects=custom_objects,
                                            compile=compile, safe_mode=safe_mode)


def save_weights(model: Model, filepath: FilePath | H5Group, overwrite: bool = True,
                 save_format: str | None = None) -> None:
    """Saves the weights of every layer (crash safe).

    A name ending in `.weights.h5` gets the Keras 3 layout (Keras 3 loads
    it; the optimizer state is included when the model has one); any other
    name the legacy Keras HDF5 layout of tf.keras 2.

    Args:
        model: a built model.
        filepath: destination, e.g. `'w.weights.h5'` or `'w.h5'`, or an
            open h5py File or Group (legacy layout).
        overwrite: False asks before replacing an existing file.
        save_format: None, or `'h5'`.

    Raises:
        ValueError: other formats; `.keras` names (use `model.save`).
    """
    if save_format is not None and str(save_format).lower() not in _H5_FORMATS:
        raise ValueError(f"save_weights: save_format={save_format!r} is not supported; "
                         "ckeras writes weights as HDF5 (save_format='h5').")
    if hdf5_format.is_h5_group(filepath):
        hdf5_format.save_weights(model, filepath, overwrite=overwrite)
        return
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        raise ValueError("save_weights: the filename must end in `.weights.h5` (Keras 3 "
                         f"layout) or `.h5` (legacy layout). Received: filepath={path}; "
                         "use `model.save()` to write a `.keras` archive.")
    if path.endswith(".weights.h5"):
        weights_store.save_weights(model, path, overwrite=overwrite)
    else:
        hdf5_format.save_weights(model, path, overwrite=overwrite)


def load_weights(model: Model, filepath: FilePath | H5Group, by_name: bool = False,
                 skip_mismatch: bool = False) -> None:
    """Loads weights from a Keras HDF5 weights file or whole-model file.

    Args:
        model: the target model.
        filepath: the file.
        by_name: load into the layers with the same names (else topological:
            layers with weights paired in order, names ignored). Legacy
            `.h5` files only.
        skip_mismatch: skip mismatched layers/weights with a warning instead
            of raising (legacy files: only with `by_name`).

    Files in the Keras 3 layout (`.weights.h5`, or a `.keras` archive) are
    matched by path (attribute and class names, see
    `ckeras.saving.keras3.saveables`), whatever the file is called.

    Raises:
        ValueError: `skip_mismatch` without `by_name` (legacy files),
            `by_name` with Keras 3 files, mismatches, bad files.
            The model is unchanged when an error is raised.
    """
    if hdf5_format.is_h5_group(filepath):
        hdf5_format.load_weights(model, filepath, by_name=by_name,
                                 skip_mismatch=skip_mismatch)
        return
    path = os.fspath(filepath)
    if path.endswith(".weights.json"):
        raise ValueError("Sharded Keras 3 weights (`.weights.json`, written with "
                         "`max_shard_size`) are not supported by ckeras; save them "
                         f"unsharded as `.weights.h5`. Received: {path}")
    keras3 = path.endswith((".keras", ".weights.h5"))
    if keras3 and by_name:
        raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {path}")
    if path.endswith(".keras") or archive.is_zip(path):
        archive.load_weights(model, path, skip_mismatch=skip_mismatch)
        return
    if not by_name:
        f = hdf5_access.open_file(path)
        try:
            if weights_store.is_keras3_layout(f, path):
                weights_store.ensure_built(model, "loading weights into")
                weights_store.read_weights(model, f, path, skip_mismatch=skip_mismatch)
                return
        finally:
            f.close()
    hdf5_format.load_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)

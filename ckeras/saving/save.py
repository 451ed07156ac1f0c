"""Public save / load entry points (`model.save`, `load_model`, weights).

ckeras reads and writes the Keras legacy HDF5 format (`.h5`, `.hdf5`);
see `ckeras.saving.hdf5_format` for the layout and guarantees (atomic
writes, all-or-nothing loads).
"""
import os

from ckeras.saving import hdf5_format
from ckeras.saving.safe_load import safe_load_model


def _check_format(filepath, save_format, what):
    fmt = (save_format or "h5").lower()
    if fmt not in ("h5", "hdf5", "keras_h5"):
        raise ValueError(
            f"{what}: save_format={save_format!r} is not supported; ckeras writes the "
            "Keras HDF5 format only (save_format='h5').")
    if hdf5_format.is_h5_group(filepath):
        return filepath          # an open h5py File or Group (Keras 2 accepted those)
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        raise ValueError(
            f"{what}: {path!r} asks for the `.keras` zip format, which ckeras does not "
            "write; use a `.h5` file name.")
    return path


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               **kwargs):
    """Saves a model to a Keras HDF5 file (crash safe).

    Args:
        model: a Sequential or Functional model (built).
        filepath: destination, e.g. `'model.h5'`.
        overwrite: False asks before replacing an existing file.
        include_optimizer: also store the training config and optimizer state.
        save_format: None or `'h5'`.

    Raises:
        NotImplementedError: subclassed models.
        ValueError: other formats.

    Example:
        >>> model.save('my_model.h5')
        >>> model = ckeras.models.load_model('my_model.h5')
    """
    kwargs.pop("signatures", None)
    kwargs.pop("options", None)
    kwargs.pop("save_traces", None)
    if kwargs:
        raise TypeError(f"save() got unexpected keyword arguments {sorted(kwargs)}")
    path = _check_format(filepath, save_format, "save")
    hdf5_format.save_model_to_hdf5(model, path, overwrite=overwrite,
                                   include_optimizer=include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, options=None,
               timeout=None):
    """Loads a model saved with `model.save` (ckeras, tf.keras 2.x, Keras 3 `.h5`).

    Loading never runs code from the file (Lambda bytecode only with
    `safe_mode=False`, custom classes only through `custom_objects`), follows
    no links and checks every weight against the model before reading it.
    For files you do not trust, also pass `timeout` (or use
    `ckeras.saving.safe_load_model`): libhdf5 then parses the file in a
    subprocess that is stopped after `timeout` seconds.

    Args:
        filepath: path to the `.h5` file, or an open h5py File or Group.
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
    return hdf5_format.load_model_from_hdf5(filepath, custom_objects=custom_objects,
                                            compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite=True, save_format=None):
    """Saves the weights of every layer to a Keras HDF5 weights file (crash safe)."""
    path = _check_format(filepath, save_format, "save_weights")
    hdf5_format.save_weights(model, path, overwrite=overwrite)


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Loads weights from a Keras HDF5 weights file or whole-model file.

    Args:
        model: the target model.
        filepath: the file.
        by_name: load into the layers with the same names (else topological:
            layers with weights paired in order, names ignored).
        skip_mismatch: with `by_name`, skip mismatched layers/weights with a
            warning instead of raising.

    Raises:
        ValueError: `skip_mismatch` without `by_name`, mismatches, bad files.
            The model is unchanged when an error is raised.
    """
    hdf5_format.load_weights(model, filepath, by_name=by_name,
                             skip_mismatch=skip_mismatch)

"""The Keras 3 `.keras` archive: a zip holding `metadata.json`,
`config.json` and `model.weights.h5` (see the formats spec, section 6).

Reading never extracts anything: members are read into memory, each one
only after its declared size was checked against a cap (the JSON members'
fixed caps; the weights' cap follows from the model built from the
config), and read with that limit. Member names that are absolute or climb
out of the archive (`..`), duplicated members, missing members and members
of the wrong type are errors naming the file and the member. The weights
are checked in full before the first one is assigned (`weights_store`), so
a failed load changes nothing.

Also read: tf-keras 2.13+ `.keras` files (tf-keras configs, `vars` groups
without a `name`, an extra `metrics/` tree, which is ignored).

Writing puts the three members into a temporary file in the target's
folder, which replaces the target only once complete.
"""
import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from ckeras.saving import hdf5_access, hdf5_format
from ckeras.saving import model_config as model_config_module
from ckeras.saving.keras3 import config_writer, weights_store
from ckeras.saving.keras3.saveables import own_variables, walk
from ckeras.saving.safe_mode import SafeModeScope

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
# Declared-size caps for the JSON members (bytes).
MAX_JSON_BYTES = {CONFIG: 64 << 20, METADATA: 1 << 20}
# The weights member may exceed the model's variables by this much (HDF5
# headers, the optimizer's iteration and learning rate, metric variables).
WEIGHTS_OVERHEAD_BYTES = 4 << 20
# `safe_load_model`'s child cap for the weights of a model it cannot build
# (custom classes: only the parent has them).
MAX_UNBUILT_WEIGHTS_BYTES = 1 << 30
_CHUNK = 1 << 20
# A Keras archive has three members plus a few assets.
MAX_MEMBERS = 10000


def is_zip(filepath):
    """True when `filepath` is a regular file starting with a zip signature."""
    try:
        path = os.fspath(filepath)
        if not os.path.isfile(path):
            return False
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except (OSError, TypeError):
        return False


class _Archive:
    """A `.keras` zip opened for reading, with its member names checked."""

    def __init__(self, filepath, label=None):
        path = hdf5_access.check_path(filepath)
        self.filename = label or path
        try:
            self.zip = zipfile.ZipFile(path, "r")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise ValueError(f"Cannot read {self.filename!r}: not a valid `.keras` (zip) "
                             f"archive ({type(e).__name__}: {e}).") from e
        self.infos = {}
        if len(self.zip.infolist()) > MAX_MEMBERS:
            count = len(self.zip.infolist())
            self.close()
            raise ValueError(f"The archive {self.filename!r} has {count} members, more than "
                             f"the {MAX_MEMBERS} a Keras archive could need.")
        for info in self.zip.infolist():
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                self.close()
                raise ValueError(f"The archive {self.filename!r} holds the member {name!r}, "
                                 "whose path leaves the archive; refusing to read it.")
            if name in self.infos:
                self.close()
                raise ValueError(f"The archive {self.filename!r} holds the member {name!r} "
                                 "twice; refusing to guess which one is meant.")
            self.infos[name] = info

    def close(self):
        self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read(self, name, limit):
        """The bytes of member `name`, at most `limit` of them."""
        info = self.infos.get(name)
        if info is None:
            raise ValueError(f"The archive {self.filename!r} has no member {name!r}: it is "
                             f"not a Keras `.keras` file (members: {sorted(self.infos)[:8]}).")
        if info.is_dir():
            raise ValueError(f"The member {name!r} of the archive {self.filename!r} is a "
                             "folder, not a file.")
        if info.file_size > limit:
            raise ValueError(f"The member {name!r} of the archive {self.filename!r} declares "
                             f"{info.file_size} bytes, more than the {limit} allowed for it "
                             "(a zip bomb or a damaged archive).")
        chunks, total = [], 0
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        raise ValueError(
                            f"The member {name!r} of the archive {self.filename!r} "
                            f"expands to more than {limit} bytes; refusing to read it.")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError,
                RuntimeError) as e:
            raise ValueError(f"Cannot read the member {name!r} of the archive "
                             f"{self.filename!r}: it is damaged or uses an unsupported "
                             f"compression ({type(e).__name__}: {e}).") from e
        return b"".join(chunks)

    def json(self, name, required=True):
        if name not in self.infos and not required:
            return None
        raw = self.read(name, MAX_JSON_BYTES[name])
        try:
            value = json.loads(raw.decode("utf-8"))
        except RecursionError as e:
            raise ValueError(f"The member {name!r} of the archive {self.filename!r} is "
                             "nested too deeply.") from e
        except (UnicodeDecodeError, ValueError) as e:
            raise ValueError(f"The member {name!r} of the archive {self.filename!r} is not "
                             f"valid JSON ({e}).") from e
        if not isinstance(value, dict):
            raise ValueError(f"The member {name!r} of the archive {self.filename!r} must be "
                             f"a JSON object, found {type(value).__name__}.")
        return value

    def weights_file(self, model):
        """The `model.weights.h5` member opened in memory (links refused),
        read only up to what `model`'s variables can justify."""
        limit = WEIGHTS_OVERHEAD_BYTES + 2 * sum(
            int(np.asarray(v.value).nbytes) for _, obj in walk(model)
            for v in own_variables(obj))
        return self.open_weights(limit)

    def open_weights(self, limit):
        if WEIGHTS not in self.infos and "model.weights.npz" in self.infos:
            raise ValueError(f"The archive {self.filename!r} stores its weights as "
                             "`model.weights.npz`, which ckeras does not read (only "
                             f"`{WEIGHTS}`).")
        data = self.read(WEIGHTS, limit)
        h5py = hdf5_access.h5py_module()
        label = f"{self.filename}::{WEIGHTS}"
        try:
            f = h5py.File(io.BytesIO(data), "r")
        except OSError as e:
            raise ValueError(f"Cannot read {label!r}: not an HDF5 file ({e}).") from e
        try:
            hdf5_access.refuse_links(f, label)
        except BaseException:
            f.close()
            raise
        return f, label


# ------------------------------------------------------------------ loading
def _zeros(shape):
    if shape and isinstance(shape[0], (list, tuple)):
        return [_zeros(s) for s in shape]
    return np.zeros([1 if d is None else d for d in shape], np.float32)


def _build(model, config, filename):
    """Builds what `from_config` left unbuilt, from Keras 3's `build_config`:
    a subclassed model is called once on zeros of that shape (the symbolic
    call Keras 3's `build` makes)."""
    if model.built:
        return
    shape = (config.get("build_config") or {}).get("input_shape")
    if not isinstance(shape, list):
        raise ValueError(f"The model {model.name} of {filename!r} could not be built from "
                         "its config (no input shape and no `build_config`).")
    model(_zeros(shape))


def _compile(model, compile_config, custom_objects, filename):
    try:
        kwargs = config_writer.compile_args(compile_config, custom_objects)
        model.compile(**kwargs)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        warnings.warn(f"`compile()` was not called as part of model loading because the "
                      f"model's `compile()` could not be restored from {filename!r} "
                      f"({type(e).__name__}: {e}). Compile the model manually.",
                      stacklevel=3)
        return False
    return True


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, label=None):
    """Loads a `.keras` archive written by Keras 3, tf-keras 2.13+ or ckeras.

    Args:
        filepath: the archive.
        label: the file name errors give (default: `filepath`).
        custom_objects: dict of custom classes and functions named in the
            config.
        compile: compile with the saved `compile_config` and restore the
            optimizer state.
        safe_mode: False allows Lambda layers stored as Python bytecode.

    Returns:
        The model.

    Raises:
        OSError: missing file.
        ValueError: not a zip, hostile or missing members, bad configs,
            unknown classes, weights that do not match.
    """
    with _Archive(filepath, label) as arc:
        metadata = arc.json(METADATA, required=False)
        config = arc.json(CONFIG)
        try:
            with SafeModeScope(safe_mode):
                model = model_config_module.model_from_config(
                    config, custom_objects=custom_objects)
        except (ValueError, TypeError) as e:
            raise type(e)(f"Cannot build the model of {arc.filename!r} from its member "
                          f"'{CONFIG}': {e}") from e
        _build(model, config, arc.filename)
        compile_config = config.get("compile_config")
        if compile and isinstance(compile_config, dict) and compile_config.get("optimizer"):
            _compile(model, compile_config, custom_objects, arc.filename)
        version = str((metadata or {}).get("keras_version", "3"))
        f, label = arc.weights_file(model)
        try:
            weights_store.read_weights(model, f, label,
                                       learning_rate_stored=not version.startswith("2."))
        finally:
            f.close()
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """`model.load_weights('m.keras')`: the archive's weights, by path."""
    weights_store.ensure_built(model, "loading weights into")
    with _Archive(filepath) as arc:
        f, label = arc.weights_file(model)
        try:
            weights_store.read_weights(model, f, label, skip_mismatch=skip_mismatch)
        finally:
            f.close()


def _copy_tree(src, dst, label):
    """Copies the groups, numeric datasets and `name` attributes of an open
    HDF5 weights store, each through `hdf5_access`'s checks."""
    h5py = hdf5_access.h5py_module()
    name = hdf5_access.text_attr(src, "name", label) if "name" in src.attrs else None
    if name is not None:
        dst.attrs["name"] = name
    for key in list(src.keys()):
        node = hdf5_access.member(src, key, label)
        if isinstance(node, h5py.Group):
            _copy_tree(node, dst.create_group(key), label)
        else:
            what = f"the member {node.name!r}"
            ds = hdf5_access.dataset(src, key, label, what)
            dst.create_dataset(key, data=hdf5_access.read(ds, label, what))


def copy_archive(src, dst):
    """Copies the content of the `.keras` archive `src` to a new archive
    `dst`, checking all of it (the child process of `safe_load_model`).

    The JSON members are parsed and written again; the weights are parsed
    (links refused, numeric data only) and copied into a fresh HDF5 store;
    the model is built once when every class is a ckeras one, which bounds
    the weights member by the model's size.
    """
    h5py = hdf5_access.h5py_module()
    with _Archive(src) as arc:
        metadata = arc.json(METADATA, required=False)
        config = arc.json(CONFIG)
        try:
            with SafeModeScope(True):
                model = model_config_module.model_from_config(config)
            _build(model, config, arc.filename)
            f, label = arc.weights_file(model)
        except (ValueError, TypeError, NotImplementedError) as e:
            if "could not be loaded" in str(e) or WEIGHTS in str(e):
                raise
            f, label = arc.open_weights(MAX_UNBUILT_WEIGHTS_BYTES)
        weights = io.BytesIO()
        try:
            with h5py.File(weights, "w") as out:
                _copy_tree(f, out, label)
        finally:
            f.close()
    with zipfile.ZipFile(dst, "w") as zf:
        if metadata is not None:
            _zip_member(zf, METADATA, model_config_module.dumps(metadata).encode())
        _zip_member(zf, CONFIG, model_config_module.dumps(config).encode())
        _zip_member(zf, WEIGHTS, weights.getvalue())


# ------------------------------------------------------------------ saving
def _zip_member(zf, name, data, date_time=(1980, 1, 1, 0, 0, 0)):
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """`model.save('m.keras')`: a Keras 3 archive (crash safe).

    Args:
        model: a built model: Sequential, Functional, or a subclassed model
            with `get_config` (loading it needs its class in
            `custom_objects`).
        filepath: the destination (the previous file survives a failed
            save).
        overwrite: False asks before replacing an existing file.
        include_optimizer: also write the compile config and optimizer state.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.isfile(filepath):
        if not hdf5_format.ask_to_proceed_with_overwrite(filepath):
            return
    weights_store.ensure_built(model, "saving")
    config = config_writer.model_config(model, include_optimizer=include_optimizer)
    config_json = model_config_module.dumps(config).encode()
    now = datetime.datetime.now()
    metadata = json.dumps({"keras_version": config_writer.KERAS3_VERSION,
                           "date_saved": now.strftime("%Y-%m-%d@%H:%M:%S")}).encode()
    weights = io.BytesIO()
    h5py = hdf5_access.h5py_module()
    with h5py.File(weights, "w") as f:
        weights_store.write_weights(model, f, include_optimizer=include_optimizer)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".",
                               suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
            _zip_member(zf, METADATA, metadata)
            _zip_member(zf, CONFIG, config_json)
            _zip_member(zf, WEIGHTS, weights.getvalue(), now.timetuple()[:6])
        os.chmod(tmp, hdf5_format.new_file_mode(filepath))
        os.replace(tmp, filepath)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise

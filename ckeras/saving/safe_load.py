"""`safe_load_model`: load an untrusted `.h5` or `.keras` file with libhdf5 in
a subprocess.

`load_model` checks everything it reads (no links, datasets checked before
they are read, no code run), but the file is still parsed by libhdf5, which
has bugs on which a corrupted file makes it loop forever while holding the
GIL (or crash). `safe_load_model` lets a child process do all the HDF5
reading, under a time limit and an optional memory limit: it validates the
file and copies its Keras content (attributes and every listed weight,
through the checks of `hdf5_access`) into a fresh `.h5` written by h5py in a
temporary folder, and builds the model when every class is a ckeras one (a
config can declare layers too large for any memory). This process then loads
that clean copy with the normal loader. Nothing but that file and a small
JSON status crosses the process boundary (no pickle); custom objects stay in
this process.
"""
import json
import os
import subprocess
import sys
import tempfile

import ckeras
from ckeras.saving import hdf5_access, hdf5_format, model_config
from ckeras.saving.keras3 import archive
from ckeras.saving.safe_mode import SafeModeScope

# Errors the child may report that are re-raised with their own type; any
# other becomes a ValueError.
_ERROR_TYPES = {"ValueError": ValueError, "OSError": OSError, "TypeError": TypeError,
                "MemoryError": MemoryError, "NotImplementedError": NotImplementedError}
_CHILD = "from ckeras.saving.safe_load import _child_main; _child_main()"


def safe_load_model(filepath, custom_objects=None, compile=True, timeout=60,
                    max_memory=None, safe_mode=True):
    """Loads a model from an untrusted `.h5` or `.keras` file, parsing it in a subprocess.

    A child Python process opens the file with libhdf5, checks it as
    `load_model` does (no soft or external links, numeric datasets stored in
    the file, UTF-8 names), writes its Keras content to a fresh temporary
    `.h5` and, when the config names only ckeras classes, builds the model
    once (so a config declaring huge layers meets the limits there). This
    process then loads the copy with `load_model`'s checks (weights compared
    with the model before they are read). If the child does not finish
    within `timeout` seconds it is killed: a corrupted file on which libhdf5
    loops forever costs `timeout`, not a hung program.

    Args:
        filepath: path of the `.h5` file or `.keras` archive.
        custom_objects: dict of custom classes and functions (used in this
            process only).
        compile: recompile with the saved training configuration and restore
            the optimizer state.
        timeout: seconds the child may take, including starting Python
            and importing ckeras (about a second).
        max_memory: optional bytes of memory the child may allocate beyond
            its size after start-up (a limit on its address space; needs the
            POSIX `resource` module).
        safe_mode: as in `load_model`; keep True for untrusted files.

    Returns:
        The model.

    Raises:
        TimeoutError: the child did not finish in time (names the file).
        MemoryError: the child needed more than `max_memory`.
        ValueError: a corrupt or hostile file (names the file and member),
            or the child died (e.g. a crash in libhdf5).
        OSError: missing file.

    Example:
        >>> model = safe_load_model("downloaded.h5", timeout=30,
        ...                         max_memory=2 * 1024**3)
    """
    filepath = hdf5_access.check_path(filepath)
    if timeout is None or not timeout > 0:
        raise ValueError(f"safe_load_model: `timeout` must be a positive number of "
                         f"seconds, received {timeout!r}.")
    if max_memory is not None:
        if int(max_memory) <= 0:
            raise ValueError(f"safe_load_model: `max_memory` must be a positive number of "
                             f"bytes, received {max_memory!r}.")
        try:
            import resource  # noqa: F401 - only checking that it exists
        except ImportError as e:
            raise NotImplementedError("safe_load_model: `max_memory` needs the POSIX "
                                      "`resource` module.") from e
    with tempfile.TemporaryDirectory(prefix="ckeras-safe-load-") as folder:
        if archive.is_zip(filepath):
            clean = os.path.join(folder, "clean.keras")
            _run_child(filepath, clean, folder, timeout, max_memory)
            return archive.load_model(clean, custom_objects=custom_objects, compile=compile,
                                      safe_mode=safe_mode, label=filepath)
        clean = os.path.join(folder, "clean.h5")
        _run_child(filepath, clean, folder, timeout, max_memory)
        f = hdf5_access.open_file(clean)
        try:
            return hdf5_format.load_model_from_open_file(f, filepath, custom_objects,
                                                         compile, safe_mode)
        finally:
            f.close()


def _child_env():
    root = os.path.dirname(os.path.dirname(os.path.abspath(ckeras.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"   # the child only copies arrays
    return env


def _run_child(filepath, clean, folder, timeout, max_memory):
    status = os.path.join(folder, "status.json")
    with open(os.path.join(folder, "stderr.txt"), "w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, filepath, clean, status, str(int(max_memory or 0))],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            env=_child_env())
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise TimeoutError(
                f"Loading {filepath!r} did not finish within {timeout} s, so "
                "safe_load_model stopped it. The file is probably corrupt in a way that "
                "makes libhdf5 loop; if it is only large, raise `timeout`.") from None
        err.seek(0)
        stderr = err.read()[-2000:]
    try:
        with open(status) as fh:
            result = json.load(fh)
    except (OSError, ValueError):
        result = None
    if result is None or not isinstance(result, dict):
        how = (f"was killed by signal {-code}" if code < 0 else f"exited with status {code}")
        raise ValueError(f"The process loading {filepath!r} {how} without a result: the "
                         f"file is probably corrupt (libhdf5 crashed). {stderr.strip()}")
    if result.get("ok") is True:
        return
    kind = str(result.get("error"))
    message = str(result.get("message"))[:4000]
    if kind == "MemoryError":
        raise MemoryError(f"Loading {filepath!r} needed more than max_memory={max_memory} "
                          f"bytes. {message}")
    error_type = _ERROR_TYPES.get(kind)
    if error_type is None:
        raise ValueError(f"Cannot load {filepath!r}: {kind} in the loading process: {message}")
    raise error_type(message)


# ---------------------------------------------------------------- the child
def _child_main():
    src, clean, status, max_memory = sys.argv[1:5]
    try:
        if int(max_memory):
            _limit_memory(int(max_memory))
        if archive.is_zip(src):
            archive.copy_archive(src, clean)
        else:
            copy_keras_content(src, clean)
            _try_building(clean)
        result = {"ok": True}
    except MemoryError as e:
        result = {"error": "MemoryError", "message": str(e)}
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        result = {"error": type(e).__name__, "message": str(e)}
    with open(status, "w") as fh:
        json.dump(result, fh)


def _try_building(clean):
    """Builds the model of the copy here, under the limits, when ckeras knows
    every class: a config may declare layers whose weights exceed any memory
    (Dense(units=10**9)). Custom classes and Lambda bytecode are only built
    by the parent (it has custom_objects); then this check is skipped."""
    config = hdf5_format.load_model_config(clean)
    if config is None:
        return
    try:
        with SafeModeScope(True):
            model_config.model_from_config(config)
    except (ValueError, TypeError, NotImplementedError):
        pass   # reported by the parent's own load, with its custom objects


def _limit_memory(extra):
    import resource
    try:
        with open("/proc/self/statm") as fh:
            base = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        base = 1 << 30
    limit = base + extra
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def copy_keras_content(src, dst):
    """Copies the Keras content of `src` to a new file `dst`, checking it.

    Copied: the root attributes Keras reads (`keras_version`, `backend`,
    `model_config`, `training_config`, `layer_names`), the weights group
    (the root or `model_weights`) with each listed layer's `weight_names`
    and datasets, `top_level_model_weights` and `optimizer_weights`. Every
    member goes through `hdf5_access` (no links, numeric data stored in the
    file), one dataset in memory at a time.

    Args:
        src: the file to read.
        dst: the file to write (created).

    Raises:
        ValueError: the file is not a Keras file, or is corrupt or hostile.
    """
    h5py = hdf5_access.h5py_module()
    f = hdf5_access.open_file(src)
    try:
        with h5py.File(dst, "w") as out:
            _copy_text_attrs(f, out, src, ("keras_version", "backend", "model_config",
                                           "training_config", "ckeras_version"))
            root = hdf5_format._weights_root(f, src)
            target = out if root.name == "/" else out.create_group("model_weights")
            _copy_weights_root(root, target, src)
            group = hdf5_access.subgroup(f, "optimizer_weights", src)
            if group is not None:
                _copy_weight_group(group, out.create_group("optimizer_weights"), src,
                                   "optimizer weight")
    finally:
        f.close()


def _copy_text_attrs(src, dst, filename, names):
    for name in names:
        value = hdf5_access.text_attr(src, name, filename)
        if value is not None:
            dst.attrs[name] = value


def _copy_weights_root(root, target, filename):
    names = hdf5_format.load_attributes_from_hdf5_group(root, "layer_names", filename)
    hdf5_format.save_attributes_to_hdf5_group(target, "layer_names", names)
    _copy_text_attrs(root, target, filename, ("keras_version", "backend"))
    for name in dict.fromkeys(names):
        group = hdf5_access.subgroup(root, name, filename)
        if group is None:
            raise ValueError(f"The file {filename!r} lists layer '{name}' but has no "
                             "group for it: the file is truncated or corrupt.")
        _copy_weight_group(group, target.create_group(name), filename,
                           f"weight of layer {name}")
    top = hdf5_access.subgroup(root, "top_level_model_weights", filename)
    if top is not None:
        _copy_weight_group(top, target.create_group("top_level_model_weights"), filename,
                           "top-level weight")


def _copy_weight_group(group, target, filename, label):
    names = hdf5_format.load_attributes_from_hdf5_group(group, "weight_names", filename)
    hdf5_format.save_attributes_to_hdf5_group(target, "weight_names", names)
    for n in dict.fromkeys(names):
        what = f"{label} '{n}'"
        ds = hdf5_access.dataset(group, n, filename, what)
        target.create_dataset(n, data=hdf5_access.read(ds, filename, what))

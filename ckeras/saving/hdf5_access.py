"""Checked access to an HDF5 file being loaded (a file that may be hostile).

Every read of a model or weights file goes through these helpers, so that:

- no soft or external link is followed: a link can point at another file's
  data (which would silently load as weights) or at a FIFO or device, on
  which libhdf5 blocks forever; every path component is checked with
  `group.get(name, getlink=True)` before it is opened;
- a dataset is only read once it is known to hold numeric data stored inside
  the file (no virtual datasets, no external raw-data files) and to hold as
  many bytes as it declares; the callers compare its shape with the model
  before reading it, so memory stays bounded by the model's own size;
- h5py's low-level errors (`OSError`, `KeyError`, `RuntimeError`, ...) and
  undecodable names come back as `ValueError`s naming the file and member.

`h5py` is imported lazily.
"""
import os

import numpy as np

# What h5py raises for damaged structures: turned into ValueErrors with context.
H5_ERRORS = (OSError, KeyError, RuntimeError, TypeError, ValueError, AttributeError,
              IndexError)
_NUMERIC_KINDS = "biuf"


def h5py_module():
    try:
        import h5py  # lazy: heavy
    except ImportError as e:  # pragma: no cover - h5py is a runtime dependency
        raise ImportError("Saving and loading HDF5 files requires the h5py package "
                          "(`pip install h5py`).") from e
    return h5py


def corrupt(filename, what, error):
    """The ValueError for an h5py failure while reading `what` of `filename`."""
    return ValueError(f"Cannot read {what} of the file {filename!r}: the file is truncated "
                      f"or corrupt ({type(error).__name__}: {error}).")


def _path(group, name):
    base = group.name if group.name != "/" else ""
    return f"{base}/{name}"


# -------------------------------------------------------------- attributes
def _decode(value):
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)


def decode_attr(value):
    """A scalar attribute (str/bytes) as str."""
    if hasattr(value, "decode"):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return decode_attr(value[()])
    return str(value)


def _decode_list(value):
    if isinstance(value, (str, bytes, np.bytes_)):
        return [_decode(value)]
    arr = np.asarray(value)
    if arr.size == 0:
        return []
    return [_decode(v) for v in arr.reshape(-1)]


def raw_attr(obj, name, filename):
    """Attribute `name` of an h5py object, or None when absent."""
    try:
        if name not in obj.attrs:
            return None
        return obj.attrs[name]
    except H5_ERRORS as e:
        raise corrupt(filename, f"the attribute '{name}' of {obj.name!r}", e) from e


def text_attr(obj, name, filename):
    """A scalar string attribute decoded as UTF-8, or None when absent."""
    value = raw_attr(obj, name, filename)
    if value is None:
        return None
    try:
        return decode_attr(value)
    except UnicodeDecodeError as e:
        raise ValueError(f"The attribute '{name}' of {obj.name!r} in the file {filename!r} "
                         f"is not UTF-8 text ({e}).") from e


def name_list_attr(obj, name, filename):
    """A list-of-names attribute, joining chunks `name0`, `name1`, ... .

    Returns:
        A list of str (empty when the attribute holds an empty array or is
        absent).

    Raises:
        ValueError: undecodable names or unreadable attributes, naming the
            file, the object and the attribute.
    """
    try:
        value = raw_attr(obj, name, filename)
        if value is not None:
            return _decode_list(value)
        data = []
        chunk_id = 0
        while True:
            value = raw_attr(obj, f"{name}{chunk_id}", filename)
            if value is None:
                return data
            data.extend(_decode_list(value))
            chunk_id += 1
    except UnicodeDecodeError as e:
        raise ValueError(f"The attribute '{name}' of {obj.name!r} in the file {filename!r} "
                         f"holds names that are not UTF-8 text ({e}); Keras writes layer "
                         "and weight names as UTF-8.") from e


# ----------------------------------------------------------------- members
def _link_error(filename, path, link, h5py):
    if isinstance(link, h5py.ExternalLink):
        kind = f"an external link (to {link.filename!r}:{link.path!r})"
    elif isinstance(link, h5py.SoftLink):
        kind = f"a soft link (to {link.path!r})"
    else:
        kind = f"a link of type {type(link).__name__}"
    return ValueError(
        f"The file {filename!r} has {kind} at {path!r}. ckeras does not follow links in "
        "model files: they can point at another file's data or at a device that blocks "
        "forever. Keras never writes links; copy the data into the file instead.")


def refuse_links(f, filename):
    """Raises if the file holds a soft, external or user-defined link anywhere.

    Keras never writes links; refusing them at open time means no code path
    can follow one. The links are listed with libhdf5's link visit, which
    does not resolve them (and visits hard-link cycles once); names are kept
    as bytes, so names that are not UTF-8 do not stop the visit.

    Raises:
        ValueError: naming the file, the link and its target.
    """
    h5py = h5py_module()
    from h5py import h5l  # lazy: heavy
    found = []

    def visit(name, info):
        if info.type != h5l.TYPE_HARD:
            found.append(name)
            return True   # stops the visit
        return None
    try:
        f.id.links.visit(visit, info=True)
        if not found:
            return
        name = found[0]
        link = f.get(name, getlink=True)
    except H5_ERRORS as e:
        raise corrupt(filename, "the list of members", e) from e
    raise _link_error(filename, "/" + name.decode("utf-8", "replace"), link, h5py)


def member(group, path, filename):
    """`group[path]` without following soft or external links.

    Each component of `path` ('dense/kernel:0' has two) is checked with
    `get(name, getlink=True)` before it is opened.

    Args:
        group: an h5py Group (or File).
        path: a relative path.
        filename: the name used in error messages.

    Returns:
        The h5py object, or None when a component is absent (or the path
        goes through a dataset).

    Raises:
        ValueError: a component is a soft, external or user-defined link,
            or the structure cannot be read.
    """
    h5py = h5py_module()
    node = group
    for part in (p for p in str(path).split("/") if p):
        if not isinstance(node, h5py.Group):
            return None
        where = _path(node, part)
        try:
            link = node.get(part, getlink=True)
        except H5_ERRORS as e:
            raise corrupt(filename, f"the member {where!r}", e) from e
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise _link_error(filename, where, link, h5py)
        try:
            node = node[part]
        except H5_ERRORS as e:
            raise corrupt(filename, f"the member {where!r}", e) from e
    return None if node is group else node


def subgroup(group, name, filename):
    """A child group (None when absent); a non-group member is an error."""
    h5py = h5py_module()
    node = member(group, name, filename)
    if node is not None and not isinstance(node, h5py.Group):
        raise ValueError(f"The member {_path(group, name)!r} of the file {filename!r} is "
                         f"not a group (found {type(node).__name__}): the file is corrupt.")
    return node


def dataset(group, name, filename, what):
    """The dataset `group[name]`, checked to be safe to read (data not read).

    Args:
        group: the h5py group holding the dataset.
        name: its relative path (a weight name such as 'dense/kernel:0').
        filename: the name used in error messages.
        what: a description for error messages, e.g. "weight 'dense/kernel:0'
            of layer #0 (dense)".

    Returns:
        An h5py Dataset holding numeric data stored in the file, with all
        its declared bytes present.

    Raises:
        ValueError: absent, not a dataset, a link, data outside the file,
            not numeric, or fewer bytes stored than declared.
    """
    h5py = h5py_module()
    node = member(group, name, filename)
    where = _path(group, name)
    subject = what[:1].upper() + what[1:]
    if node is None:
        raise ValueError(f"{subject} ({where!r}) is listed but missing from the file "
                         f"{filename!r}: the file is truncated or corrupt.")
    if not isinstance(node, h5py.Dataset):
        raise ValueError(f"{subject} ({where!r}) in the file {filename!r} is not a dataset "
                         f"(found {type(node).__name__}): the file is corrupt.")
    try:
        virtual = node.is_virtual
        external = node.external
        dtype = node.dtype
        shape = node.shape
        nfilters = node.id.get_create_plist().get_nfilters()
        stored = node.id.get_storage_size()
    except H5_ERRORS as e:
        raise corrupt(filename, f"{what} ({where!r})", e) from e
    if virtual or external:
        kind = "a virtual dataset" if virtual else "stored in external raw-data files"
        raise ValueError(f"{subject} ({where!r}) in the file {filename!r} is {kind}: its data "
                         "lives outside the file, which ckeras refuses to read.")
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or \
            dtype.subdtype is not None:
        raise ValueError(f"{subject} ({where!r}) in the file {filename!r} has dtype {dtype}; "
                         "weights must be numeric arrays.")
    if shape is None:
        raise ValueError(f"{subject} ({where!r}) in the file {filename!r} has no shape (an "
                         "empty dataspace); weights must be arrays.")
    declared = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    if not nfilters and stored < declared:
        raise ValueError(f"{subject} ({where!r}) in the file {filename!r} declares shape "
                         f"{tuple(shape)} ({declared} bytes) but the file stores only "
                         f"{stored} bytes of it: the file is truncated or corrupt.")
    return node


def read(ds, filename, what):
    """The data of a dataset returned by `dataset()`, as a NumPy array."""
    try:
        return np.asarray(ds[()])
    except H5_ERRORS as e:
        raise corrupt(filename, f"{what} ({ds.name!r})", e) from e


def check_path(filepath):
    """The path as str, after checking it names a regular file (not opened).

    Raises:
        OSError: the path does not exist or is a directory.
        ValueError: it is not a regular file (a FIFO or device would block
            libhdf5, or never end).
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise OSError(f"No file or directory found at {filepath}")
    if os.path.isdir(filepath):
        raise OSError(f"{filepath} is a directory, not an HDF5 file (ckeras reads the "
                      "Keras HDF5 format only; SavedModel folders are not supported).")
    if not os.path.isfile(filepath):
        raise ValueError(f"Cannot read {filepath!r}: not a regular file.")
    return filepath


def open_file(filepath):
    """Opens an HDF5 file for reading, refusing files that hold links.

    Raises:
        OSError: the path does not exist or is a directory.
        ValueError: the file is not a regular, readable HDF5 file, or it holds
            a soft or external link (`refuse_links`).
    """
    h5py = h5py_module()
    filepath = check_path(filepath)
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        with open(filepath, "rb") as fh:
            head = fh.read(8)
        what = ("truncated or corrupt HDF5 file" if head == b"\x89HDF\r\n\x1a\n"
                else "not an HDF5 file")
        if head.startswith(b"PK"):
            what = ("a zip archive (a `.keras` file, which `load_model` and "
                    "`load_weights` read), not an HDF5 file")
        raise ValueError(f"Cannot read {filepath!r}: {what} ({e}).") from e
    try:
        refuse_links(f, filepath)
    except BaseException:
        f.close()
        raise
    return f

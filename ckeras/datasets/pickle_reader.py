"""A reader for the pickled data of the Keras datasets that never unpickles.

Two Keras downloads hold pickles: the CIFAR python batches (a Python 2 dict
of bytes keys, NumPy arrays and lists) and the object arrays of `imdb.npz`
and `reuters.npz` (NumPy arrays of Python lists of ints). `pickle.load`
would run whatever callables a file names; this module instead walks the
opcodes with `pickletools.genops` (which only parses) and builds plain
values itself. The only globals it accepts are the names NumPy's own array pickles use
(`_reconstruct`, `ndarray`, `dtype`, and `_codecs.encode` for bytes under
protocol 2), and it never calls them: an array is rebuilt from its shape,
dtype string and raw bytes.
Anything else in a file raises ValueError.
"""
import io
import pickletools
import zipfile

import numpy as np

__all__ = ["read_pickle", "read_npz"]

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct")}
_NDARRAY = ("numpy", "ndarray")
_DTYPE = ("numpy", "dtype")
# Python 3 writes bytes as `_codecs.encode(text, "latin1")` under protocol 2
# (NumPy's files of that era): rebuilt here by encoding, never by calling it.
_ENCODE = ("_codecs", "encode")
_MARK = object()


class _Global:
    __slots__ = ("name",)

    def __init__(self, module, name):
        if (module, name) not in _RECONSTRUCT | {_NDARRAY, _DTYPE, _ENCODE}:
            raise ValueError(f"The pickle names {module}.{name}; only NumPy array data is "
                             "accepted (ckeras never runs code from a data file).")
        self.name = (module, name)


class _ArrayStub:
    """`_reconstruct(ndarray, (0,), b"b")`, waiting for its BUILD state."""


class _DtypeStub:
    __slots__ = ("descr",)

    def __init__(self, descr):
        self.descr = descr


def _text(value):
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _reduce(func, args):
    if not isinstance(func, _Global) or not isinstance(args, tuple):
        raise ValueError("Unsupported REDUCE in the pickle: only NumPy arrays are accepted.")
    if func.name in _RECONSTRUCT:
        if len(args) != 3 or not (isinstance(args[0], _Global) and args[0].name == _NDARRAY):
            raise ValueError("Unsupported array reconstruction in the pickle.")
        return _ArrayStub()
    if func.name == _ENCODE and len(args) == 2 and isinstance(args[0], str) \
            and args[1] in ("latin1", "latin-1"):
        return args[0].encode("latin-1")
    if func.name == _DTYPE and args and isinstance(args[0], (str, bytes)):
        return _DtypeStub(_text(args[0]))
    raise ValueError(f"Unsupported call of {'.'.join(func.name)} in the pickle.")


def _build_dtype(stub, state):
    if not isinstance(state, tuple) or len(state) < 5 or any(s is not None for s in state[2:5]):
        raise ValueError("Unsupported dtype in the pickle: only plain (non-structured) "
                         "dtypes are accepted.")
    dtype = np.dtype(stub.descr)
    order = _text(state[1])
    if order in ("<", ">") and dtype.byteorder not in ("|",):
        dtype = dtype.newbyteorder(order)
    return dtype


def _build_array(state):
    if not isinstance(state, tuple) or len(state) != 5:
        raise ValueError("Unsupported array state in the pickle.")
    _, shape, dtype, fortran, raw = state
    if not isinstance(dtype, np.dtype) or not isinstance(shape, tuple):
        raise ValueError("Unsupported array state in the pickle.")
    size = int(np.prod(shape, dtype=np.int64))
    order = "F" if fortran else "C"
    if dtype.hasobject:
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError("Malformed object array in the pickle.")
        out = np.empty(size, dtype=object)
        for i, v in enumerate(raw):  # item by item: NumPy would nest equal-length lists
            out[i] = v
        return out.reshape(shape, order=order)
    if not isinstance(raw, bytes) or len(raw) != size * dtype.itemsize:
        got = len(raw) if isinstance(raw, bytes) else type(raw).__name__
        raise ValueError(f"Malformed array in the pickle: {got} bytes for shape {shape} "
                         f"and dtype {dtype}.")
    # native byte order, as NumPy's own unpickling returns it
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order=order).astype(
        dtype.newbyteorder("="))


def _pop_mark(stack):
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is _MARK:
            items = stack[i + 1:]
            del stack[i:]
            return items
    raise ValueError("Malformed pickle: no MARK.")


_STRINGS_AS_BYTES = {"STRING", "BINSTRING", "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES",
                     "BINBYTES8"}
_UNICODE = {"UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8"}
_SCALARS = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT",
            "BINFLOAT"}
_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}


def read_pickle(data):
    """The value of a pickle of dicts, lists, tuples, strings, numbers and
    NumPy arrays, read without unpickling.

    Python 2 `str` values (and keys) come back as `bytes`, as
    `pickle.load(f, encoding="bytes")` gives them.

    Args:
        data: the pickle's bytes.

    Returns:
        The value.

    Raises:
        ValueError: the pickle holds anything else, or is malformed.
    """
    stack, memo = [], {}
    try:
        ops = list(pickletools.genops(io.BytesIO(data)))
    except Exception as e:  # genops raises ValueError and others on garbage
        raise ValueError(f"Malformed pickle: {e}") from None
    for op, arg, _ in ops:
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name == "STOP":
            if len(stack) != 1 or isinstance(stack[0], (_ArrayStub, _DtypeStub, _Global)):
                raise ValueError("Malformed pickle.")
            return stack[0]
        if name in _STRINGS_AS_BYTES:
            stack.append(arg.encode("latin-1") if isinstance(arg, str) else bytes(arg))
        elif name in _UNICODE or name in _SCALARS:
            stack.append(arg)
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name == "MARK":
            stack.append(_MARK)
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name == "TUPLE":
            stack.append(tuple(_pop_mark(stack)))
        elif name == "LIST":
            stack.append(list(_pop_mark(stack)))
        elif name == "DICT":
            items = _pop_mark(stack)
            stack.append(dict(zip(items[::2], items[1::2])))
        elif name == "APPEND":
            value = stack.pop()
            stack[-1].append(value)
        elif name == "APPENDS":
            items = _pop_mark(stack)
            stack[-1].extend(items)
        elif name == "SETITEM":
            value, key = stack.pop(), stack.pop()
            stack[-1][key] = value
        elif name == "SETITEMS":
            items = _pop_mark(stack)
            stack[-1].update(zip(items[::2], items[1::2]))
        elif name in _MEMO_PUT:
            memo[arg] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in _MEMO_GET:
            stack.append(memo[arg])
        elif name == "GLOBAL":
            module, _, attr = arg.partition(" ")
            stack.append(_Global(module, attr))
        elif name == "STACK_GLOBAL":
            attr, module = stack.pop(), stack.pop()
            stack.append(_Global(module, attr))
        elif name == "REDUCE":
            args, func = stack.pop(), stack.pop()
            stack.append(_reduce(func, args))
        elif name == "BUILD":
            state, obj = stack.pop(), stack.pop()
            if isinstance(obj, _DtypeStub):
                built = _build_dtype(obj, state)
            elif isinstance(obj, _ArrayStub):
                built = _build_array(state)
            else:
                raise ValueError("Unsupported BUILD in the pickle: only NumPy arrays are "
                                 "accepted.")
            for key, value in memo.items():
                if value is obj:
                    memo[key] = built
            stack.append(built)
        else:
            raise ValueError(f"Unsupported pickle opcode {name}: only NumPy array data is "
                             "accepted (ckeras never runs code from a data file).")
    raise ValueError("Malformed pickle: no STOP.")


def _read_npy(raw):
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    if not dtype.hasobject:
        f.seek(0)
        return np.load(f, allow_pickle=False)
    array = read_pickle(f.read())
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError("The object array's pickle does not match its header.")
    return array


def read_npz(path):
    """Every array of an `.npz` file, as a dict; object arrays (pickled by
    NumPy) are read with `read_pickle`, never unpickled.

    Raises:
        ValueError: a member holds anything but arrays, or the file is not
            an npz archive.
    """
    try:
        with zipfile.ZipFile(path) as z:
            return {name[:-4] if name.endswith(".npy") else name: _read_npy(z.read(name))
                    for name in z.namelist()}
    except zipfile.BadZipFile as e:
        raise ValueError(f"{path!r} is not an .npz archive: {e}") from None

"""A reader for the pickled data of the Keras datasets that never unpickles.

Two Keras downloads hold pickles: the CIFAR python batches (a Python 2 dict
of bytes keys, NumPy arrays and lists) and the object arrays of `imdb.npz`
and `reuters.npz` (NumPy arrays of Python lists of ints). `pickle.load`
would run whatever callables a file names; this module instead decodes the
opcodes itself and builds plain values. The only globals it accepts are
the names NumPy's own array pickles use (`_reconstruct`, `ndarray`,
`dtype`, and `_codecs.encode` for bytes under protocol 2), and it never
calls them: an array is rebuilt from its shape, dtype string and raw bytes.
Anything else in a file raises ValueError.
"""
import io
import struct
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


class _Reader:
    """The opcodes of a pickle, decoded from its bytes one at a time (a
    parser of its own rather than `pickletools.genops`, which is several
    times slower on the millions of small ints of imdb.npz)."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        start, self.pos = self.pos, self.pos + n
        if self.pos > len(self.data):
            raise ValueError("Malformed pickle: truncated.")
        return self.data[start:self.pos]

    def uint(self, n):
        return int.from_bytes(self.take(n), "little")

    def line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise ValueError("Malformed pickle: truncated.")
        start, self.pos = self.pos, end + 1
        return self.data[start:end].decode("latin-1")


def _tuple_of(stack, n):
    if len(stack) < n:
        raise ValueError("Malformed pickle: stack underflow.")
    items = tuple(stack[len(stack) - n:])
    del stack[len(stack) - n:]
    return items


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
    try:
        return _run(_Reader(bytes(data)))
    except (IndexError, KeyError, TypeError, AttributeError, struct.error) as e:
        raise ValueError(f"Malformed pickle: {type(e).__name__}: {e}") from None


def _run(r):
    stack, memo = [], {}
    push = stack.append
    data = r.data
    n = len(data)
    while r.pos < n:
        code = data[r.pos]
        r.pos += 1
        # the ints that fill imdb/reuters' lists come first
        if code == 0x4B:                                    # K BININT1
            push(data[r.pos])
            r.pos += 1
        elif code == 0x4D:                                  # M BININT2
            push(r.uint(2))
        elif code == 0x4A:                                  # J BININT
            push(int.from_bytes(r.take(4), "little", signed=True))
        elif code == 0x71:                                  # q BINPUT
            memo[r.uint(1)] = stack[-1]
        elif code == 0x94:                                  # MEMOIZE
            memo[len(memo)] = stack[-1]
        elif code == 0x72:                                  # r LONG_BINPUT
            memo[r.uint(4)] = stack[-1]
        elif code == 0x68:                                  # h BINGET
            push(memo[r.uint(1)])
        elif code == 0x6A:                                  # j LONG_BINGET
            push(memo[r.uint(4)])
        elif code == 0x28:                                  # ( MARK
            push(_MARK)
            # a list's items: a run of small ints, read in one tight loop
            pos = r.pos
            while pos < n:
                c = data[pos]
                if c == 0x4B:
                    push(data[pos + 1])
                    pos += 2
                elif c == 0x4D:
                    push(data[pos + 1] | data[pos + 2] << 8)
                    pos += 3
                elif c == 0x4A and pos + 5 <= n:
                    push(int.from_bytes(data[pos + 1:pos + 5], "little", signed=True))
                    pos += 5
                else:
                    break
            r.pos = pos
        elif code == 0x65:                                  # e APPENDS
            items = _pop_mark(stack)
            stack[-1].extend(items)
        elif code == 0x61:                                  # a APPEND
            value = stack.pop()
            stack[-1].append(value)
        elif code == 0x5D:                                  # ] EMPTY_LIST
            push([])
        elif code == 0x7D:                                  # } EMPTY_DICT
            push({})
        elif code == 0x29:                                  # ) EMPTY_TUPLE
            push(())
        elif code in (0x85, 0x86, 0x87):                    # TUPLE1..3
            push(_tuple_of(stack, code - 0x84))
        elif code == 0x74:                                  # t TUPLE
            push(tuple(_pop_mark(stack)))
        elif code == 0x6C:                                  # l LIST
            push(list(_pop_mark(stack)))
        elif code == 0x64:                                  # d DICT
            items = _pop_mark(stack)
            push(dict(zip(items[::2], items[1::2])))
        elif code == 0x73:                                  # s SETITEM
            value, key = stack.pop(), stack.pop()
            stack[-1][key] = value
        elif code == 0x75:                                  # u SETITEMS
            items = _pop_mark(stack)
            stack[-1].update(zip(items[::2], items[1::2]))
        elif code == 0x55 or code == 0x43:                  # U SHORT_BINSTRING, C SHORT_BINBYTES
            push(r.take(r.uint(1)))
        elif code == 0x54 or code == 0x42:                  # T BINSTRING, B BINBYTES
            size = int.from_bytes(r.take(4), "little", signed=True)
            if size < 0:
                raise ValueError("Malformed pickle: negative length.")
            push(r.take(size))
        elif code == 0x8E:                                  # BINBYTES8
            push(r.take(r.uint(8)))
        elif code == 0x8C:                                  # SHORT_BINUNICODE
            push(r.take(r.uint(1)).decode("utf-8"))
        elif code == 0x58:                                  # X BINUNICODE
            push(r.take(r.uint(4)).decode("utf-8"))
        elif code == 0x8D:                                  # BINUNICODE8
            push(r.take(r.uint(8)).decode("utf-8"))
        elif code == 0x8A or code == 0x8B:                  # LONG1, LONG4
            size = r.uint(1 if code == 0x8A else 4)
            push(int.from_bytes(r.take(size), "little", signed=True))
        elif code == 0x47:                                  # G BINFLOAT
            push(struct.unpack(">d", r.take(8))[0])
        elif code == 0x4E:                                  # N NONE
            push(None)
        elif code == 0x88:                                  # NEWTRUE
            push(True)
        elif code == 0x89:                                  # NEWFALSE
            push(False)
        elif code == 0x80:                                  # PROTO
            r.take(1)
        elif code == 0x95:                                  # FRAME
            r.take(8)
        elif code == 0x63:                                  # c GLOBAL
            module = r.line()
            push(_Global(module, r.line()))
        elif code == 0x93:                                  # STACK_GLOBAL
            attr, module = stack.pop(), stack.pop()
            if not (isinstance(attr, str) and isinstance(module, str)):
                raise ValueError("Malformed pickle: STACK_GLOBAL of non-strings.")
            push(_Global(module, attr))
        elif code == 0x52:                                  # R REDUCE
            args, func = stack.pop(), stack.pop()
            push(_reduce(func, args))
        elif code == 0x62:                                  # b BUILD
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
            push(built)
        elif code == 0x2E:                                  # . STOP
            if len(stack) != 1 or isinstance(stack[0], (_ArrayStub, _DtypeStub, _Global)) \
                    or stack[0] is _MARK:
                raise ValueError("Malformed pickle.")
            return stack[0]
        else:
            raise ValueError(f"Unsupported pickle opcode {bytes([code])!r} at byte "
                             f"{r.pos - 1}: only NumPy array data is accepted (ckeras never "
                             "runs code from a data file).")
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

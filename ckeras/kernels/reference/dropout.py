"""NumPy reference of the dropout masks (``ckeras._ext._dropout``): the
same counter-based generator (csrc/ck_dropout.h), vectorized over the
elements of a call, so both give the same masks from the same state."""
import numpy as np

__all__ = ["dropout_mask"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def dropout_mask(state, rate, shape, dtype):
    """A new `shape` array of `dtype`: 0 where dropped, 1/(1-rate) where
    kept, from `state` ([key, counter] uint64), whose counter advances."""
    if not (isinstance(state, np.ndarray) and state.dtype == np.uint64 and state.shape == (2,)
            and state.flags.c_contiguous and state.flags.writeable):
        raise ValueError("state must be a writable C-contiguous uint64 array of shape (2,)")
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    shape = tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in shape {shape}")
    n = int(np.prod(shape, dtype=np.int64))
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64) + state[1]
        bits = _splitmix(state[0] + i * _GOLDEN)
    if dtype == "float32":
        u = (bits >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
        keep = u >= np.float32(rate)
        scale = np.float32(1.0 / (1.0 - rate))
    else:
        u = (bits >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
        keep = u >= rate
        scale = np.float64(1.0 / (1.0 - rate))
    out = np.zeros(n, dtype)
    out[keep] = scale
    state[1] += np.uint64(n)
    return out.reshape(shape)

"""Shape manipulation: reshape, transpose, indexing."""
import math

import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import kernels


class Reshape(Function):
    def forward(self, a):
        self.src = a.shape
        return np.reshape(a, self.shape)

    def backward(self, g):
        return g.reshape(self.src)


class Transpose(Function):
    """`axes=None` reverses the axes, as numpy.transpose does."""

    def forward(self, a):
        return np.transpose(a, self.axes)

    def backward(self, g):
        if self.axes is None:
            return np.transpose(g)
        return np.transpose(g, np.argsort(self.axes))


class GetItem(Function):
    """`x[key]`; the backward scatters into zeros (repeated indices add up)."""

    def forward(self, a):
        self.src = (a.shape, a.dtype)
        return a[self.key]

    def backward(self, g):
        out = np.zeros(*self.src)
        np.add.at(out, self.key, g)
        return out


def _axis_index(axis, ndim):
    return int(axis) % ndim if ndim else 0


class Concatenate(Function):
    """Joins arrays along `axis`; shapes must agree elsewhere."""

    def forward(self, *arrays):
        arrays = [np.asarray(a) for a in arrays]
        if not arrays:
            raise ValueError("K.concatenate: `tensors` must be a non-empty list.")
        nd = arrays[0].ndim
        if any(a.ndim != nd for a in arrays) or nd == 0:
            raise ValueError(
                "K.concatenate: all `tensors` must have the same rank (at least 1); "
                f"received shapes {[a.shape for a in arrays]}.")
        ax = _axis_index(self.axis, nd)
        ref = arrays[0].shape
        for a in arrays[1:]:
            if a.shape[:ax] != ref[:ax] or a.shape[ax + 1:] != ref[ax + 1:]:
                raise ValueError(
                    "K.concatenate: `tensors` must have matching shapes except along "
                    f"axis={self.axis}; received shapes {[b.shape for b in arrays]}.")
        self.ax = ax
        self.sizes = [a.shape[ax] for a in arrays]
        self.dtypes = [a.dtype for a in arrays]
        return np.concatenate(arrays, axis=ax)

    def backward(self, g):
        bounds = np.cumsum(self.sizes)[:-1]
        parts = np.split(g, bounds, axis=self.ax)
        return tuple(p.astype(dt, copy=False) if np.issubdtype(dt, np.floating) else None
                     for p, dt in zip(parts, self.dtypes))


class Stack(Function):
    """Stacks same-shape arrays along a new `axis`."""

    def forward(self, *arrays):
        arrays = [np.asarray(a) for a in arrays]
        if not arrays:
            raise ValueError("K.stack: `x` must be a non-empty list of tensors.")
        if any(a.shape != arrays[0].shape for a in arrays):
            raise ValueError(
                "K.stack: all tensors in `x` must have the same shape; received "
                f"shapes {[a.shape for a in arrays]}.")
        self.ax = _axis_index(self.axis, arrays[0].ndim + 1)
        return np.stack(arrays, axis=self.ax)

    def backward(self, g):
        return tuple(np.take(g, i, axis=self.ax) for i in range(g.shape[self.ax]))


class ExpandDims(Function):
    def forward(self, a):
        self.src = a.shape
        return np.expand_dims(a, self.axis)

    def backward(self, g):
        return g.reshape(self.src)


class Squeeze(Function):
    """Removes one axis, which must have size 1."""

    def forward(self, a):
        nd = a.ndim
        if not -nd <= self.axis < nd:
            raise ValueError(
                f"K.squeeze: `axis`={self.axis} is out of range for a tensor of "
                f"rank {nd} (shape {a.shape}).")
        if a.shape[self.axis] != 1:
            raise ValueError(
                f"K.squeeze: `axis`={self.axis} has size {a.shape[self.axis]}; only an "
                f"axis of size 1 can be squeezed (shape {a.shape}).")
        self.src = a.shape
        return np.squeeze(a, axis=self.axis)

    def backward(self, g):
        return g.reshape(self.src)


class Flip(Function):
    """Reverses the order of elements along `axes` (K.reverse)."""

    def forward(self, a):
        return np.flip(a, self.axes)

    def backward(self, g):
        return np.flip(g, self.axes)


class Tile(Function):
    """np.tile(a, reps); the backward folds the copies back onto `a`."""

    def forward(self, a):
        self.src = a.shape
        return np.tile(a, self.reps)

    def backward(self, g):
        reps = tuple(self.reps) if isinstance(self.reps, (tuple, list)) else (self.reps,)
        shape = self.src
        n = max(len(reps), len(shape))
        reps = (1,) * (n - len(reps)) + reps
        full = (1,) * (n - len(shape)) + tuple(shape)
        inter = []
        for r, s in zip(reps, full):
            inter += [r, s]
        g = g.reshape(inter).sum(axis=tuple(range(0, 2 * n, 2)))
        return g.reshape(shape)


class RepeatElements(Function):
    """np.repeat(a, rep, axis): each element repeated `rep` times along `axis`."""

    def forward(self, a):
        self.src = a.shape
        self.ax = _axis_index(self.axis, a.ndim)
        return np.repeat(a, self.rep, axis=self.ax)

    def backward(self, g):
        ax, s = self.ax, self.src
        return g.reshape(s[:ax] + (s[ax], self.rep) + s[ax + 1:]).sum(axis=ax + 1)


class BatchFlatten(Function):
    """(B, ...) -> (B, prod(...))."""

    def forward(self, a):
        self.src = a.shape
        if a.ndim == 0:
            raise ValueError("K.batch_flatten: `x` must have a batch axis (rank >= 1).")
        n = 1
        for d in a.shape[1:]:
            n *= d
        return np.reshape(a, (a.shape[0], n))

    def backward(self, g):
        return g.reshape(self.src)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Gather(Function):
    """`reference[indices]` along axis 0; indices may be float (cast to int)."""

    def forward(self, ref, indices):
        idx = np.asarray(indices)
        if idx.dtype.kind != "i":
            idx = idx.astype(np.intp)
        n = ref.shape[0]
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)].ravel()[0]
            raise ValueError(
                f"K.gather: `indices` contains {bad}, outside the valid range "
                f"[0, {n}) of `reference` axis 0 (shape {ref.shape}).")
        self.idx, self.src = idx, (ref.shape, ref.dtype)
        return np.take(ref, idx, axis=0)

    def backward(self, g):
        shape, dtype = self.src
        rows = shape[1:]
        if g.dtype == dtype and dtype in _FLOATS:
            # the rows' sums in the order np.add.at adds them, in one C pass
            ids = np.ascontiguousarray(self.idx.ravel(), dtype=np.intp)
            g2 = np.ascontiguousarray(g).reshape(ids.shape[0], math.prod(rows))
            return kernels().embedding_bwd(ids, g2, shape[0]).reshape(shape), None
        out = np.zeros(shape, dtype)
        np.add.at(out, self.idx.ravel(), g.reshape((-1,) + rows))
        return out, None


class OneHot(Function):
    """One-hot encoding along a new last axis (float); out-of-range rows are zero."""

    def forward(self, indices):
        idx = np.asarray(indices)
        if idx.dtype.kind not in "iu":
            idx = idx.astype(np.int64)
        return (idx[..., None] == np.arange(self.num_classes)).astype(self.dtype)

    def backward(self, g):
        return None


class Shape(Function):
    """The runtime shape as an int32 vector (no gradient)."""

    def forward(self, a):
        return np.array(np.shape(a), dtype=np.int32)

    def backward(self, g):
        return None


class FillLike(Function):
    """An array of `value` with the shape of the input (zeros_like/ones_like)."""

    def forward(self, a):
        a = np.asarray(a)
        return np.full(a.shape, self.value, dtype=self.dtype or a.dtype)

    def backward(self, g):
        return None


class StopGradient(Function):
    """Identity in the forward pass; blocks the gradient."""

    def forward(self, a):
        return a

    def backward(self, g):
        return None


class PrintTensor(Function):
    """Identity that prints `message` and the value when it runs."""

    def forward(self, a):
        print(self.message, a)
        return a

    def backward(self, g):
        return g

"""Matrix products."""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.autograd.functions._util import unbroadcast


class MatMul(Function):
    """`a @ b` with numpy.matmul semantics (1-D operands, batch broadcasting)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        a, b = np.asarray(self.a), np.asarray(self.b)
        need = self.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if need[0]:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if need[1]:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


class Dot(Function):
    """Keras `K.dot`: contracts the last axis of `a` with the second-to-last of `b`.

    `(2, 3) . (4, 3, 5) -> (2, 4, 5)`; a 1-D `b` contracts its only axis. For
    2-D operands this is the matrix product.
    """

    def forward(self, a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"K.dot: `x` and `y` must have rank >= 1; got shapes {a.shape} and {b.shape}.")
        k = a.shape[-1]
        kb = b.shape[-2] if b.ndim >= 2 else b.shape[0]
        if k != kb:
            raise ValueError(
                f"K.dot: last axis of `x` ({k}) must match the "
                f"{'second-to-last' if b.ndim >= 2 else 'only'} axis of `y` ({kb}); "
                f"got shapes {a.shape} and {b.shape}.")
        self.a, self.b = a, b
        if a.ndim <= 2 and b.ndim <= 2:
            return np.dot(a, b)
        a2 = a.reshape(-1, k)
        bm = np.moveaxis(b, -2, 0) if b.ndim >= 2 else b
        self.bm_shape = bm.shape
        b2 = bm.reshape(k, -1)
        self.a2, self.b2 = a2, b2
        return (a2 @ b2).reshape(a.shape[:-1] + bm.shape[1:])

    def backward(self, g):
        a, b = self.a, self.b
        need = self.needs_input_grad
        if a.ndim <= 2 and b.ndim <= 2:
            ga = gb = None
            if a.ndim == 2 and b.ndim == 2:
                ga = g @ b.T if need[0] else None
                gb = a.T @ g if need[1] else None
            elif a.ndim == 1 and b.ndim == 2:
                ga = b @ g if need[0] else None
                gb = np.outer(a, g) if need[1] else None
            elif a.ndim == 2:
                ga = np.outer(g, b) if need[0] else None
                gb = a.T @ g if need[1] else None
            else:
                ga = g * b if need[0] else None
                gb = g * a if need[1] else None
            return ga, gb
        g2 = g.reshape(self.a2.shape[0], self.b2.shape[1])
        ga = (g2 @ self.b2.T).reshape(a.shape) if need[0] else None
        gb = None
        if need[1]:
            gb = (self.a2.T @ g2).reshape(self.bm_shape)
            if b.ndim >= 2:
                gb = np.moveaxis(gb, 0, -2)
        return ga, gb


class BatchDot(Function):
    """Keras `K.batch_dot`: per-sample dot of `a` axis ax0 with `b` axis ax1.

    Result: (B,) + a's other axes + b's other axes; a rank-1 result becomes (B, 1).
    `axes` must already be resolved to a pair of non-negative ints.
    """

    def forward(self, a, b):
        ax0, ax1 = self.axes
        B = a.shape[0]
        xm = np.moveaxis(a, ax0, -1)
        ym = np.moveaxis(b, ax1, 1)
        self.xm_shape, self.ym_shape = xm.shape, ym.shape
        x3 = xm.reshape(B, -1, xm.shape[-1])
        y3 = ym.reshape(B, ym.shape[1], -1)
        self.x3, self.y3 = x3, y3
        out = np.matmul(x3, y3)
        shape = (B,) + xm.shape[1:-1] + ym.shape[2:]
        if len(shape) == 1:
            shape = (B, 1)
        return out.reshape(shape)

    def backward(self, g):
        x3, y3 = self.x3, self.y3
        g3 = g.reshape(x3.shape[0], x3.shape[1], y3.shape[2])
        need = self.needs_input_grad
        ga = gb = None
        if need[0]:
            ga = np.moveaxis(np.matmul(g3, np.swapaxes(y3, 1, 2)).reshape(self.xm_shape),
                             -1, self.axes[0])
        if need[1]:
            gb = np.moveaxis(np.matmul(np.swapaxes(x3, 1, 2), g3).reshape(self.ym_shape),
                             1, self.axes[1])
        return ga, gb


def _einsum_specs(equation, a_ndim, b_ndim):
    """`(a, b, out)` index strings of a two-operand einsum, '...' spelled out
    with upper-case letters (the parts of `equation` are lower/upper-case)."""
    eq = equation.replace(" ", "")
    if "->" not in eq or eq.count(",") != 1:
        raise ValueError(f"Einsum: expected an equation 'ab,bc->ac' with two operands and an "
                         f"explicit output; received {equation!r}.")
    ins, out = eq.split("->")
    a, b = ins.split(",")
    used = set(eq)
    spare = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in used]
    width = max(ndim - (len(s) - 3) if "..." in s else 0
                for s, ndim in ((a, a_ndim), (b, b_ndim)))
    ell = "".join(spare[:width][::-1])

    def expand(s, ndim=None):
        if "..." not in s:
            return s
        n = (ndim - (len(s) - 3)) if ndim is not None else width
        return s.replace("...", ell[width - n:] if n else "")
    a, b, out = expand(a, a_ndim), expand(b, b_ndim), expand(out)
    for s in (a, b, out):
        if len(set(s)) != len(s):
            raise ValueError(f"Einsum: repeated indices within one operand (diagonals) are "
                             f"not supported; received {equation!r}.")
    return a, b, out


def contract(a, sa, b, sb, so):
    """`np.einsum(f"{sa},{sb}->{so}", a, b)` as one batched matmul (NumPy's
    optimized einsum plans each call anew, ~10 ms for an attention
    projection). Indices shared by both operands and the output are batch
    axes (broadcast like matmul's), shared ones absent from the output are
    contracted, an index of one operand only is summed first."""
    for name in ("a", "b"):
        x, s, other = (a, sa, sb) if name == "a" else (b, sb, sa)
        alone = [c for c in s if c not in other and c not in so]
        if alone:
            x = x.sum(axis=tuple(s.index(c) for c in alone))
            s = "".join(c for c in s if c not in alone)
            a, sa = (x, s) if name == "a" else (a, sa)
            b, sb = (x, s) if name == "b" else (b, sb)
    batch = [c for c in so if c in sa and c in sb]
    contr = [c for c in sa if c in sb and c not in so]
    free_a = [c for c in so if c in sa and c not in sb]
    free_b = [c for c in so if c in sb and c not in sa]
    at = a.transpose([sa.index(c) for c in batch + free_a + contr])
    bt = b.transpose([sb.index(c) for c in batch + contr + free_b])
    nb = len(batch)
    dims_a = at.shape[nb:nb + len(free_a)]
    dims_b = bt.shape[nb + len(contr):]
    k = int(np.prod(at.shape[nb + len(free_a):], dtype=np.int64))
    r = np.matmul(at.reshape(at.shape[:nb] + (int(np.prod(dims_a, dtype=np.int64)), k)),
                  bt.reshape(bt.shape[:nb] + (k, int(np.prod(dims_b, dtype=np.int64)))))
    r = r.reshape(r.shape[:nb] + dims_a + dims_b)
    order = batch + free_a + free_b
    return r.transpose([order.index(c) for c in so])


def _einsum_grad(g, g_spec, other, other_spec, target_spec, target_shape):
    """The gradient of one operand: contract `g` with the other operand onto
    the target's indices; an index summed in the target alone is broadcast."""
    have = set(g_spec) | set(other_spec)
    kept = "".join(c for c in target_spec if c in have)
    res = contract(g, g_spec, other, other_spec, kept)
    if kept != target_spec:
        shape = [target_shape[i] if c in have else 1 for i, c in enumerate(target_spec)]
        res = np.broadcast_to(res.reshape(shape), target_shape)
    return unbroadcast(np.ascontiguousarray(res), target_shape)


class Einsum(Function):
    """`np.einsum(equation, a, b)` of two operands, with its gradient.

    Attributes set by `apply`: `equation` ('abc,cd->abd', '...' allowed, the
    output given explicitly). Broadcast size-1 axes are reduced back in the
    gradient.
    """

    def forward(self, a, b):
        a, b = np.asarray(a), np.asarray(b)
        self.specs = _einsum_specs(self.equation, a.ndim, b.ndim)
        sa, sb, so = self.specs
        self.a, self.b = a, b
        return np.ascontiguousarray(contract(a, sa, b, sb, so))

    def backward(self, g):
        sa, sb, so = self.specs
        need = self.needs_input_grad
        ga = _einsum_grad(g, so, self.b, sb, sa, self.a.shape) if need[0] else None
        gb = _einsum_grad(g, so, self.a, sa, sb, self.b.shape) if need[1] else None
        return ga, gb

"""Unshared convolution (LocallyConnected1D/2D) as a gather and batched GEMMs.

Every output position `p` reads a fixed list of `K` entries of the flat input
(`patch[p]`, the index `in_size` meaning a zero) and owns a `(K, F)` weight
matrix gathered from the layer's kernel through `wmap[p]` (-1 meaning zero).
The three Keras implementations differ only in how their kernels are laid
out, so all of them run through these maps: one forward and one backward.
"""
import numpy as np

from ckeras.autograd.function import Function


def scatter_plan(patch):
    """Sort order, segment starts and targets that sum the rows of a
    `(P * K, ...)` array sharing a `patch` entry (computed once per layer)."""
    index = patch.ravel()
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    starts = np.flatnonzero(np.r_[True, sorted_index[1:] != sorted_index[:-1]])
    return order, starts, sorted_index[starts]


class LocalConv(Function):
    """`y[n, p, f] = sum_k x[n, patch[p, k]] * kernel.flat[wmap[p, k, f]]`.

    Inputs: `x` of shape `(N, in_size)` and the kernel (any shape). Attributes:
    `patch` `(P, K)` int array, `wmap` `(P, K, F)` int array, `scatter` the
    `scatter_plan(patch)`. Output `(N, P, F)`.
    """

    def forward(self, x, kernel):
        n = x.shape[0]
        self.xz = np.concatenate([x, np.zeros((n, 1), x.dtype)], axis=1)
        kz = np.append(kernel.ravel(), kernel.dtype.type(0))
        self.kernel_shape = kernel.shape
        self.w = kz[self.wmap]                                    # (P, K, F)
        self.xp = self.xz[:, self.patch].transpose(1, 0, 2)       # (P, N, K)
        return np.matmul(self.xp, self.w).transpose(1, 0, 2)

    def backward(self, g):
        gp = np.ascontiguousarray(g.transpose(1, 0, 2))          # (P, N, F)
        gx = gk = None
        if self.needs_input_grad[0]:
            dxp = np.matmul(gp, self.w.transpose(0, 2, 1))        # (P, N, K)
            rows = dxp.transpose(0, 2, 1).reshape(-1, gp.shape[1])
            order, starts, targets = self.scatter
            summed = np.add.reduceat(rows[order], starts, axis=0)
            gxt = np.zeros((self.xz.shape[1], gp.shape[1]), g.dtype)
            gxt[targets] = summed
            gx = np.ascontiguousarray(gxt[:-1].T)
        if self.needs_input_grad[1]:
            dw = np.matmul(self.xp.transpose(0, 2, 1), gp)        # (P, K, F)
            flat = np.zeros(int(np.prod(self.kernel_shape)) + 1, g.dtype)
            # wmap is one-to-one on the real weights; every -1 lands on the
            # discarded last slot.
            flat[self.wmap.ravel()] = dw.ravel()
            gk = flat[:-1].reshape(self.kernel_shape)
        return gx, gk

"""Layer normalization over the last axis as one Function over its kernel."""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import kernels


class LayerNorm(Function):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta` over the last axis
    of x, per row; gamma and beta (the last axis' size) may be None.

    Inputs x, gamma, beta; attribute `epsilon`. The statistics are the
    kernel's, saved for the backward (no intermediate array per op).
    """

    epsilon = 1e-3

    def forward(self, x, gamma, beta):
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        self.shape = x.shape
        self.x = np.ascontiguousarray(x, dtype=dtype).reshape(-1, x.shape[-1])
        self.gamma = None if gamma is None else np.ascontiguousarray(gamma, dtype=dtype)
        self.with_beta = beta is not None
        beta = None if beta is None else np.ascontiguousarray(beta, dtype=dtype)
        y, self.mean, self.rstd = kernels().layer_norm_fwd(self.x, self.gamma, beta,
                                                           float(self.epsilon))
        return y.reshape(self.shape)

    def backward(self, g):
        dy = np.ascontiguousarray(g, dtype=self.x.dtype).reshape(self.x.shape)
        dx, dgamma, dbeta = kernels().layer_norm_bwd(self.x, self.gamma, self.mean,
                                                     self.rstd, dy, self.with_beta)
        return dx.reshape(self.shape), dgamma, dbeta

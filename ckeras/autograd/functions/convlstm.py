"""The ConvLSTM recurrence over a whole sequence: one tape node per layer call.

Inputs (xz, recurrent_kernel, h0, c0): xz (N, T, *S, 4F) is the input
convolution of every timestep with its bias (the caller computes it, one
batched convolution over N*T frames), the recurrent kernel (*K, F, 4F) and
the initial states (N, *S, F), channels_last, 1 to 3 spatial axes.
Attributes: ``mask`` (N, T) bool or None, ``rmask`` (4, N, *S, F) recurrent
dropout masks or None, ``go_backwards``, ``return_sequences``, ``act`` and
``ract`` (codes of ``ckeras.kernels.codes.Act``). Outputs (output, h_T,
c_T), the output being the (N, T, *S, F) sequence in processing order or
the last output.

``overwrite_xz`` lets the forward write the activated gates over xz's
array (the layer sets it: its xz is a fresh intermediate nothing else
reads), saving an array of xz's size.

Keras' rule at masked steps: the states are carried and the output repeats
the previous output, zero before the first unmasked step.
"""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import kernels
from ckeras.kernels.codes import Act

__all__ = ["ConvLSTMSequence"]


class ConvLSTMSequence(Function):
    """ConvLSTM over a sequence: inputs (xz, recurrent_kernel, h0, c0), outputs
    (output, h_T, c_T); gate order [i, f, c, o]."""

    mask = None
    rmask = None
    go_backwards = False
    return_sequences = False
    act = Act.TANH
    ract = Act.HARD_SIGMOID
    overwrite_xz = False

    def forward(self, xz, R, h0, c0):
        dt = xz.dtype if xz.dtype.kind == "f" else np.dtype("float32")
        self.dtype = dt
        xz, R, h0, c0 = (np.ascontiguousarray(a, dtype=dt) for a in (xz, R, h0, c0))
        self.m = self.seen = None
        if self.mask is not None:
            m = np.ascontiguousarray(self.mask, dtype=bool)
            if not m.all():
                self.m = m
                order = m[:, ::-1] if self.go_backwards else m
                seen = np.logical_or.accumulate(order, axis=1)
                if not seen.all():
                    self.seen = seen.reshape(seen.shape + (1,) * (xz.ndim - 2)).astype(dt)
        rm = None if self.rmask is None else np.ascontiguousarray(self.rmask, dtype=dt)
        self.rm = rm
        H, C, G = kernels().convlstm_fwd(xz, R, h0, c0, self.m, rm, self.go_backwards,
                                         self.act, self.ract,
                                         overwrite_xz=bool(self.overwrite_xz))
        if self.needs_input_grad is not None:
            self.saved = (R, h0, c0, G, H, C)
        out = H if self.seen is None else H * self.seen
        if not self.return_sequences:
            out = np.ascontiguousarray(out[:, -1])
        return out, np.ascontiguousarray(H[:, -1]), np.ascontiguousarray(C[:, -1])

    def backward(self, gO, gh, gc):
        R, h0, c0, G, H, C = self.saved
        dt = self.dtype
        dh = np.array(gh, dtype=dt, copy=True)
        if self.return_sequences:
            dH = gO if self.seen is None else gO * self.seen
            dH = np.ascontiguousarray(dH, dtype=dt)
        else:
            dH = None
            dh += gO if self.seen is None else gO * self.seen[:, -1]
        need = self.needs_input_grad or (True,) * 4
        dxz, dR, dh0, dc0 = kernels().convlstm_bwd(
            R, h0, c0, self.m, self.rm, self.go_backwards, self.act, self.ract, G, H, C,
            dH, dh, np.ascontiguousarray(gc, dtype=dt), need_dxz=bool(need[0]),
            need_dR=bool(need[1]), need_dh0=bool(need[2]))
        return dxz, dR, dh0, dc0

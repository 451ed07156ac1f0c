"""The ConvLSTM recurrence over a whole sequence: one tape node per layer call.

`ConvLSTMConvSequence` takes the input and the kernel and runs the input
convolution inside the C time loop (no (N, T, *S, 4F) projection array, and
one GEMM a step gives the kernel, bias and recurrent gradients together).
Attributes: ``mask`` (N, T) bool or None, ``rmask`` (4, N, *S, F) recurrent
dropout masks or None, ``go_backwards``, ``return_sequences``, ``act`` and
``ract`` (codes of ``ckeras.kernels.codes.Act``). Outputs (output, h_T,
c_T), the output being the (N, T, *S, F) sequence in processing order or
the last output.

Keras' rule at masked steps: the states are carried and the output repeats
the previous output, zero before the first unmasked step.
"""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.autograd.functions.conv import conv_pads
from ckeras.kernels import kernels
from ckeras.kernels.codes import Act

__all__ = ["ConvLSTMConvSequence"]


class _Recurrence(Function):
    """The recurrence's attributes and its output and mask rules."""

    mask = None
    rmask = None
    go_backwards = False
    return_sequences = False
    act = Act.TANH
    ract = Act.HARD_SIGMOID

    def _masks(self, dt, ndim):
        """The kernel's step mask and recurrent-dropout masks; `seen` zeroes
        the outputs before a sample's first unmasked step."""
        self.m = self.seen = None
        if self.mask is not None:
            m = np.ascontiguousarray(self.mask, dtype=bool)
            if not m.all():
                self.m = m
                order = m[:, ::-1] if self.go_backwards else m
                seen = np.logical_or.accumulate(order, axis=1)
                if not seen.all():
                    self.seen = seen.reshape(seen.shape + (1,) * (ndim - 2)).astype(dt)
        self.rm = None if self.rmask is None else np.ascontiguousarray(self.rmask, dtype=dt)

    def _outputs(self, H, C):
        out = H if self.seen is None else H * self.seen
        if not self.return_sequences:
            out = np.ascontiguousarray(out[:, -1])
        return out, np.ascontiguousarray(H[:, -1]), np.ascontiguousarray(C[:, -1])

    def _state_grads(self, gO, gh):
        """(dH, dh): the output gradient as the kernels take it."""
        dt = self.dtype
        dh = np.array(gh, dtype=dt, copy=True)
        if self.return_sequences:
            dH = gO if self.seen is None else gO * self.seen
            return np.ascontiguousarray(dH, dtype=dt), dh
        dh += gO if self.seen is None else gO * self.seen[:, -1]
        return None, dh


class ConvLSTMConvSequence(_Recurrence):
    """ConvLSTM over a sequence with its input convolution: inputs (x, kernel,
    recurrent_kernel, h0, c0[, bias]), outputs (output, h_T, c_T).

    x (N, T, *Sx, Cin) channels_last; kernel (*K, Cin, 4F); the states
    (N, *S, F) with S the input convolution's output sizes. Attributes as
    in the module docstring, plus ``strides``, ``dilations``, ``padding`` ('valid'
    or 'same') of the input convolution and ``xmask`` (4, N, *Sx, Cin) or
    None: input dropout, gate g convolving x * xmask[g] at every step.
    """

    xmask = None

    def forward(self, x, W, R, h0, c0, b=None):
        dt = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
        self.dtype = dt
        x, W, R, h0, c0 = (np.ascontiguousarray(a, dtype=dt) for a in (x, W, R, h0, c0))
        b = None if b is None else np.ascontiguousarray(b, dtype=dt)
        rank = x.ndim - 3
        pads, _ = conv_pads(x.shape[2:-1], W.shape[:rank], self.strides, self.dilations,
                            self.padding)
        self.geom = (tuple(self.strides), tuple(self.dilations), tuple(p[0] for p in pads))
        self._masks(dt, x.ndim)
        self.xm = None if self.xmask is None else np.ascontiguousarray(self.xmask, dtype=dt)
        taped = self.needs_input_grad is not None
        H, C, G = kernels().convlstm_fwdx(x, W, b, R, h0, c0, self.m, self.xm, self.rm,
                                          self.go_backwards, self.act, self.ract, *self.geom,
                                          need_gates=taped)
        if taped:
            self.saved = (x, W, b, R, h0, c0, G, H, C)
        return self._outputs(H, C)

    def backward(self, gO, gh, gc):
        x, W, b, R, h0, c0, G, H, C = self.saved
        dH, dh = self._state_grads(gO, gh)
        need = self.needs_input_grad or (True,) * 6
        need_w = bool(need[1] or need[2] or (len(need) > 5 and need[5]))
        dx, dW, db, dR, dh0, dc0 = kernels().convlstm_bwdx(
            x, W, b, R, h0, c0, self.m, self.xm, self.rm, self.go_backwards, self.act,
            self.ract, *self.geom, G, H, C, dH, dh, np.ascontiguousarray(gc, dtype=self.dtype),
            need_dx=bool(need[0]), need_dW=need_w, need_dh0=bool(need[3]))
        return (dx, dW, dR, dh0, dc0, db)[:len(need)]

"""Whole-sequence recurrent Functions: one tape node per layer call.

Each runs the C time loop (or its NumPy reference, through
``ckeras.kernels``) over the full sequence and backpropagates
through time in one call. Inputs: x (B,T,F), kernel, recurrent_kernel, bias
(or None), initial states (B,u). Attributes: ``mask`` (B,T) bool or None,
``go_backwards``, ``return_sequences``, ``act``/``ract`` (elementwise
activation codes of ``ckeras.kernels.codes.Act``), ``reset_after`` (GRU),
and the dropout masks of the call (training): ``dpx`` (gates,B,F) on the
inputs and ``dph`` (gates,B,u) on the previous output, one per gate in the
weights' gate order (4 LSTM, 3 GRU, 1 SimpleRNN), or None; they are
constants (no gradient). A ``dpx`` of shape (1,B,F) is one input mask
shared by every gate (tf-keras' implementation=2): it scales x once, and
the kernel runs its plain input projection.
Outputs: (output, *final_states), where output is the (B,T,u) sequence in
processing order or the (B,u) last output.

Keras semantics at masked steps: the states are carried, and the output
repeats the previous output, which is zero before the first unmasked step
(so it can differ from the carried initial state there); with the attribute
``zero_output_for_mask`` (set by Bidirectional) it is zero at every masked step.
"""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import kernels
from ckeras.kernels.codes import Act

__all__ = ["LSTMSequence", "GRUSequence", "SimpleRNNSequence", "lstm_infer"]

# From this batch size up, LSTM inference steps in the transposed layout
# (gate rows of B values, one GEMM for the input and recurrent products);
# below it OpenBLAS runs that product with few columns slowly and the
# batch-major rows win (LSTM(128), 50 steps: batch 12 1.18 vs 1.40 ms,
# batch 16 2.05 vs 1.86 ms).
_TRANSPOSED_MIN_BATCH = 16


def lstm_infer(x, W, R, b, h0, c0, mask, go_backwards, act, ract, return_sequences):
    """The inference kernel of `LSTMSequence` (no gates saved; nothing will
    call backward): (H or None, h_T, c_T) from arrays of one float dtype,
    C-contiguous, and the kernel's transposed layout from
    `_TRANSPOSED_MIN_BATCH` on. The predict replay of a plain LSTM
    (`LSTM.replay_infer`) calls it with the same arguments as the layer's
    call, so the two give the same bits."""
    return kernels().lstm_infer(x, W, R, b, h0, c0, mask, go_backwards, act, ract,
                                return_sequences, x.shape[0] >= _TRANSPOSED_MIN_BATCH)


def _arr(a, dtype):
    if a is None:
        return None
    return np.ascontiguousarray(a, dtype=dtype)


class _Sequence(Function):
    mask = None
    go_backwards = False
    return_sequences = False
    zero_output_for_mask = False
    act = Act.TANH
    ract = Act.SIGMOID
    dpx = None
    dph = None
    n_states = 1

    def _prepare(self, x, arrays):
        dt = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
        self.dtype = dt
        out = [_arr(a, dt) for a in (x,) + tuple(arrays)]
        m = self.mask
        self.m = None
        self.seen = None
        if m is not None:
            m = np.ascontiguousarray(m, dtype=bool)
            B, T = out[0].shape[:2]
            if m.shape != (B, T):
                raise ValueError(f"mask has shape {m.shape}, expected ({B}, {T})")
            if not m.all():
                self.m = m
                order = m[:, ::-1] if self.go_backwards else m
                # the output at a masked step: zero, or the previous output
                seen = order if self.zero_output_for_mask else \
                    np.logical_or.accumulate(order, axis=1)
                if not seen.all():
                    self.seen = seen[:, :, None].astype(dt)
        dpx = _arr(self.dpx, dt)
        self.x_mask = None
        if dpx is not None and dpx.shape[0] == 1:
            self.x_mask = dpx[0][:, None, :]
            out[0] = np.ascontiguousarray(out[0] * self.x_mask)
            dpx = None
        self.dropout = dict(dpx=dpx, dph=_arr(self.dph, dt))
        return out

    def _dx(self, dx):
        """The gradient on x of the kernel's (masked) input."""
        return dx if dx is None or self.x_mask is None else dx * self.x_mask

    def _output(self, H):
        out = H if self.seen is None else H * self.seen
        return out if self.return_sequences else np.ascontiguousarray(out[:, -1])

    def _out_grads(self, gO, gh):
        """(dH or None, dh): the output's gradient routed onto H and h_T."""
        dt = self.dtype
        gh = np.array(gh, dtype=dt, copy=True)
        if self.return_sequences:
            dH = gO if self.seen is None else gO * self.seen
            return np.ascontiguousarray(dH, dtype=dt), gh
        gO = gO if self.seen is None else gO * self.seen[:, -1]
        return None, np.ascontiguousarray(gh + gO, dtype=dt)

    def _needs(self):
        need = self.needs_input_grad or (True,) * 6
        return dict(need_dx=bool(need[0]), need_dW=bool(need[1]), need_dR=bool(need[2]),
                    need_db=bool(need[3]) and self.has_b, **self.dropout)


class LSTMSequence(_Sequence):
    """LSTM over a whole sequence: inputs (x, kernel, recurrent_kernel, bias, h0, c0),
    outputs (output, h_T, c_T). Gate order [i, f, c, o] as in Keras."""

    n_states = 2

    def forward(self, x, W, R, b, h0, c0):
        x, W, R, b, h0, c0 = self._prepare(x, (W, R, b, h0, c0))
        self.has_b = b is not None
        if self.needs_input_grad is None and self.dpx is None and self.dph is None:
            return self._infer(x, W, R, b, h0, c0)
        H, C, G = kernels().lstm_fwd(x, W, R, b, h0, c0, self.m, self.go_backwards,
                                     self.act, self.ract, **self.dropout)
        self.saved = (x, W, R, h0, c0, G, H, C)
        return self._output(H), np.ascontiguousarray(H[:, -1]), np.ascontiguousarray(C[:, -1])

    def _infer(self, x, W, R, b, h0, c0):
        """Nothing will call backward (no tape): the kernel that saves no gates."""
        H, h, c = lstm_infer(x, W, R, b, h0, c0, self.m, self.go_backwards, self.act,
                             self.ract, self.return_sequences)
        if self.return_sequences:
            return self._output(H), h, c
        out = h if self.seen is None else h * self.seen[:, -1]
        return out, h, c

    def backward(self, gO, gh, gc):
        x, W, R, h0, c0, G, H, C = self.saved
        dH, dh = self._out_grads(gO, gh)
        dc = np.ascontiguousarray(gc, dtype=self.dtype)
        dx, dW, dR, db, dh0, dc0 = kernels().lstm_bwd(
            x, W, R, h0, c0, self.m, self.go_backwards, self.act, self.ract, G, H, C,
            dH, dh, dc, **self._needs())
        return self._dx(dx), dW, dR, db, dh0, dc0


class GRUSequence(_Sequence):
    """GRU over a whole sequence: inputs (x, kernel, recurrent_kernel, bias, h0),
    outputs (output, h_T). Gate order [z, r, h]; ``reset_after`` selects the
    (2,3u)-bias variant (TF2 default) or the (3u,)-bias one."""

    reset_after = True

    def forward(self, x, W, R, b, h0):
        x, W, R, b, h0 = self._prepare(x, (W, R, b, h0))
        self.has_b = b is not None
        H, G, HZH = kernels().gru_fwd(x, W, R, b, h0, self.m, self.go_backwards,
                                      self.act, self.ract, self.reset_after, **self.dropout)
        self.saved = (x, W, R, h0, G, H, HZH)
        return self._output(H), np.ascontiguousarray(H[:, -1])

    def backward(self, gO, gh):
        x, W, R, h0, G, H, HZH = self.saved
        dH, dh = self._out_grads(gO, gh)
        dx, dW, dR, db, dh0 = kernels().gru_bwd(
            x, W, R, h0, self.m, self.go_backwards, self.act, self.ract,
            self.reset_after, G, H, HZH, dH, dh, **self._needs())
        return self._dx(dx), dW, dR, db, dh0


class SimpleRNNSequence(_Sequence):
    """SimpleRNN over a whole sequence: inputs (x, kernel, recurrent_kernel, bias,
    h0), outputs (output, h_T); ``act`` is the activation (tanh default)."""

    def forward(self, x, W, R, b, h0):
        x, W, R, b, h0 = self._prepare(x, (W, R, b, h0))
        self.has_b = b is not None
        H = kernels().simple_fwd(x, W, R, b, h0, self.m, self.go_backwards, self.act,
                                 **self.dropout)
        self.saved = (x, W, R, h0, H)
        return self._output(H), np.ascontiguousarray(H[:, -1])

    def backward(self, gO, gh):
        x, W, R, h0, H = self.saved
        dH, dh = self._out_grads(gO, gh)
        dx, dW, dR, db, dh0 = kernels().simple_bwd(
            x, W, R, h0, self.m, self.go_backwards, self.act, H, dH, dh, **self._needs())
        return self._dx(dx), dW, dR, db, dh0

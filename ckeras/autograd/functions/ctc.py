"""Connectionist temporal classification: the CTC loss and its decoders.

Classes are indexed 0..C-1 with the blank last (C-1), as in TensorFlow. All
three take logits (B, T, C) batch-major and per-sequence lengths; the loss
normalises them with a log-softmax over the classes, the decoders read them
as given. Sums of path probabilities run in log space in float64.
"""
import numpy as np

from ckeras.autograd.function import Function


def _lse(*terms):
    """Elementwise log(sum(exp(terms))), -inf where every term is -inf."""
    stack = np.stack(np.broadcast_arrays(*terms))
    top = stack.max(0)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(stack - safe).sum(0))


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _extended(label, blank):
    """The label with a blank before, between and after its symbols, and where
    a path may skip from s-2 to s (a symbol unlike the one two places back)."""
    ext = np.full(2 * len(label) + 1, blank, np.int64)
    ext[1::2] = label
    skip = np.zeros(len(ext), bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return ext, skip


def _shift(v, k):
    """v moved k places towards the end (k < 0: the start), -inf filled in."""
    out = np.full_like(v, -np.inf)
    if abs(k) < len(v):
        if k >= 0:
            out[k:] = v[:len(v) - k]
        else:
            out[:k] = v[-k:]
    return out


def _sequence_loss(lp, label, blank):
    """-log p(label | lp) and d/d lp of it, for one sequence of log-probs (T, C)."""
    T = lp.shape[0]
    ext, skip = _extended(label, blank)
    S = len(ext)
    emit = lp[:, ext]                      # (T, S)
    alpha = np.full((T, S), -np.inf)
    alpha[0, :min(2, S)] = emit[0, :min(2, S)]
    for t in range(1, T):
        prev = alpha[t - 1]
        two = np.where(skip, _shift(prev, 2), -np.inf)
        alpha[t] = _lse(prev, _shift(prev, 1), two) + emit[t]
    beta = np.full((T, S), -np.inf)
    beta[T - 1, max(S - 2, 0):] = emit[T - 1, max(S - 2, 0):]
    skip_from = _shift(np.where(skip, 0.0, -np.inf), -2) == 0  # s may skip to s + 2
    for t in range(T - 2, -1, -1):
        nxt = beta[t + 1]
        two = np.where(skip_from, _shift(nxt, -2), -np.inf)
        beta[t] = _lse(nxt, _shift(nxt, -1), two) + emit[t]
    log_p = _lse(*alpha[T - 1, max(S - 2, 0):])
    grad = np.zeros_like(lp)
    if not np.isfinite(log_p):
        return np.inf, grad
    gamma = alpha + beta - emit          # log of the paths through (t, s)
    post = np.full(lp.shape, -np.inf)
    for s in range(S):
        post[:, ext[s]] = _lse(post[:, ext[s]], gamma[:, s])
    grad -= np.exp(post - log_p)
    return -log_p, grad


def _lengths(v, name, limit):
    v = np.asarray(v)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"CTC: `{name}` must have shape (batch,) or (batch, 1); received "
                         f"shape {v.shape}.")
    v = v.astype(np.int64)
    if (v < 0).any() or (v > limit).any():
        raise ValueError(f"CTC: `{name}` must be in [0, {limit}]; received {v.tolist()}.")
    return v


class CTCLoss(Function):
    """-log p(labels | logits) per sequence (B,), from logits (B, T, C).

    `labels` (B, L) int, of which row b uses its first `label_length[b]`
    entries, each in [0, C-2]; only the first `input_length[b]` steps of
    sequence b are read. Lengths may be (B,) or (B, 1). A label that no path
    of that length can produce costs inf (zero gradient).
    """

    def forward(self, logits, labels, input_length, label_length):
        B, T, C = logits.shape
        labels = np.asarray(labels)
        if labels.ndim != 2 or len(labels) != B:
            raise ValueError(f"CTC: `labels` must have shape ({B}, max_label_length); "
                             f"received shape {labels.shape}.")
        in_len = _lengths(input_length, "input_length", T)
        lab_len = _lengths(label_length, "label_length", labels.shape[1])
        used = np.arange(labels.shape[1])[None, :] < lab_len[:, None]
        bad = used & ((labels < 0) | (labels >= C - 1))
        if bad.any():
            raise ValueError(f"CTC: labels must be in [0, {C - 2}] (class {C - 1} is the "
                             f"blank); received {labels[bad].tolist()}.")
        labels = labels.astype(np.int64)
        lp = _log_softmax(logits.astype(np.float64))
        self.dz = np.zeros(lp.shape)
        loss = np.empty(B)
        for b in range(B):
            n = int(in_len[b])
            loss[b], dlp = _sequence_loss(lp[b, :n], labels[b, :int(lab_len[b])], C - 1)
            # through the log-softmax: d/dz = d/dlp - softmax * sum(d/dlp)
            self.dz[b, :n] = dlp - np.exp(lp[b, :n]) * dlp.sum(-1, keepdims=True)
        self.dtype = logits.dtype
        return loss.astype(logits.dtype)

    def backward(self, g):
        dz = (np.asarray(g, np.float64)[:, None, None] * self.dz).astype(self.dtype)
        return (dz, None, None, None)[:len(self.needs_input_grad)]


def greedy_decode(logits, lengths, blank):
    """Best class per step, repeats merged, blanks dropped; and the negative sum
    of the best logits (TensorFlow's greedy score). Returns (labels per row, (B, 1))."""
    best = logits.argmax(-1)
    decoded, score = [], np.empty((len(logits), 1), logits.dtype)
    for b in range(len(logits)):
        n = int(lengths[b])
        path = best[b, :n]
        keep = (path != blank) & np.concatenate(([True], path[1:] != path[:-1]))
        decoded.append(path[keep])
        score[b, 0] = -logits[b, np.arange(n), path].sum()
    return decoded, score


class _Beam:
    """A label prefix in the search tree: log-probabilities of the paths that
    produce it and end in a blank / in its last label, now (new) and one step
    back (old)."""

    __slots__ = ("label", "parent", "children", "new", "old")

    def __init__(self, label, parent):
        self.label, self.parent, self.children = label, parent, {}
        self.new = [-np.inf, -np.inf, -np.inf]  # blank, label, total
        self.old = [-np.inf, -np.inf, -np.inf]

    @property
    def active(self):
        return self.new[2] != -np.inf

    def child(self, label):
        c = self.children.get(label)
        if c is None:
            c = self.children[label] = _Beam(label, self)
        return c

    def labels(self, merge_repeated):
        out, node = [], self
        while node.parent is not None:
            out.append(node.label)
            node = node.parent
        out.reverse()
        if merge_repeated:
            out = [c for i, c in enumerate(out) if i == 0 or c != out[i - 1]]
        return out


def _bottom(leaves):
    """Index of the weakest beam (the latest made among equals)."""
    return min(range(len(leaves)), key=lambda i: (leaves[i].new[2], -i))


def _candidate(total, leaves, width):
    """Whether a beam of this score enters (or stays in) the search."""
    return total > -np.inf and (len(leaves) < width or total > leaves[_bottom(leaves)].new[2])


def _beam_sequence(logits, width):
    """TensorFlow's CTC prefix beam search over one sequence (T, C): the beams
    of the last step, best first, each scored by the log of the summed
    probabilities of the paths it kept. Ties keep the order in which beams
    were made."""
    blank = logits.shape[1] - 1
    root = _Beam(-1, None)
    root.new = [0.0, -np.inf, 0.0]
    leaves = [root]
    for row in logits:
        branches = sorted(leaves, key=lambda e: -e.new[2])
        for b in branches:
            b.old = list(b.new)
        for b in branches:
            if b.parent is not None:
                if b.parent.active:
                    prev = b.parent.old[0] if b.label == b.parent.label else b.parent.old[2]
                    b.new[1] = _lse(b.new[1], prev)
                b.new[1] += row[b.label]
            b.new[0] = b.old[2] + row[blank]
            b.new[2] = _lse(b.new[0], b.new[1])
        leaves = list(branches)
        for b in branches:
            if not _candidate(b.old[2], leaves, width):
                continue
            for label in range(blank):
                c = b.child(label)
                if c.active:
                    continue
                prev = b.old[0] if label == b.label else b.old[2]
                total = row[label] + prev
                if _candidate(total, leaves, width):
                    if len(leaves) == width:
                        leaves.pop(_bottom(leaves)).new = [-np.inf, -np.inf, -np.inf]
                    c.new = [-np.inf, total, total]
                    leaves.append(c)
                else:
                    c.old = [-np.inf, -np.inf, -np.inf]
                    c.new = [-np.inf, -np.inf, -np.inf]
    return sorted(leaves, key=lambda e: -e.new[2])


def beam_decode(logits, lengths, width, top_paths, merge_repeated=True):
    """The `top_paths` best labellings of each row by prefix beam search, and
    their log-probabilities. Returns (per path, labels per row; (B, top_paths))."""
    if top_paths > width:
        raise ValueError(f"`top_paths` ({top_paths}) must not exceed `beam_width` ({width}).")
    decoded = [[] for _ in range(top_paths)]
    scores = np.empty((len(logits), top_paths), logits.dtype)
    for b in range(len(logits)):
        # TensorFlow's beam decoder normalises each step with a log-softmax
        steps = _log_softmax(logits[b, :int(lengths[b])].astype(np.float64))
        beams = _beam_sequence(steps, width)
        if len(beams) < top_paths:
            raise ValueError(
                f"ctc_decode: sequence {b} has only {len(beams)} distinct beams, fewer than "
                f"`top_paths`={top_paths}.")
        for i in range(top_paths):
            decoded[i].append(np.asarray(beams[i].labels(merge_repeated), np.int64))
            scores[b, i] = beams[i].new[2]
    return decoded, scores


class CTCDecode(Function):
    """Decodes softmax outputs y (B, T, C) read as logits log(y + eps) (which
    beam search renormalises per step with a log-softmax; greedy does not).

    Attributes: greedy, beam_width, top_paths, merge_repeated, eps. Returns a
    tuple: one int64 (B, T) array per path (labels, then -1), and the (B,
    paths) scores. No gradient.
    """

    def forward(self, y, lengths):
        y = np.asarray(y)
        if y.ndim != 3:
            raise ValueError("CTC decode: `y_pred` must have shape (samples, time_steps, "
                             f"num_categories); received {y.shape}.")
        lengths = _lengths(lengths, "input_length", y.shape[1])
        if len(lengths) != len(y):
            raise ValueError(f"CTC decode: `input_length` needs one length per sample "
                             f"({len(y)}); received {len(lengths)}.")
        if not np.issubdtype(y.dtype, np.floating):
            y = y.astype(np.float32)
        logits = np.log(y + y.dtype.type(self.eps))
        if self.greedy:
            paths, scores = greedy_decode(logits, lengths, y.shape[-1] - 1)
            paths = [paths]
        else:
            paths, scores = beam_decode(logits, lengths, self.beam_width, self.top_paths,
                                        self.merge_repeated)
        decoded = []
        for rows in paths:
            dense = np.full(y.shape[:2], -1, np.int64)
            for b, row in enumerate(rows):
                dense[b, :len(row)] = row
            decoded.append(dense)
        return tuple(decoded) + (scores,)

    def backward(self, *grads):
        return None, None

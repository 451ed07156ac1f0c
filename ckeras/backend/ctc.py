"""CTC of the Keras 2 backend: ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse.

Class C-1 of the C classes of `y_pred` is the blank, as in Keras.
"""
import numpy as np

from ckeras._internal import config
from ckeras.autograd.functions import ctc as CTC
from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import math as M
from ckeras.autograd.functions import shape as S
from ckeras.autograd.tensor import SymbolicTensor, Tensor
from ckeras.backend.variables import SparseTensor, as_input


def _ints(x, name, fn):
    if isinstance(x, SymbolicTensor):
        raise TypeError(f"K.{fn}: `{name}` must hold values (an array or an eager tensor); "
                        "received a symbolic tensor.")
    a = np.asarray(x.value if isinstance(x, Tensor) else x)
    if a.ndim == 2 and a.shape[-1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"K.{fn}: `{name}` must have shape (batch,) or (batch, 1); "
                         f"received shape {a.shape}.")
    return a.astype(np.int64)


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss of each batch element.

    Args:
        y_true: (samples, max_string_length) integer labels; row b uses its
            first `label_length[b]` entries.
        y_pred: (samples, time_steps, num_categories) softmax outputs; the
            last category is the blank.
        input_length: (samples, 1) number of steps of `y_pred` to read.
        label_length: (samples, 1) number of labels of `y_true` to read.

    Returns:
        (samples, 1): -log p(y_true | y_pred), computed as Keras does from the
        logits log(y_pred + epsilon) (which CTC renormalises with a softmax).
        Differentiable with respect to `y_pred`; works on symbolic tensors too
        (e.g. inside a `Lambda` layer of an OCR model).

    Raises:
        ValueError: a label outside [0, num_categories - 2] (the last category
            is the blank) or a length out of range.

    Example:
        >>> y = np.full((1, 3, 3), 1 / 3, "float32")
        >>> K.ctc_batch_cost(np.array([[0]]), y, np.array([[3]]), np.array([[1]]))
        array([[1.5040...]], dtype=float32)
    """
    y_pred = as_input(y_pred)
    if len(y_pred.shape) != 3:
        raise ValueError("K.ctc_batch_cost: `y_pred` must have shape "
                         f"(samples, time_steps, num_categories); received {tuple(y_pred.shape)}.")
    logits = M.Log.apply(E.Add.apply(y_pred, config.epsilon()))
    loss = CTC.CTCLoss.apply(logits, as_input(y_true), as_input(input_length),
                             as_input(label_length))
    return S.ExpandDims.apply(loss, axis=1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1,
               merge_repeated=True):
    """Decodes the output of a softmax with CTC: best path or beam search.

    Args:
        y_pred: (samples, time_steps, num_categories) softmax outputs; the
            last category is the blank.
        input_length: (samples,) number of steps of each sample to decode.
        greedy: True takes the best class at each step (repeats merged,
            blanks dropped); False runs a prefix beam search.
        beam_width: beams kept per step (beam search).
        top_paths: how many labellings to return (beam search).
        merge_repeated: beam search only: whether repeated labels in a decoded
            labelling are merged. tf-keras 2.x always merges (TensorFlow's v1
            decoder default) and has no such argument; Keras 2.3.1 took it
            with default False. The default here follows tf-keras.

    Returns:
        `(decoded, log_prob)`: `decoded` is a list of `top_paths` int64 arrays
        (samples, time_steps), each row padded with -1 (tf-keras 2.x; Keras
        2.3.1 cut the arrays to the longest decoded labelling); `log_prob` is
        (samples, top_paths). As in tf-keras the decoders read log(y_pred +
        epsilon): greedy gives the negative sum of the best log-probability of
        each step; beam search gives each labelling's log-probability summed
        over the paths its beams kept. Works on symbolic tensors too (no
        gradient).

    Examples:
        >>> y = np.eye(3, dtype="float32")[[[0, 0, 2, 1]]]
        >>> K.ctc_decode(y, np.array([4]))[0][0]
        array([[ 0,  1, -1, -1]])
    """
    beam_width, top_paths = int(beam_width), int(top_paths)
    if not greedy and not 1 <= top_paths <= beam_width:
        raise ValueError(f"K.ctc_decode: `top_paths` ({top_paths}) must be in [1, "
                         f"`beam_width`] (beam_width={beam_width}).")
    outs = CTC.CTCDecode.apply(as_input(y_pred), as_input(input_length), greedy=bool(greedy),
                               beam_width=beam_width, top_paths=top_paths,
                               merge_repeated=bool(merge_repeated), eps=config.epsilon())
    return list(outs[:-1]), outs[-1]


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first `label_lengths[b]` labels of each row as a sparse tensor.

    Args:
        labels: (samples, max_string_length) integer labels.
        label_lengths: (samples,) how many labels of each row to keep.

    Returns:
        A `SparseTensor(indices, values, dense_shape)`: int64 (n, 2) indices
        in row-major order, the kept labels, and the shape of `labels`.
        `K.to_dense` turns it back into an array (zeros elsewhere).

    Example:
        >>> sp = K.ctc_label_dense_to_sparse(np.array([[5, 6, 7]]), np.array([2]))
        >>> sp.values
        array([5, 6])
    """
    labels = np.asarray(labels.value if isinstance(labels, Tensor) else labels)
    if labels.ndim != 2:
        raise ValueError("K.ctc_label_dense_to_sparse: `labels` must have shape (samples, "
                         f"max_string_length); received {labels.shape}.")
    lengths = _ints(label_lengths, "label_lengths", "ctc_label_dense_to_sparse")
    keep = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    indices = np.argwhere(keep).astype(np.int64)
    return SparseTensor(indices, labels[keep], np.array(labels.shape, np.int64))

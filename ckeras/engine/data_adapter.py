"""Turns what fit/evaluate/predict receive into batches of NumPy arrays."""
import inspect

import numpy as np

from ckeras.autograd.tensor import Tensor


def _as_array(value):
    if isinstance(value, Tensor):
        return value.value
    return np.asarray(value)


def flatten_arrays(data, names, what):
    """Lists one array per model input/output from an array, list or dict."""
    if data is None:
        return None
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. "
                             f"Expected keys: {names}")
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"Missing entries in {what} dictionary: {missing}.")
        return [_as_array(data[n]) for n in names]
    if isinstance(data, (list, tuple)) and (len(names) > 1 or (len(data) > 1 and all(
            isinstance(d, (np.ndarray, Tensor)) for d in data))):
        return [_as_array(d) for d in data]
    if isinstance(data, (list, tuple)) and data and all(
            isinstance(d, (np.ndarray, Tensor)) for d in data) and len(data) == 1:
        return [_as_array(data[0])]
    return [_as_array(data)]


def check_cardinality(arrays_by_role):
    """All arrays must hold the same number of samples."""
    sizes = {role: [a.shape[0] if a.ndim else 1 for a in arrays]
             for role, arrays in arrays_by_role.items() if arrays}
    flat = {n for v in sizes.values() for n in v}
    if len(flat) > 1:
        detail = " ".join(f"{role} sizes: {', '.join(map(str, v))}"
                          for role, v in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous:\n  {detail}\nMake sure all arrays "
            "contain the same number of samples.")
    return flat.pop() if flat else 0


def is_generator_like(data):
    from ckeras.utils.data_utils import Sequence
    return isinstance(data, Sequence) or inspect.isgenerator(data) or (
        hasattr(data, "__next__") and not isinstance(data, (np.ndarray, list, tuple, dict)))


def unpack(batch):
    """(x, y, sample_weight) from a batch tuple of length 1 to 3."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError("A data batch must be `x`, `(x, y)` or `(x, y, sample_weight)`; "
                         f"received a tuple of length {len(batch)}.")
    return batch, None, None


class ArrayBatches:
    """Batches over in-memory arrays, reshuffled every epoch if asked."""

    def __init__(self, x, y, sw, batch_size, shuffle=False, steps=None):
        self.x, self.y, self.sw = x, y, sw
        self.n = check_cardinality({"x": x, "y": y or [], "sample_weight":
                                    [s for s in (sw or []) if s is not None]})
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = steps if steps is not None else -(-self.n // batch_size)

    def __len__(self):
        return self.steps

    def epoch(self):
        n, bs = self.n, self.batch_size
        if self.shuffle == "batch":
            starts = np.random.permutation(-(-n // bs)) * bs
            order = np.concatenate([np.arange(s, min(s + bs, n)) for s in starts]) if n else \
                np.arange(0)
        elif self.shuffle:
            order = np.random.permutation(n)
        else:
            order = None
        for step in range(self.steps):
            start = (step * bs) % max(n, 1)
            if order is None:
                idx = slice(start, start + bs)
            else:
                idx = order[start:start + bs]
            yield ([a[idx] for a in self.x],
                   None if self.y is None else [a[idx] for a in self.y],
                   None if self.sw is None else [None if s is None else s[idx]
                                                 for s in self.sw])


class GeneratorBatches:
    """Batches from a Python generator or a `Sequence`."""

    def __init__(self, data, steps, input_names, output_names):
        from ckeras.utils.data_utils import Sequence
        self.data = data
        self.is_sequence = isinstance(data, Sequence)
        if steps is None:
            if not self.is_sequence:
                raise ValueError(
                    "`steps_per_epoch` (or `steps`) is required when the data is a Python "
                    "generator, since its length is unknown.")
            steps = len(data)
        self.steps = int(steps)
        self.input_names = input_names
        self.output_names = output_names
        self._iter = None

    def __len__(self):
        return self.steps

    def epoch(self):
        for step in range(self.steps):
            if self.is_sequence:
                batch = self.data[step % len(self.data)]
            else:
                try:
                    batch = next(self.data)
                except StopIteration:
                    return
            x, y, sw = unpack(batch)
            x = flatten_arrays(x, self.input_names, "x")
            y = flatten_arrays(y, self.output_names, "y")
            sw = flatten_arrays(sw, self.output_names, "sample_weight") if sw is not None \
                else None
            yield x, y, sw
        if self.is_sequence:
            self.data.on_epoch_end()

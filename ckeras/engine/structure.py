"""Keras' structure rules for what models receive and return, in one place.

User data maps onto a model's inputs as a dict (by the keys of a model built
from a dict of Inputs, else by input layer name), a list/tuple with one
entry per input, or a single array; targets and sample weights map onto the
outputs the same way, by output name. Input arrays get the trailing axis of
size 1 an input expects, the input's dtype, and an aligned copy when they
are not aligned (the C kernels read whole aligned elements; big-endian
input is converted by the same cast). Outputs are packed back into the
structure the model was built with. `predict`, `fit`, `evaluate`,
generator batches and `Functional.call` all use these functions.
"""
import warnings

import numpy as np

from ckeras._internal.nest import flatten, map_structure
from ckeras.autograd.functions.elementwise import Cast
from ckeras.autograd.tensor import Tensor
from ckeras.kernels import kernels


def as_array(value):
    """`value` as an ndarray the kernels accept (a Tensor gives its value;
    an unaligned array, e.g. a `np.frombuffer` view at an odd offset, is
    copied). A sparse matrix stays sparse (CSR) until `densify`."""
    if is_sparse(value):
        return value.tocsr()
    a = value.value if isinstance(value, Tensor) else np.asarray(value)
    return a if a.flags.aligned else a.copy()


def is_sparse(value):
    """Whether `value` is a SciPy sparse matrix (recognised by its interface,
    so SciPy is never imported by ckeras)."""
    return hasattr(value, "tocsr") and hasattr(value, "toarray") and hasattr(value, "nnz")


def densify(value):
    """A sparse batch as a dense array (Keras 2 fed sparse data batch by
    batch this way); anything else unchanged."""
    if type(value) is np.ndarray or not is_sparse(value):
        return value
    return np.ascontiguousarray(value.toarray())


def densify_all(values):
    """`densify` over a list of inputs or a nested structure."""
    if isinstance(values, list):
        return [densify(v) for v in values]
    return map_structure(densify, values)


def conform_call_input(x, dtype):
    """One input of a layer call on concrete values: floats in the layer's
    `dtype` (Tensors through a taped cast), arrays aligned."""
    if dtype == "string" or np.dtype(dtype).kind != "f":
        # Keras autocasts floats only into floating layers: a string or
        # integer layer (lookups, Hashing) sees its input as given.
        if isinstance(x, Tensor):
            return x
        x = np.asarray(x)
        return x if x.flags.aligned else x.copy()
    if isinstance(x, Tensor):
        if x.dtype.kind == "f" and x.dtype != dtype:
            return Cast.apply(x, dtype=np.dtype(dtype))
        return x
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype != dtype:
        return x.astype(dtype)
    return x if x.flags.aligned else x.copy()


# ------------------------------------------------------------------ inputs
def input_keys(model):
    """The keys a dict of model inputs is read by (tf-keras): the sorted
    keys of a model built from a dict of Inputs, else the input names."""
    return getattr(model, "_input_keys", None) or list(getattr(model, "input_names", []))


def _by_input_key(model, data):
    keys = input_keys(model)
    for key in keys:
        if key not in data:
            raise ValueError(
                f'Missing data for input "{key}". You passed a data dictionary with '
                f"keys {list(data)}. Expected the following keys: {keys}")
    extra = [k for k in data if k not in keys]
    if extra:
        warnings.warn(f"Input dict contained keys {extra} which did not match any "
                      "model input. They will be ignored by the model.", stacklevel=4)
    return [data[k] for k in keys]


def split_call_inputs(model, inputs):
    """The model inputs in what `model.call` received, one per input, as
    given (arrays or Tensors, no conversion)."""
    if isinstance(inputs, dict):
        return _by_input_key(model, inputs)
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    return [inputs]


def _split_sequence(data, n):
    """One entry per model input/output from a list or tuple: for a single
    input, a list of arrays is one per input (checked against the count
    later), anything else (numbers, nested lists) is the data itself."""
    if n > 1 or (data and all(isinstance(d, (np.ndarray, Tensor)) or is_sparse(d)
                              for d in data)):
        return list(data)
    return [data]


def _fits(x, spec):
    """Whether `x` needs no conversion for the input `spec` (the fast path of
    batch-1 predict: a plain loop, no generator)."""
    shape = spec.shape
    if x.ndim != len(shape) or x.dtype != spec.dtype or not x.flags.aligned:
        return False
    for d, s in zip(shape[1:], x.shape[1:]):
        if d is not None and d != s:
            return False
    return True


def _cast(a, dtype):
    """Numbers take the input's dtype, except floats fed to an integer input
    (Keras leaves them to the layer, e.g. Embedding ids given as floats)."""
    if a.dtype != dtype and a.dtype.kind in "fiub" and (
            np.dtype(dtype).kind == "f" or a.dtype.kind != "f"):
        return a.astype(dtype)
    return a


def _conform(model, i, value, spec):
    if is_sparse(value):
        return _conform_sparse(model, i, value, spec)
    a = value.value if isinstance(value, Tensor) else np.asarray(value)
    shape = spec.shape
    if a.ndim == len(shape) - 1 and shape[-1] == 1:
        a = a[..., None]
    if a.ndim != len(shape) or any(
            d is not None and d != s for d, s in zip(shape[1:], a.shape[1:])):
        raise ValueError(
            f'Input {i} of layer "{model.name}" is incompatible with the layer: '
            f"expected shape={shape}, found shape={a.shape}")
    a = _cast(a, spec.dtype)
    return a if a.flags.aligned else a.copy()


def _conform_sparse(model, i, value, spec):
    shape = spec.shape
    if len(shape) != 2 or (shape[1] is not None and shape[1] != value.shape[1]):
        raise ValueError(
            f'Input {i} of layer "{model.name}" is incompatible with the layer: '
            f"expected shape={shape}, found a sparse matrix of shape={value.shape}")
    a = value.tocsr()
    return a.astype(spec.dtype) if a.dtype != spec.dtype else a


def flatten_inputs(model, x):
    """User input data as a checked list of arrays, one per model input.

    Builds a model that is not built yet from the data (Sequential).

    Raises:
        ValueError: missing dict keys, a wrong number of inputs, shapes the
            inputs do not accept, or inputs with different sample counts.
    """
    specs = getattr(model, "inputs", None)
    if type(x) is np.ndarray and model.built and specs and len(specs) == 1 and \
            _fits(x, specs[0]):
        return [x]
    if isinstance(x, dict):
        data = _by_input_key(model, x)
    elif isinstance(x, (list, tuple)):
        data = _split_sequence(x, len(specs or ()))
    else:
        data = [x]
    if not model.built or not specs:
        model._build_from_data(data)
        specs = model.inputs
    if len(data) != len(specs):
        raise ValueError(f'Layer "{model.name}" expects {len(specs)} input(s), but it '
                         f"received {len(data)} input tensors.")
    arrays = [_conform(model, i, v, s) for i, (v, s) in enumerate(zip(data, specs))]
    check_cardinality({"x": arrays})
    return arrays


# ------------------------------------------------------ user structures
def _structure(data):
    """User data with NumPy leaves: nested lists/tuples/dicts of arrays keep
    their structure (a top-level list becomes a tuple, as tf-keras hands it
    to `train_step`); anything else (numbers, nested Python lists) is one
    array."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: _structure(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and all(
            isinstance(d, (np.ndarray, Tensor, dict, list, tuple)) or is_sparse(d)
            for d in data) and \
            not all(isinstance(d, (list, tuple)) and not _has_arrays(d) for d in data):
        return tuple(_structure(d) for d in data)
    return as_array(data)


def _has_arrays(data):
    return any(isinstance(d, (np.ndarray, Tensor, dict)) for d in flatten(data))


def as_structures(x, y=None, sample_weight=None):
    """`([x], [y] or None, [sample_weight] or None)` for the structured steps
    (subclassed models, overridden `train_step`): each the user's structure
    with NumPy leaves, as the single entry of a list, so that batching
    slices every leaf alike.

    Raises:
        ValueError: leaves with different sample counts.
    """
    parts = [_structure(x), _structure(y), _structure(sample_weight)]
    check_cardinality({role: flatten(part) for role, part in
                       zip(("x", "y", "sample_weight"), parts) if part is not None})
    return [parts[0]], (None if parts[1] is None else [parts[1]]), \
        (None if parts[2] is None else [parts[2]])


def slice_structure(data, index):
    """Every array leaf of `data` indexed by `index` (a slice or indices)."""
    if type(data) is np.ndarray:
        return take_rows(data, index)
    return map_structure(lambda a: None if a is None else take_rows(a, index), data)


def take_rows(a, index):
    """`a[index]`: a slice gives a view; int64 indices into an array of
    plain values gather their rows with the C kernel (on both cores when
    the batch is large, each core copying about the half of the batch its
    share of the next Dense layer's GEMM reads: csrc/ck_gather.h)."""
    if type(index) is np.ndarray and type(a) is np.ndarray and index.dtype == np.int64 \
            and a.ndim and a.flags.c_contiguous and a.flags.aligned and not a.dtype.hasobject:
        return kernels().gather_rows(a, index)
    return a[index]


def split_structures(x, y, sample_weight, validation_split):
    """`validation_split` for the structured steps: (x, y, sample_weight,
    validation_data) with the last fraction of every leaf held out."""
    (xs,), ys, sws = as_structures(x, y, sample_weight)
    n = check_cardinality({"x": flatten(xs)})
    split = int(n * (1.0 - validation_split))
    if split == 0 or split == n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for "
                         f"training or validation ({n} samples).")

    def cut(part, lo, hi):
        return None if part is None else slice_structure(part[0], slice(lo, hi))

    val = (cut([xs], split, None), cut(ys, split, None), cut(sws, split, None))
    return cut([xs], 0, split), cut(ys, 0, split), cut(sws, 0, split), val


# ----------------------------------------------------------------- targets
def flatten_targets(data, names, what):
    """Targets or sample weights as a list of arrays, one per output name.

    Raises:
        ValueError: unknown or missing keys of a dict.
    """
    if data is None:
        return None
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. "
                             f"Only expected following keys: {names}")
        # Outputs left out get no loss or metric for this data (tf-keras).
        return [as_array(data[n]) if data.get(n) is not None else None for n in names]
    if isinstance(data, (list, tuple)):
        return [as_array(d) for d in _split_sequence(data, len(names))]
    return [as_array(data)]


def check_cardinality(arrays_by_role):
    """All arrays must hold the same number of samples; returns it."""
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


# ----------------------------------------------------------------- outputs
def flatten_outputs(outputs):
    """A model's outputs as a list (a dict by sorted key)."""
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    if isinstance(outputs, dict):
        return [outputs[k] for k in sorted(outputs)]
    return [outputs]


def attach_masks(outs, masks):
    """The flat outputs with their masks set as `_keras_mask` (arrays become
    Tensors to carry them); `masks` is one mask or a list in output order.
    An output that already carries a mask keeps it."""
    if masks is None:
        return outs
    masks = masks if isinstance(masks, (list, tuple)) else [masks]
    result = []
    for o, m in zip(outs, masks):
        if m is not None and getattr(o, "_keras_mask", None) is None:
            o = o if isinstance(o, Tensor) else Tensor(o)
            o._keras_mask = m
        result.append(o)
    return result


def pack_outputs(model, outs, unwrap_single=False):
    """A list of output values in the structure the model was built with.

    Args:
        model: the model (its `_nested_outputs`, if any, give the structure).
        outs: the values, in `model.outputs` order.
        unwrap_single: return the value itself for a one-element list of
            outputs (what `predict` does).
    """
    nested = getattr(model, "_nested_outputs", None)
    if isinstance(nested, dict):
        return dict(zip(sorted(nested), outs))
    if len(outs) == 1 and (unwrap_single or not isinstance(nested, (list, tuple))):
        return outs[0]
    return list(outs)

"""Dask collections (and in-memory arrays) as lists of row-aligned arrays.

A model's data arrives as a Dask array, a Dask DataFrame or Series (its
columns are the features), a list or dict of them (one per model input or
output), or NumPy data. Everything here is checked on the client, before a
task is submitted: the number of inputs, the row counts of x, y and the
sample weights. Unknown chunk sizes (a DataFrame's partitions) are measured
once with `compute_chunk_sizes`, one pass over the data, when rows must be
aligned; prediction keeps them unknown.
"""
import numpy as np

from ckeras._internal.distribution import is_dask_collection


def as_dask_array(data, what):
    """`data` as a Dask array (rows first); NumPy data is returned as is."""
    if data is None:
        return None
    if is_dask_collection(data):
        if hasattr(data, "to_dask_array"):          # DataFrame / Series
            return data.to_dask_array()
        if hasattr(data, "chunks"):
            return data
        raise TypeError(f"{what}: expected a Dask array, DataFrame or Series; received "
                        f"{type(data).__name__}.")
    if hasattr(data, "values") and hasattr(data, "columns"):   # pandas
        return np.asarray(data.values)
    return np.asarray(data)


def per_name(data, names, what):
    """`data` (single, list/tuple, or dict keyed by name) as one entry per
    name; checks the count and the keys."""
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"{what}: no data for {missing}; the dict has keys "
                             f"{sorted(data)} and the model expects {list(names)}.")
        return [data[n] for n in names]
    if isinstance(data, (list, tuple)) and len(names) > 1:
        if len(data) != len(names):
            raise ValueError(f"{what}: the model expects {len(names)} arrays "
                             f"({list(names)}) but received {len(data)}.")
        return list(data)
    if isinstance(data, (list, tuple)) and len(data) == 1:
        return [data[0]]
    return [data]


def model_inputs(model, x):
    return [as_dask_array(a, f"x[{i}]") for i, a in
            enumerate(per_name(x, list(model.input_names), "x"))]


def model_targets(model, data, what):
    if data is None:
        return None
    return [as_dask_array(a, f"{what}[{i}]") for i, a in
            enumerate(per_name(data, list(model.output_names), what))]


def known_rows(arr):
    """`arr` with known chunk sizes along the rows (measured if needed)."""
    if is_dask_collection(arr) and any(np.isnan(c) for c in arr.chunks[0]):
        arr = arr.compute_chunk_sizes()
    return arr


def n_rows(arr):
    return int(sum(arr.chunks[0])) if is_dask_collection(arr) else len(arr)


def check_rows(groups):
    """The common row count of every array in `groups` ({'x': [...], ...});
    ValueError naming each group's counts otherwise."""
    counts = {name: [n_rows(a) for a in arrays if a is not None]
              for name, arrays in groups.items() if arrays}
    values = {c for cs in counts.values() for c in cs}
    if len(values) > 1:
        detail = ", ".join(f"{name}: {cs}" for name, cs in counts.items())
        raise ValueError("Data cardinality is ambiguous: x, y and sample_weight must have "
                         f"the same number of rows; received row counts {detail}.")
    if not values:
        raise ValueError("No data: x is empty.")
    return values.pop()


def aligned(arrays, rows_chunks):
    """Dask arrays whose blocks are whole rows cut as `rows_chunks` (NumPy
    arrays become Dask arrays cut that way), ready to be zipped block by
    block."""
    import dask.array as da  # lazy: heavy
    out = []
    for a in arrays:
        if a is None:
            out.append(None)
            continue
        whole = (rows_chunks,) + tuple((d,) for d in a.shape[1:])
        if not is_dask_collection(a):
            out.append(da.from_array(a, chunks=whole))
        elif a.chunks != whole:
            out.append(a.rechunk(whole))
        else:
            out.append(a)
    return out


def row_blocks(arr):
    """The row blocks of a Dask array whose other axes are one chunk each, as
    a flat list of Delayed objects in row order."""
    arr = arr.rechunk({i: -1 for i in range(1, arr.ndim)}) if arr.ndim > 1 else arr
    return list(arr.to_delayed().reshape(-1)), arr.chunks[0]

"""predict and evaluate over Dask collections.

`predict` builds a lazy Dask array per model output: one task per row
block, each cutting its block into batches on a worker (for one input and
one output, the task's result is the output's block itself). A worker's
batches are at most `batch_size` rows and small enough for the widest
layer's activations to stay in a core's L2 cache (`tile_rows`): inference
is row by row, so the predictions are those of any batch size (to float
rounding; bit for bit with the Dense kernels), and 1024-1365-row batches of
the benchmark's MLP cost 5-25% less CPU per row than 4096-row ones (measured
on the shared 2-core box: the more other processes contend for the caches,
the larger the gain). `evaluate` runs one
task per block that returns the block's metric states (totals and counts),
sums them in a tree of tasks and adds the sum to the client model's metrics,
so the result is that of `evaluate` in memory, never a mean of means.
"""
import numpy as np

from ckeras.distribute import collections, replica


def _payload_delayed(payload):
    """The payload as one key of the graph: fetched once by each worker
    whose tasks need it, whatever the number of blocks."""
    import dask  # lazy: heavy
    return dask.delayed(payload, name="ckeras-model-" + payload.token, traverse=False)


def _output_specs(model):
    """(non-batch shape, dtype) of each output, from the model's graph."""
    specs = []
    for t in model.outputs:
        shape = tuple(np.nan if d is None else int(d) for d in tuple(t.shape)[1:])
        specs.append((shape, np.dtype(getattr(t, "dtype", None) or "float32")))
    return specs


def predict(model, x, batch_size=None, verbose=0, steps=None, callbacks=None,
            custom_objects=None):
    """`model.predict(x)` for Dask data: a lazy Dask array (a list for several
    outputs), computed block by block on the workers.

    Args:
        model: a built Sequential or Functional model.
        x: a Dask array, DataFrame or Series, or a list/dict of them.
        batch_size: rows per batch inside a block (default 32).
        custom_objects: what the model's config names, as for `load_model`.

    Returns:
        A Dask array per output (rows as the blocks of x; unknown sizes stay
        unknown).
    """
    import dask  # lazy: heavy
    import dask.array as da  # lazy: heavy
    if steps is not None or callbacks:
        raise ValueError("predict over Dask collections is lazy: `steps` and `callbacks` "
                         "are not supported (slice the Dask array instead).")
    batch_size = 32 if batch_size is None else positive(batch_size, "batch_size")
    xs = collections.model_inputs(model, x)
    if any(np.isnan(c) for c in _rows_chunks(xs[0])) and len(xs) > 1:
        xs = [collections.known_rows(a) for a in xs]
    rows = _rows_chunks(xs[0])
    if len(xs) > 1:
        collections.check_rows({"x": xs})
        xs = collections.aligned(xs, rows)
    payload = replica.ModelPayload(model, custom_objects)
    shipped = _payload_delayed(payload)
    specs = _output_specs(model)
    if len(xs) == 1 and len(specs) == 1:
        return _predict_blockwise(xs[0], shipped, batch_size, *specs[0])
    blocks = [collections.row_blocks(a)[0] if hasattr(a, "to_delayed") else None
              for a in xs]
    run = dask.delayed(predict_block, pure=True)
    per_output = [[] for _ in specs]
    for k, n in enumerate(rows):
        out = run(shipped, batch_size, *[b[k] for b in blocks])
        for j, (shape, dtype) in enumerate(specs):
            part = dask.delayed(_output, pure=True)(out, j, shape, dtype)
            per_output[j].append(da.from_delayed(part, shape=(n,) + shape, dtype=dtype))
    arrays = [da.concatenate(parts, axis=0) for parts in per_output]
    return arrays[0] if len(arrays) == 1 else arrays


def _predict_blockwise(x, shipped, batch_size, shape, dtype):
    """One input, one output: one task per block, whose result is the
    output array's block (no task to pick the output, none to join)."""
    import dask.array as da  # lazy: heavy
    x = x.rechunk({i: -1 for i in range(1, x.ndim)}) if x.ndim > 1 else x
    empty = np.zeros((0,) + tuple(0 if np.isnan(d) else d for d in shape), dtype)
    return da.map_blocks(predict_rows, x, shipped, batch_size, empty, dtype=dtype,
                         meta=empty, chunks=(x.chunks[0],) + tuple((d,) for d in shape),
                         drop_axis=list(range(1, x.ndim)),
                         new_axis=list(range(1, len(shape) + 1)))


# ------------------------------------------------------------ worker side
# What a worker's batch may hold: the input and output activations of the
# widest layer, in a 2 MiB L2 cache (one core's, on the measured machine).
_TILE_BYTES = 2 << 20
# Fewer rows than this make the GEMMs inefficient whatever the cache.
_MIN_TILE = 64


def _floats_per_row(shape):
    """Floats per row of a layer's input or output shape (a list or dict
    for several tensors); unknown dimensions count as 1."""
    if isinstance(shape, dict):
        shape = list(shape.values())
    if isinstance(shape, list):
        return sum(_floats_per_row(s) for s in shape)
    if not isinstance(shape, tuple):
        return 0
    return int(np.prod([d for d in shape[1:] if isinstance(d, int)] or [1]))


def tile_rows(model, batch_size):
    """Rows per batch on a worker: at most `batch_size`, and (above
    `_MIN_TILE`) few enough for the widest layer's input and output, in
    float32, to fit `_TILE_BYTES`."""
    widest = 1
    for layer in model.layers:
        try:
            widest = max(widest, _floats_per_row(layer.input_shape)
                         + _floats_per_row(layer.output_shape))
        except AttributeError:         # a layer used at several shapes
            continue
    return min(batch_size, max(_MIN_TILE, _TILE_BYTES // (4 * widest)))


def predict_tiled(model, xs, batch_size):
    """Predictions of the rows of `xs` (one array per model input), batch
    by batch (`tile_rows`), written into one array per output."""
    n = len(xs[0])
    step = min(batch_size, n) if n <= _MIN_TILE else tile_rows(model, batch_size)
    outs = None
    for lo in range(0, n, step):
        part = model.predict_on_batch([a[lo:lo + step] for a in xs] if len(xs) > 1
                                      else xs[0][lo:lo + step])
        part = part if isinstance(part, list) else [part]
        if outs is None:
            outs = [np.empty((n,) + p.shape[1:], p.dtype) for p in part]
        for o, p in zip(outs, part):
            o[lo:lo + len(p)] = p
    return outs


def predict_block(payload, batch_size, *arrays):
    """Predictions of one block of rows (one array per model input); a
    list with one array per output, None for an empty block."""
    rep = replica.replica(payload)
    if len(arrays[0]) == 0:
        return None
    return predict_tiled(rep.model, [np.asarray(a) for a in arrays], batch_size)


def predict_rows(block, payload, batch_size, empty):
    """Predictions of one block of rows of a one-input, one-output model;
    `empty` (no rows) for an empty block."""
    rep = replica.replica(payload)
    if len(block) == 0:
        return empty
    return predict_tiled(rep.model, [np.asarray(block)], batch_size)[0]


def _output(outputs, j, shape, dtype):
    if outputs is None:     # an empty block
        return np.zeros((0,) + tuple(0 if np.isnan(d) else d for d in shape), dtype)
    return outputs[j]


def _rows_chunks(a):
    if hasattr(a, "chunks"):
        return a.chunks[0]
    return (len(a),)


def positive(value, what):
    if not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{what}` must be a positive integer, received {value!r}.")
    return int(value)


def tree(values, combine):
    """Pairwise combination of `values` (a balanced tree of `combine` calls,
    depth log2(n)): the reduction pattern of evaluate and fit."""
    values = list(values)
    while len(values) > 1:
        values = [combine(values[i], values[i + 1]) if i + 1 < len(values) else values[i]
                  for i in range(0, len(values), 2)]
    return values[0]


def aligned_data(model, x, y, sample_weight):
    """(xs, ys, sws, row chunks): Dask arrays cut in the same row blocks,
    checked for equal row counts."""
    xs = collections.model_inputs(model, x)
    ys = collections.model_targets(model, y, "y")
    sws = collections.model_targets(model, sample_weight, "sample_weight")
    xs = [collections.known_rows(a) for a in xs]
    ys = None if ys is None else [collections.known_rows(a) for a in ys]
    sws = None if sws is None else [None if a is None else collections.known_rows(a)
                                    for a in sws]
    collections.check_rows({"x": xs, "y": ys, "sample_weight": sws})
    first = next((a for a in xs if hasattr(a, "chunks")), xs[0])
    rows = _rows_chunks(first)
    return (collections.aligned(xs, rows), collections.aligned(ys or [], rows),
            collections.aligned([s for s in (sws or []) if s is not None], rows), rows)


def check_compiled(model, what):
    if getattr(model, "compiled_loss", None) is None:
        raise RuntimeError(f"You must compile your model before {what}. "
                           "Use `model.compile(optimizer, loss)`.")


def ensure_metrics(model, sample):
    """Builds the client model's compiled metrics on one row (they are
    created from the first batch's shapes), then resets them, so the
    workers' metric states have somewhere to go."""
    xs, ys, sws = sample
    model.test_on_batch(_one(xs), _one(ys), _one(sws), reset_metrics=True)
    model.reset_metrics()


def _one(arrays):
    if not arrays:
        return None
    return arrays[0] if len(arrays) == 1 else list(arrays)


def first_row(arrays):
    """The first row of each (aligned) array, computed."""
    import dask  # lazy: heavy
    if not arrays:
        return []
    return list(dask.compute(*[a[:1] for a in arrays]))


def add_states(model, states):
    """Adds summed metric states to the model's metrics (same order)."""
    metrics = model.metrics
    if states is None:
        return
    if len(states) != len(metrics):
        raise RuntimeError(
            f"The workers' model logs {len(states)} metrics, the client's "
            f"{len(metrics)} ({[m.name for m in metrics]}): they must be the same model.")
    for m, values in zip(metrics, states):
        for var, v in zip(m.variables, values):
            var += np.asarray(v, dtype=var.dtype)


def evaluate(model, x, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None,
             callbacks=None, return_dict=False, client=None, custom_objects=None):
    """`model.evaluate` over Dask collections: exact merged metrics.

    Args:
        model: a compiled Sequential or Functional model.
        x, y, sample_weight: Dask arrays/DataFrames (lists/dicts for several
            inputs or outputs); in-memory arrays are cut like x.
        client: the `distributed.Client` to run on (default: Dask's current
            scheduler).

    Returns:
        As `Model.evaluate`.
    """
    import dask  # lazy: heavy

    from ckeras import callbacks as callbacks_module  # lazy: startup
    check_compiled(model, "evaluating")
    if steps is not None:
        raise ValueError("`steps` is not supported for Dask collections; slice the data.")
    batch_size = 32 if batch_size is None else positive(batch_size, "batch_size")
    xs, ys, sws, rows = aligned_data(model, x, y, sample_weight)
    ensure_metrics(model, (first_row(xs), first_row(ys), first_row(sws)))
    cbs = callbacks_module.CallbackList(callbacks, model=model, verbose=verbose, epochs=1,
                                        steps=len(rows))
    cbs.on_test_begin()
    payload = replica.ModelPayload(model, custom_objects)
    shipped = _payload_delayed(payload)
    blocks = [collections.row_blocks(a)[0] for a in xs + ys + sws]
    run = dask.delayed(replica.evaluate_block, pure=True)
    parts = [run(shipped, batch_size, len(xs), len(ys), *[b[k] for b in blocks])
             for k in range(len(rows))]
    merge = dask.delayed(replica.merge, pure=True)
    root = tree(parts, merge)
    total = client.compute(root).result() if client is not None else root.compute()
    model.reset_metrics()
    add_states(model, total.metrics)
    logs = {m.name: float(m.result()) for m in model.metrics}
    cbs.on_test_end(logs)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values

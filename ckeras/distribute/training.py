"""The data-parallel fit of a model compiled in a DaskStrategy scope.

Layout. Global batch i is rows [i*B, (i+1)*B) of the data, as in
`fit(shuffle=False)`; it is cut into one contiguous part per worker
(`np.array_split`). Worker k's shard is the concatenation of its parts of
every batch: it is built once per fit, on that worker (computed from the
Dask blocks, or from the in-memory arrays), and stays there.

A step (steps_per_sync=1). The client submits the current weights with the
step's tasks; each worker sets them on its replica, runs the model's training step on its
part with an optimizer that only records the gradients, and returns them
times (its rows / the global batch): the loss of a batch is a mean over its
samples, so these scaled gradients sum to the gradient of the global batch's
loss, and the regularization penalties, scaled the same way, add up to
exactly one copy. The results are summed pairwise in a tree of tasks on the
workers; the client receives the one sum, applies one optimizer update
(its own optimizer: clipping, schedules and slots as in local training) and
the next step starts from the new weights. Metric states (totals, counts,
confusion counts) are summed the same way and added to the client's
metrics, as tf.distribute sums metric variables.

Non-trainable weights (BatchNormalization moving statistics): each worker
returns its change times its share; the client adds the sum, which gives
the moving mean of the global batch exactly and the moving variance as the
mean of the parts' variances. The normalization inside a training step uses
each worker's own part (tf.distribute's default, without synchronized batch
normalization).

Faults: step tasks may move to another worker when theirs dies. If a step
fails because workers died, the shards they held are placed again on the
survivors (scattered again from the client's arrays, or computed again from
the Dask graph) and the step is submitted again, up to `max_retries` times.
The client applies an update only once every part of a step has arrived,
so a redone step gives the same weights.
"""
import math

import numpy as np

from ckeras._internal.distribution import holds_dask
from ckeras.distribute import collections, inference, replica


class ShardPlan:
    """Which rows each worker holds, and where each step's part lies in it.

    Args:
        n: rows of the data; batch_size: the global batch; steps: batches
        per epoch; workers: how many shards.
    """

    def __init__(self, n, batch_size, steps, workers):
        self.steps, self.workers = steps, workers
        self.index = [[] for _ in range(workers)]
        # bounds[i][k] = (lo, hi): step i's part in worker k's shard
        self.bounds = []
        offsets = [0] * workers
        for i in range(steps):
            rows = np.arange(i * batch_size, min((i + 1) * batch_size, n))
            parts = np.array_split(rows, workers)
            step = []
            for k, part in enumerate(parts):
                self.index[k].append(part)
                step.append((offsets[k], offsets[k] + len(part)))
                offsets[k] += len(part)
            self.bounds.append(step)
        self.index = [np.concatenate(ix) if ix else np.arange(0) for ix in self.index]

    def rows(self, i):
        return sum(hi - lo for lo, hi in self.bounds[i])


class _Cluster:
    """The shards, the shipped model and the per-step tasks of one fit."""

    def __init__(self, strategy, model, xs, ys, sws, plan, with_optimizer):
        self.strategy, self.model, self.plan = strategy, model, plan
        self.client = strategy.client
        self.assign = strategy.workers()[:plan.workers]
        payload = replica.ModelPayload(model, strategy.custom_objects, with_optimizer)
        self.token = payload.token
        self.payload = self.client.scatter(payload, broadcast=True, hash=False)
        self.data = (xs, ys, sws)
        self.in_memory = not holds_dask(*(a for group in self.data for a in group or ()))
        self.shards = [self._place(k) for k in range(plan.workers)]

    def _place(self, k):
        """Worker k's shard, on its worker: in-memory rows are scattered
        straight to it, Dask rows computed there. A shard lost with its
        worker is placed again from the client's arrays or Dask graph."""
        import dask  # lazy: heavy
        idx = self.plan.index[k]
        xs, ys, sws = self.data
        if self.in_memory:
            return self.client.scatter(replica.Shard(_take(xs, idx), _take(ys, idx),
                                                     _take(sws, idx)),
                                       workers=[self.assign[k]], hash=False)
        shard = dask.delayed(replica.Shard, pure=False)(
            _take(xs, idx), _take(ys, idx), _take(sws, idx))
        return self.client.compute(shard, workers=[self.assign[k]], allow_other_workers=True)

    def _submit(self, fn, args_of):
        """One step as one graph (one message to the scheduler, where
        separate submits would wait out the client's batching interval):
        the weights, a task per shard pinned to its worker (another may
        take over if it dies), and the tree of merges."""
        import dask  # lazy: heavy
        weights = dask.delayed(replica.hold, pure=False)(self.model.get_weights())
        parts = []
        for k, shard in enumerate(self.shards):
            with dask.annotate(workers=[self.assign[k]], allow_other_workers=True):
                parts.append(dask.delayed(fn, pure=False)(self.payload, weights, shard,
                                                          *args_of(k)))
        merge = dask.delayed(replica.merge, pure=False)
        return self.client.compute(inference.tree(parts, merge))

    def run(self, fn, args_of):
        """Runs `fn` on every shard and returns the summed `StepResult`; the
        step is submitted again if workers died under it."""
        last = None
        for _ in range(self.strategy.max_retries + 1):
            try:
                return self._submit(fn, args_of).result()
            except Exception as e:
                if not self._lost_workers(e):
                    raise
                last = e
        raise RuntimeError(
            f"DaskStrategy: a training step failed {self.strategy.max_retries + 1} times "
            f"because workers died (last error: {last!r}); the model holds the weights of "
            "the last complete step.") from last

    def _lost_workers(self, error):
        """Whether `error` comes from workers that died (then the plan moves
        their shards to the survivors) rather than from the step itself."""
        from distributed import KilledWorker  # lazy: heavy
        alive = self.strategy.workers()
        dead = [w for w in self.assign if w not in alive]
        if not dead and not isinstance(error, KilledWorker) and \
                type(error).__name__ not in ("CancelledError", "FutureCancelledError"):
            return False
        self.assign = [w if w in alive else alive[k % len(alive)]
                       for k, w in enumerate(self.assign)]
        for k, shard in enumerate(self.shards):
            if shard.status != "finished":
                shard.release()
                self.shards[k] = self._place(k)
        return True

    def close(self):
        for f in self.shards + [self.payload]:
            f.release()
        try:
            self.client.run(replica.release, self.token)
        except Exception:
            pass    # a closed cluster holds no replicas


def _take(arrays, idx):
    return None if arrays is None else [None if a is None else a[idx] for a in arrays]


def _data(model, x, y, sample_weight):
    xs = [collections.known_rows(a) for a in collections.model_inputs(model, x)]
    ys = collections.model_targets(model, y, "y")
    ys = None if ys is None else [collections.known_rows(a) for a in ys]
    sws = collections.model_targets(model, sample_weight, "sample_weight")
    if sws is not None and len(sws) == 1 and len(model.output_names) > 1:
        sws = sws * len(model.output_names)
    sws = None if sws is None else [None if a is None else collections.known_rows(a)
                                    for a in sws]
    n = collections.check_rows({"x": xs, "y": ys, "sample_weight": sws})
    return xs, ys, sws, n


def _first_rows(arrays):
    if arrays is None:
        return []
    return inference.first_row([a for a in arrays if a is not None])


def fit(strategy, model, x=None, y=None, batch_size=None, epochs=1, verbose=1,
        callbacks=None, validation_split=0.0, validation_data=None, shuffle=True,
        class_weight=None, sample_weight=None, initial_epoch=0, steps_per_epoch=None,
        validation_steps=None, validation_batch_size=None, validation_freq=1, **_feed):
    """`model.fit` on the strategy's cluster; see the module docstring.

    Everything is checked before the first step: the client, the data's
    row counts, the model. `shuffle=True` permutes the order of the global
    batches each epoch (rows stay on their workers): the order of local
    `fit(shuffle='batch')` under the same NumPy seed.

    Returns:
        The `History` of the run, as `Model.fit`.
    """
    from ckeras import callbacks as callbacks_module  # lazy: startup
    inference.check_compiled(model, "training")
    batch_size = 32 if batch_size is None else inference.positive(batch_size, "batch_size")
    if validation_split:
        raise ValueError("DaskStrategy: `validation_split` is not supported; pass "
                         "`validation_data` (Dask collections are not sliced on the client).")
    if x is None or hasattr(x, "__next__") or type(x).__name__ == "Sequence":
        raise ValueError("DaskStrategy.fit takes arrays or Dask collections for x, not "
                         f"{type(x).__name__}.")
    _check_validation(validation_data)
    workers = strategy.workers()
    xs, ys, sws, n = _data(model, x, y, sample_weight)
    steps = math.ceil(n / batch_size)
    if steps_per_epoch is not None:
        if not 0 < steps_per_epoch <= steps:
            raise ValueError(f"DaskStrategy: `steps_per_epoch` must be in [1, {steps}] for "
                             f"{n} rows in batches of {batch_size}; received "
                             f"{steps_per_epoch!r}.")
        steps = int(steps_per_epoch)
    inference.ensure_metrics(model, (_first_rows(xs), _first_rows(ys), _first_rows(sws)))
    plan = ShardPlan(n, batch_size, steps, min(len(workers), batch_size))
    k = strategy.steps_per_sync
    cluster = _Cluster(strategy, model, xs, ys, sws, plan, with_optimizer=k > 1)
    groups = math.ceil(steps / k)
    cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                        add_progbar=verbose != 0, model=model,
                                        verbose=verbose, epochs=epochs, steps=groups)
    try:
        model.stop_training = False
        cbs.on_train_begin()
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            cbs.on_epoch_begin(epoch)
            order = np.random.permutation(steps) if shuffle else np.arange(steps)
            logs = {}
            for g in range(groups):
                cbs.on_train_batch_begin(g)
                chunk = order[g * k:(g + 1) * k]
                if k == 1:
                    _sync_step(cluster, model, int(chunk[0]), class_weight)
                else:
                    _local_sgd(cluster, model, chunk, class_weight)
                logs = {m.name: float(m.result()) for m in model.metrics}
                cbs.on_train_batch_end(g, logs)
                if model.stop_training:
                    break
            epoch_logs = dict(logs)
            if validation_data is not None and _should_validate(epoch, validation_freq):
                val = _validate(strategy, model, validation_data,
                                validation_batch_size or batch_size, validation_steps)
                epoch_logs.update({"val_" + key: v for key, v in val.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
        cbs.on_train_end(epoch_logs)
    finally:
        cluster.close()
    return cbs.history


def _sync_step(cluster, model, i, class_weight):
    plan = cluster.plan
    total = plan.rows(i)
    bounds = plan.bounds[i]
    result = cluster.run(replica.grad_step,
                         lambda k: (*bounds[k], (bounds[k][1] - bounds[k][0]) / total,
                                    class_weight))
    model.optimizer.apply_gradients(zip(result.grads, model.trainable_weights))
    for v, d in zip(model.non_trainable_weights, result.nt_delta or ()):
        v.value += d
    inference.add_states(model, result.metrics)


def _local_sgd(cluster, model, chunk, class_weight):
    plan = cluster.plan
    total = sum(plan.rows(int(i)) for i in chunk)

    def args_of(k):
        bounds = [plan.bounds[int(i)][k] for i in chunk]
        return bounds, sum(hi - lo for lo, hi in bounds) / total, class_weight

    result = cluster.run(replica.local_steps, args_of)
    for v, d in zip(model.weights, result.grads):
        v.value += d
    inference.add_states(model, result.metrics)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def _check_validation(validation_data):
    if validation_data is None:
        return
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, val_sample_weight); received "
                         f"{type(validation_data).__name__}.")


def _validate(strategy, model, validation_data, batch_size, steps):
    vx, vy = validation_data[0], validation_data[1]
    vsw = validation_data[2] if len(validation_data) == 3 else None
    if holds_dask(vx, vy, vsw):
        return inference.evaluate(model, vx, vy, batch_size=batch_size, sample_weight=vsw,
                                  steps=steps, return_dict=True, client=strategy.client,
                                  custom_objects=strategy.custom_objects)
    return model.evaluate(vx, vy, batch_size=batch_size, sample_weight=vsw, steps=steps,
                          verbose=0, return_dict=True)

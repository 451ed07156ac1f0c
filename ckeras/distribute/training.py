"""The data-parallel fit of a model compiled in a DaskStrategy scope.

Layout. Global batch i is rows [i*B, (i+1)*B) of the data, as in
`fit(shuffle=False)`; it is cut into one contiguous part per worker
(`np.array_split`). Worker k's shard is the concatenation of its parts of
every batch: it is built once per fit, on that worker (computed from the
Dask blocks, or from the in-memory arrays), and stays there.

Actors. Each worker holds, for the whole fit, a Dask actor
(`replica.StepActor`) with its replica of the model and its shard. A step
is one direct call per actor, all in flight at once: no task graph, no
scheduler decision, one message each way per worker (with a client made
with `direct_to_workers=True`; otherwise the scheduler relays them).

A step (steps_per_sync=1). The client sends the current weights (one flat
buffer) to every actor; each sets them on its replica, runs the model's
training step on its part with an optimizer that only records the
gradients, and returns them times (its rows / the global batch), one flat
buffer: the loss of a batch is a mean over its
samples, so these scaled gradients sum to the gradient of the global batch's
loss, and the regularization penalties, scaled the same way, add up to
exactly one copy. The client sums the W buffers, applies one optimizer update
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

Faults: if an actor's call fails because its worker died (unreachable, or
gone from the scheduler), the shards it held are placed again on the
survivors (scattered again from the client's arrays, or computed again from
the Dask graph), new actors are made there and the step is sent again, up
to `max_retries` times.
The client applies an update only once every part of a step has arrived,
so a redone step gives the same weights.
"""
import math
import time

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
    """The shards, the shipped model and the step actors of one fit."""

    def __init__(self, strategy, model, xs, ys, sws, plan, with_optimizer):
        self.strategy, self.model, self.plan = strategy, model, plan
        self.client = strategy.client
        self.assign = strategy.workers()[:plan.workers]
        self.dead = set()
        payload = replica.ModelPayload(model, strategy.custom_objects, with_optimizer)
        self.token = payload.token
        self.payload = self.client.scatter(payload, broadcast=True, hash=False)
        self.data = (xs, ys, sws)
        self.in_memory = not holds_dask(*(a for group in self.data for a in group or ()))
        self.shards = [self._place(k) for k in range(plan.workers)]
        self.actors = [self._actor(k) for k in range(plan.workers)]
        self.handles = [f.result() for f in self.actors]

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

    def _actor(self, k):
        """Worker k's `StepActor`, next to its shard."""
        return self.client.submit(replica.StepActor, self.payload, self.shards[k], actor=True,
                                  workers=[self.assign[k]], pure=False)

    def _step(self, method, args_of):
        """One call per actor, all in flight at once; the summed result, or
        the failures as {worker index: exception}."""
        weights = replica.pack([v.value for v in self.model.weights])
        calls, failed = {}, {}
        for k, handle in enumerate(self.handles):
            try:
                calls[k] = getattr(handle, method)(weights, *args_of(k))
            except Exception as e:      # the actor's worker is already known lost
                failed[k] = e
        results = []
        for k, call in calls.items():
            try:
                results.append(call.result())
            except Exception as e:
                failed[k] = e
        return (None, failed) if failed else (replica.merge(*results), failed)

    def run(self, method, args_of):
        """Runs the actors' `method` on every shard and returns the summed
        `StepResult`; the step is redone if workers died under it."""
        last = None
        for _ in range(self.strategy.max_retries + 1):
            result, failed = self._step(method, args_of)
            if not failed:
                return result
            last = next(iter(failed.values()))
            if not self._lost_workers(failed):
                raise last
        raise RuntimeError(
            f"DaskStrategy: a training step failed {self.strategy.max_retries + 1} times "
            f"because workers died (last error: {last!r}); the model holds the weights of "
            "the last complete step.") from last

    def _lost_workers(self, failed):
        """Whether the failures come from workers that died (then their
        shards and actors move to the survivors) rather than from the step
        itself: the worker is gone from the scheduler or unreachable."""
        from distributed import KilledWorker  # lazy: heavy
        alive = self.strategy.workers()
        lost = {k for k, e in failed.items()
                if self.assign[k] not in alive or isinstance(e, (OSError, KilledWorker))
                or "Actor was lost" in str(e)}
        if lost != set(failed):
            return False
        self.dead.update(self.assign[k] for k in lost)
        alive = self._survivors()
        for k in range(len(self.assign)):
            if self.assign[k] in self.dead:
                self.assign[k] = alive[k % len(alive)]
                self.shards[k].release()
                self.actors[k].release()
                self.shards[k] = self._place(k)
                self.actors[k] = self._actor(k)
        self.handles = [f.result() for f in self.actors]
        return True

    def _survivors(self, timeout=30.0):
        """The workers not known dead; waits for one (a nanny restarting
        its worker) when none is left."""
        deadline = time.monotonic() + timeout
        while True:
            alive = [w for w in self.strategy.workers() if w not in self.dead]
            if alive or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not alive:
            raise RuntimeError("DaskStrategy: every worker of the fit died and none "
                               "replaced them; the model holds the weights of the last "
                               "complete step.")
        return alive

    def close(self):
        for f in self.actors + self.shards + [self.payload]:
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
    result = cluster.run("grad_step",
                         lambda k: (*bounds[k], (bounds[k][1] - bounds[k][0]) / total,
                                    class_weight))
    grads = replica.unpack(result.grads, [v.value for v in model.trainable_weights])
    model.optimizer.apply_gradients(zip(grads, model.trainable_weights))
    for v, d in zip(model.non_trainable_weights, result.nt_delta or ()):
        v.value += d
    inference.add_states(model, result.metrics)


def _local_sgd(cluster, model, chunk, class_weight):
    plan = cluster.plan
    total = sum(plan.rows(int(i)) for i in chunk)

    def args_of(k):
        bounds = [plan.bounds[int(i)][k] for i in chunk]
        return bounds, sum(hi - lo for lo, hi in bounds) / total, class_weight

    result = cluster.run("local_steps", args_of)
    for v, d in zip(model.weights, replica.unpack(result.grads,
                                                  [v.value for v in model.weights])):
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

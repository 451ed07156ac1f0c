"""The data-parallel fit of a model compiled in a DaskStrategy scope.

Layout. Global batch i is rows [i*B, (i+1)*B) of the data, as in
`fit(shuffle=False)`; it is cut into one contiguous part per worker
(`np.array_split`). Worker k's shard is the concatenation of its parts of
every batch: it is built once per fit, on that worker (computed from the
Dask blocks, or from the in-memory arrays), and stays there.

Actors. Each worker holds, for the whole fit, a Dask actor
(`replica.StepActor`) with its replica of the model, its shard and its end
of the all-reduce (`allreduce.Peers`). A step is one direct call per actor,
all in flight at once: no task graph, no scheduler decision (with a client
made with `direct_to_workers=True`; otherwise the scheduler relays them).

A step (steps_per_sync=1). The client sends each actor only the step's
number and its rows. Each actor runs the model's training step on its part
with an optimizer that only records the gradients and scales them by (its
rows / the global batch): the loss of a batch is a mean over its samples,
so these scaled gradients sum to the gradient of the global batch's loss,
and the regularization penalties, scaled the same way, add up to exactly
one copy. The actors sum them among themselves, worker to worker (see
`allreduce`: each owner of a chunk adds the ranks' parts in rank order, so
every replica gets the same bits), and each applies the same optimizer
update (a twin of the client's: clipping, schedules and slots as in local
training; the client's learning rate goes with every step, since callbacks
change it). The client gets back only the metric states (totals, counts,
confusion counts), sums them and adds them to its metrics, as
tf.distribute sums metric variables.

The client's weights. The client model takes rank 0's weights and
optimizer state when something on the client reads them: at the end of
every epoch (before validation and the epoch-end callbacks: checkpoints,
early stopping), at the end of the fit, and after every step when a
callback may read them between steps (`reads_weights_per_batch`: a batch
hook of its own, or a checkpoint every few batches). Weights a callback
sets on the client during the fit (`set_weights`, `assign`, `K.set_value`)
go to the replicas with the next step, as the learning rate does: each
write stamps its variable (`Variable.version`), so finding them costs one
comparison when nothing was written.

Non-trainable weights (BatchNormalization moving statistics): each worker
adds its change times its share to the all-reduced buffer; each replica
adds the sum, which gives the moving mean of the global batch exactly and
the moving variance as the mean of the parts' variances. The normalization
inside a training step uses each worker's own part (tf.distribute's
default, without synchronized batch normalization).

Faults: if an actor's call fails because its worker died (unreachable, or
gone from the scheduler), the client tells the other actors to abandon
the step (they would wait for the lost gradients), takes from a survivor
the state at the start of that step (each actor keeps it until the next
step), places the lost shards again on the survivors (scattered again from
the client's arrays, or computed again from the Dask graph), starts new
actors from that state (one per worker, holding all its shards) and sends
the step again, up to `max_retries` times. Metric states count only once
every rank has finished a step, so a redone step gives the same weights
and logs. When no worker survives, the error says which weights are lost.
"""
import asyncio
import math
import time
import uuid

import numpy as np

from ckeras._internal.distribution import holds_dask
from ckeras.autograd.tensor import Variable
from ckeras.distribute import collections, inference, replica
from ckeras.optimizers.optimizer import LearningRateValue


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
    """The shards and the step actors of one fit.

    `assign[k]` is the worker holding shard k; `ranks` the workers with an
    actor (one per worker, in the order of their first shard) and
    `members[r]` the shards of rank r.
    """

    def __init__(self, strategy, model, xs, ys, sws, plan, train):
        self.strategy, self.model, self.plan, self.train = strategy, model, plan, train
        self.client = strategy.client
        self.weights = model.weights
        self.assign = strategy.workers()[:plan.workers]
        self.dead = set()
        self.data = (xs, ys, sws)
        self.in_memory = not holds_dask(*(a for group in self.data for a in group or ()))
        self.shards = [self._place(k) for k in range(plan.workers)]
        self.seq = self.completed = 0
        self.tokens, self.groups = [], []
        self.actors = []
        self._start_actors()

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

    def _start_actors(self):
        """One `StepActor` per worker holding shards, from the client
        model's current weights and optimizer state (the model crosses to
        each worker once)."""
        payload = replica.ModelPayload(self.model, self.strategy.custom_objects, self.train)
        self.tokens.append(payload.token)
        group = uuid.uuid4().hex
        self.groups.append(group)
        self.ranks = list(dict.fromkeys(self.assign))
        self.members = [[k for k, w in enumerate(self.assign) if w == rank]
                        for rank in self.ranks]
        shipped = self.client.scatter(payload, workers=self.ranks, broadcast=True, hash=False)
        self.actors = [
            self.client.submit(replica.StepActor, shipped, [self.shards[k] for k in ks],
                               group, r, self.ranks, actor=True, workers=[self.ranks[r]],
                               pure=False)
            for r, ks in enumerate(self.members)]
        self.handles = [f.result() for f in self.actors]
        self.synced = Variable.clock
        # held until the actors go: a release now would make the scheduler
        # work (transitions) during the first steps
        self.shipped = shipped

    def _call(self, method, args_of, common):
        """Step `seq` on every rank, all in flight at once: {rank: result or
        exception}. When one fails (or its worker leaves the cluster), the
        others are told to abandon the step, since they would wait for its
        gradients forever, and are waited for."""
        self.seq += 1
        calls, out = {}, {}
        for r, handle in enumerate(self.handles):
            try:
                calls[r] = getattr(handle, method)(self.seq, [args_of(k) for k in
                                                              self.members[r]], *common)
            except Exception as e:      # the actor's worker is already known lost
                out[r] = e
        pending = dict(calls)
        while pending and not _failed(out):
            out.update(self.client.sync(_first_failure, pending, _CHECK_EVERY))
            pending = {r: c for r, c in pending.items() if r not in out}
            if pending and not _failed(out):
                alive = self._known_workers()
                out.update({r: OSError(f"the worker {self.ranks[r]} of rank {r} left the "
                                       "cluster") for r in pending
                            if alive is not None and self.ranks[r] not in alive})
        if _failed(out) and pending:
            for r in list(pending):
                try:
                    self.handles[r].abort(f"a peer of rank {r} failed in step {self.seq}")
                except Exception as e:  # its worker is lost too (Dask says so at the call)
                    out[r] = e
                    del pending[r]
            late = self.client.sync(_first_failure, pending, _ABORT_WAIT, False)
            out.update(late)
            out.update({r: OSError(f"rank {r} did not answer the abort") for r in pending
                        if r not in late})
        return out

    def _known_workers(self):
        """The scheduler's workers, or None when it cannot say right now (a
        busy scheduler: the step's calls then go on waiting)."""
        try:
            return set(self.client.scheduler_info().get("workers", {})) or None
        except Exception:
            return None

    def run(self, method, args_of, common):
        """Runs the actors' `method` on every shard and returns the summed
        `StepResult` of the ranks (metric states and rows); the step is
        redone if workers died under it."""
        from ckeras.distribute import allreduce  # lazy: startup
        last = None
        for _ in range(self.strategy.max_retries + 1):
            out = self._call(method, args_of, common)
            failed = {r: v for r, v in out.items() if isinstance(v, BaseException)}
            if not failed:
                self.completed = self.seq
                return replica.merge(*(out[r] for r in range(len(self.handles))))
            # the cause, rather than the peers it made abandon the step
            last = next((e for e in failed.values() if not isinstance(e, allreduce.Aborted)),
                        next(iter(failed.values())))
            if not self._recover(failed):
                raise last
        raise RuntimeError(
            f"DaskStrategy: a training step failed {self.strategy.max_retries + 1} times "
            f"because workers died (last error: {last!r}); the model holds the weights of "
            "the last complete step.") from last

    def _recover(self, failed):
        """Whether the failures come from workers that died (then the
        survivors go back to the start of the failed step, the client
        model takes that state, the dead workers' shards move to the
        survivors and a new set of actors starts from the client model)
        rather than from the step itself."""
        from distributed import KilledWorker  # lazy: heavy

        from ckeras.distribute import allreduce  # lazy: startup
        alive = self.strategy.workers()
        lost = {r for r, e in failed.items()
                if self.ranks[r] not in alive or isinstance(e, (OSError, KilledWorker))
                or "Actor was lost" in str(e)}
        if not lost or not all(r in lost or isinstance(e, allreduce.Aborted)
                               for r, e in failed.items()):
            return False
        self.dead.update(self.ranks[r] for r in lost)
        survivors = [r for r in range(len(self.ranks)) if r not in lost]
        state = None
        for r in survivors:
            try:
                state = self.handles[r].state_before(self.seq).result()
                break
            except Exception:
                self.dead.add(self.ranks[r])
        if state is None:
            raise RuntimeError(
                "DaskStrategy: every worker of the fit died during step "
                f"{self.seq}; the replicas' weights since the last time the client took "
                "them (the end of the last epoch, or of the last batch a callback read "
                "them at) are lost.") from next(iter(failed.values()))
        self._set_client_state(state)
        self._release_actors()
        alive = self._survivors()
        for k in range(len(self.assign)):
            if self.assign[k] in self.dead:
                self.assign[k] = alive[k % len(alive)]
                self.shards[k].release()
                self.shards[k] = self._place(k)
        self._start_actors()
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

    def pull(self):
        """The client model takes rank 0's weights and optimizer state
        (every rank holds the same), those of the last complete step: a
        failed step's ranks undid it, except those that finished it before
        another failed, whose start of the step is taken instead. Weights
        a callback wrote since the last step stay the newest: written again
        over the replicas', they go with the next step."""
        handle = self.handles[0]
        pending = self.written()
        self._set_client_state(handle.state().result() if self.completed == self.seq
                               else handle.state_before(self.seq).result())
        for i, w in pending or ():
            self.weights[i].assign(w)

    def _set_client_state(self, state):
        flat, opt_weights = state
        model = self.model
        model.set_weights(replica.unpack(flat, [v.value for v in model.weights]))
        if model.optimizer is not None and opt_weights:
            model.optimizer.build(model.trainable_weights)
            model.optimizer.set_weights(opt_weights)
        self.synced = Variable.clock

    def written(self):
        """The client model's weights written since the replicas last held
        the same (a callback's `set_weights`): [(index in model.weights, a
        copy)] for the next step to carry, or None. No variable written
        anywhere since: one comparison."""
        if Variable.clock == self.synced:
            return None
        since, self.synced = self.synced, Variable.clock
        out = [(i, np.array(v.value, copy=True)) for i, v in enumerate(self.weights)
               if v.version > since]
        return out or None

    def traffic(self):
        """Bytes each rank has sent to its peers so far."""
        return [h.traffic().result() for h in self.handles]

    def _release_actors(self):
        for f in self.actors + [self.shipped]:
            f.release()
        self.actors, self.handles = [], []

    def close(self):
        from ckeras.distribute import allreduce  # lazy: startup
        self._release_actors()
        for f in self.shards:
            f.release()
        try:
            for token in self.tokens:
                self.client.run(replica.release, token)
            for group in self.groups:
                self.client.run(allreduce.release, group)
        except Exception:
            pass    # a closed cluster holds no replicas


# Seconds between looks at the cluster while a step runs, and how long
# ranks told to abandon a step get to answer.
_CHECK_EVERY, _ABORT_WAIT = 2.0, 30.0


def _failed(out):
    return any(isinstance(v, BaseException) for v in out.values())


async def _first_failure(calls, timeout, stop_at_failure=True):
    """{rank: result or exception} of the calls that end within `timeout`
    seconds, returning early at the first failure."""
    tasks = {asyncio.ensure_future(_outcome(c)): r for r, c in calls.items()}
    pending, out = set(tasks), {}
    deadline = time.monotonic() + timeout
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        done, pending = await asyncio.wait(pending, timeout=left,
                                           return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            out[tasks[t]] = t.result()
        if stop_at_failure and _failed(out):
            break
    for t in pending:
        t.cancel()
    return out


async def _outcome(call):
    try:
        return await call
    except Exception as e:
        return e


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
    cluster = _Cluster(strategy, model, xs, ys, sws, plan, "sync" if k == 1 else "local")
    groups = math.ceil(steps / k)
    cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                        add_progbar=verbose != 0, model=model,
                                        verbose=verbose, epochs=epochs, steps=groups)
    per_batch = any(reads_weights_per_batch(cb) for cb in cbs.callbacks)
    fresh = True      # the client model holds the replicas' weights
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
                fresh = False
                if k == 1:
                    _sync_step(cluster, model, int(chunk[0]), class_weight)
                else:
                    _local_sgd(cluster, model, chunk, class_weight)
                if per_batch:
                    cluster.pull()
                    fresh = True
                logs = {m.name: float(m.result()) for m in model.metrics}
                cbs.on_train_batch_end(g, logs)
                if model.stop_training:
                    break
            if not fresh:
                cluster.pull()
                fresh = True
            epoch_logs = dict(logs)
            if validation_data is not None and _should_validate(epoch, validation_freq):
                val = _validate(strategy, model, validation_data,
                                validation_batch_size or batch_size, validation_steps)
                epoch_logs.update({"val_" + key: v for key, v in val.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
        cbs.on_train_end(epoch_logs)
    except BaseException:
        if not fresh:
            _pull_if_possible(cluster)
        raise
    finally:
        cluster.close()
    return cbs.history


# Callbacks whose batch hooks read only the logs.
_LOGS_ONLY = ("History", "ProgbarLogger", "BaseLogger", "TerminateOnNaN", "CSVLogger",
              "TensorBoard", "RemoteMonitor")
_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin",
                "on_train_batch_end")


def reads_weights_per_batch(cb):
    """Whether callback `cb` may read the model between steps: it has a
    batch hook of its own, other than those of the ckeras callbacks that
    only log, or it is a ModelCheckpoint or BackupAndRestore saving every
    few batches. For such a callback the client takes the weights after
    every step; otherwise only at the end of each epoch (before
    validation and the epoch-end callbacks) and of the fit."""
    from ckeras import callbacks as callbacks_module  # lazy: startup
    if isinstance(cb, (callbacks_module.ModelCheckpoint, callbacks_module.BackupAndRestore)):
        return getattr(cb, "save_freq", "epoch") != "epoch"
    if type(cb) in tuple(getattr(callbacks_module, n) for n in _LOGS_ONLY):
        return False
    base = callbacks_module.Callback
    return any(getattr(type(cb), h, None) is not getattr(base, h) or h in vars(cb)
               for h in _BATCH_HOOKS)


def _pull_if_possible(cluster):
    """After a failed step: the client model takes the replicas' weights
    (those of the last complete step) when a worker still has them."""
    try:
        cluster.pull()
    except Exception:
        pass      # the error being raised says what was lost


def _client_lr(optimizer):
    """The client optimizer's learning rate when it is a plain float (the
    replicas take it each step: callbacks change it), else None (a
    schedule, which the replicas evaluate themselves)."""
    lr = getattr(optimizer, "learning_rate", None)
    return float(lr) if isinstance(lr, LearningRateValue) else None


def _sync_step(cluster, model, i, class_weight):
    bounds = cluster.plan.bounds[i]
    total = cluster.plan.rows(i)
    result = cluster.run("step", lambda k: (*bounds[k], (bounds[k][1] - bounds[k][0]) / total),
                         (class_weight, _client_lr(model.optimizer), cluster.written()))
    inference.add_states(model, result.metrics)


def _local_sgd(cluster, model, chunk, class_weight):
    plan = cluster.plan
    total = sum(plan.rows(int(i)) for i in chunk)

    def args_of(k):
        bounds = [plan.bounds[int(i)][k] for i in chunk]
        return bounds, sum(hi - lo for lo, hi in bounds) / total

    result = cluster.run("local_steps", args_of,
                         (class_weight, _client_lr(model.optimizer), cluster.written()))
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

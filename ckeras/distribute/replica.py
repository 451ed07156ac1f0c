"""The worker side: model replicas, cached by token, and the tasks they run.

A call (one `fit`, `evaluate` or `predict`) ships its model as a
`ModelPayload`: the JSON config, the weights and the compile arguments.
Dask moves the payload to a worker the first time a task there needs it;
`replica()` then builds the model once per worker and call (the token) and
keeps it for the following tasks, so a model crosses the network once per
worker per call however many blocks or steps there are.

Every function here runs on a worker and returns plain NumPy data.
"""
import collections
import json
import threading
import uuid

import numpy as np

from ckeras.optimizers import Optimizer
from ckeras.saving.hdf5_format import compile_args, training_config_dict
from ckeras.saving.model_config import model_from_json
from ckeras.saving.object_registry import custom_object_scope

# Replicas kept per process: one per (call, worker); older calls are dropped.
_MAX_REPLICAS = 8
_replicas = collections.OrderedDict()
_replicas_lock = threading.Lock()
# Replicas built per token in this process (what the transfer-count test reads).
BUILDS = collections.Counter()


class ModelPayload:
    """What a worker needs to rebuild a model: config, weights, compile
    arguments, under a token naming the call.

    Args:
        model: a built Sequential or Functional model.
        custom_objects: classes and functions its config names (as for
            `load_model`).
        train: None (predict, evaluate), "sync" (the replica's training
            step only records gradients; a separate copy of the optimizer
            applies the all-reduced ones) or "local" (`steps_per_sync > 1`:
            the replica's training step updates it). Both ship the
            optimizer's state.
    """

    def __init__(self, model, custom_objects=None, train=None):
        check_shippable(model)
        self.token = uuid.uuid4().hex
        self.config = model.to_json()
        self.weights = model.get_weights()
        tc = training_config_dict(model)
        self.training_config = None if tc is None else json.dumps(tc)
        self.custom_objects = dict(custom_objects or {})
        self.train = train
        self.optimizer_weights = (model.optimizer.get_weights()
                                  if train and model.optimizer is not None else None)


def check_shippable(model):
    """ValueError unless the workers can rebuild `model` from its config."""
    if getattr(model, "_subclassed", False):
        raise ValueError(
            f"Model {model.name}: a Dask strategy ships models by their config, so it "
            "needs a Sequential or Functional model; a subclassed model has no "
            "config to rebuild it from on the workers.")
    if not model.built:
        raise ValueError(f"Model {model.name} is not built: build it (or call it on "
                         "data) before distributing it.")


class GradientCapture(Optimizer):
    """An optimizer that keeps the gradients it is given instead of applying
    them: the replica runs the model's own training step (custom
    `train_step`s included) and the gradients go to the reduction."""

    def __init__(self):
        super().__init__(name="gradient_capture")
        self.captured = {}

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        self.captured = {id(v): g for g, v in grads_and_vars}
        return self.iterations


class Replica:
    """A model rebuilt on a worker, with the lock its stateful tasks hold.

    `optimizer` is the one that trains it (the compiled one, or for "sync"
    a twin the step actor applies the all-reduced gradients with); `capture`
    the gradient-recording optimizer its training step calls, if any."""

    def __init__(self, payload):
        self.model = model_from_json(payload.config, custom_objects=payload.custom_objects)
        self.model.set_weights(payload.weights)
        self.lock = threading.Lock()
        self.capture = self.optimizer = None
        if payload.training_config is not None:
            args = compile_args(json.loads(payload.training_config),
                                payload.custom_objects,
                                getattr(self.model, "output_names", None))
            self.optimizer = args["optimizer"]
            if payload.train != "local":
                self.capture = args["optimizer"] = GradientCapture()
            # losses and metrics given by name resolve at compile
            with custom_object_scope(payload.custom_objects):
                self.model.compile(**args)
            if payload.train:
                _restore_optimizer(self.optimizer, self.model, payload.optimizer_weights)


def _restore_optimizer(opt, model, weights):
    """Builds `opt` on the model's trainable weights and sets the client
    optimizer's state (an unbuilt one has only its step count, zero)."""
    opt.build(model.trainable_weights)
    if weights and len(weights) > 1:
        opt.set_weights(weights)


def _where():
    """The worker this task runs on (its address), or the thread outside one."""
    try:
        from distributed import get_worker  # lazy: heavy
        return get_worker().address
    except (ImportError, ValueError):
        return threading.get_ident()


def replica(payload):
    """The replica of `payload`'s model on this worker, built on first use."""
    key = (payload.token, _where())
    with _replicas_lock:
        rep = _replicas.get(key)
        if rep is not None:
            _replicas.move_to_end(key)
            return rep
    rep = Replica(payload)
    with _replicas_lock:
        rep = _replicas.setdefault(key, rep)
        BUILDS[payload.token] += 1
        while len(_replicas) > _MAX_REPLICAS:
            _replicas.popitem(last=False)
    return rep


def release(token):
    """Drops this process's replicas of a finished call."""
    with _replicas_lock:
        for key in [k for k in _replicas if k[0] == token]:
            del _replicas[key]


# --------------------------------------------------------------- shards
class Shard:
    """One worker's rows of x, y and sample weights (lists of arrays, None
    where absent), kept on that worker for a whole fit."""

    def __init__(self, x, y, sw):
        self.x, self.y, self.sw = x, y, sw

    def rows(self, lo, hi):
        def cut(arrays):
            return None if arrays is None else [None if a is None else a[lo:hi]
                                                for a in arrays]
        return cut(self.x), cut(self.y), cut(self.sw)


def _single(arrays):
    if arrays is None:
        return None
    return arrays[0] if len(arrays) == 1 else arrays


def _sw(arrays):
    if arrays is None or all(a is None for a in arrays):
        return None
    return _single(arrays)


def metric_states(model):
    """The state arrays of every metric in `model.metrics`, copied."""
    return [[np.array(v, copy=True) for v in m.variables] for m in model.metrics]


# ---------------------------------------------------------------- tasks
def evaluate_block(payload, batch_size, n_x, n_y, *arrays):
    """The metric states of one block evaluated batch by batch: the
    numbers `merge` sums across blocks (sums and counts, never means)."""
    rep = replica(payload)
    xs = [np.asarray(a) for a in arrays[:n_x]]
    ys = [np.asarray(a) for a in arrays[n_x:n_x + n_y]] or None
    sws = [np.asarray(a) for a in arrays[n_x + n_y:]] or None
    n = len(xs[0])
    with rep.lock:
        model = rep.model
        if not n:
            return StepResult(None, None, None, 0)
        model.evaluate(_single(xs), _single(ys) if ys else None, batch_size=batch_size,
                       sample_weight=_sw(sws), verbose=0)
        states = metric_states(model)
    return StepResult(None, None, states, n)


class StepResult:
    """What a worker returns for a step or a block, summed by `merge`:
    scaled gradients (one flat buffer, trainable-weight order), the scaled
    change of the non-trainable weights, metric states, and the rows it
    covered."""

    def __init__(self, grads, nt_delta, metrics, rows):
        self.grads, self.nt_delta, self.metrics, self.rows = grads, nt_delta, metrics, rows


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, np.ndarray):
        return a + b
    return [_add(u, v) if isinstance(u, list) else u + v for u, v in zip(a, b)]


def merge(*results):
    """The sum of several `StepResult`s (the reduction tree's node)."""
    out = results[0]
    for r in results[1:]:
        out = StepResult(_add(out.grads, r.grads), _add(out.nt_delta, r.nt_delta),
                         _add(out.metrics, r.metrics), out.rows + r.rows)
    return out


def pack(arrays, scale=None):
    """`arrays` raveled into one contiguous buffer of their common dtype
    (times `scale`, taken in that dtype): one message body instead of a
    pickled list."""
    dtype = np.result_type(*arrays) if arrays else np.dtype(np.float32)
    out = np.empty(sum(int(a.size) for a in arrays), dtype)
    s = None if scale is None else np.asarray(scale, dtype)
    at = 0
    for a in arrays:
        n = int(a.size)
        if scale is None:
            out[at:at + n] = a.reshape(-1)
        else:
            np.multiply(a.reshape(-1), s, out=out[at:at + n], casting="unsafe")
        at += n
    return out


def unpack(flat, like):
    """The arrays `pack` raveled, shaped and typed as the arrays of `like`
    (views of `flat` where the dtype matches)."""
    out, at = [], 0
    for a in like:
        n = int(np.prod(a.shape))
        out.append(flat[at:at + n].reshape(a.shape).astype(a.dtype, copy=False))
        at += n
    return out


class StepActor:
    """One worker's part of a fit, a Dask actor living on that worker for
    the whole call: its replica, its shards (one, or more after a fault
    moved a dead worker's shards here) and its end of the all-reduce.

    Each step the client sends only which rows to train on; the actors sum
    their gradients among themselves (`allreduce.Peers`), each applies the
    same optimizer update to its replica, and the client gets back the
    metric states (a few numbers). The replicas stay bit-identical: the
    same sum, the same optimizer state, the same update code.

    Args:
        payload: the call's `ModelPayload` (train "sync" or "local").
        shards: this rank's `Shard`s, in shard order.
        group, rank, addresses: the all-reduce's group name, this actor's
            rank, every rank's worker address.
    """

    def __init__(self, payload, shards, group, rank, addresses):
        from ckeras.distribute import allreduce  # lazy: startup
        self.rep = replica(payload)
        self.shards = list(shards)
        self.peers = allreduce.Peers(group, rank, addresses)
        self.snapshot = None
        model = self.rep.model
        self.n_trainable = sum(int(v.value.size) for v in model.trainable_weights)

    async def abort(self, reason="the client abandoned the step"):
        """Wakes a step waiting for peers (runs on the worker's event loop,
        beside the step that holds the actor's thread)."""
        self.peers.abort(reason)

    def traffic(self):
        """Bytes this rank has sent to its peers."""
        return self.peers.bytes_sent

    def _begin(self, seq, learning_rate, written):
        """Takes the weights a callback set on the client since the last
        step (`written`: [(index in model.weights, array)] or None) and the
        client's learning rate (callbacks change both between steps), then
        keeps the state a redone step starts from: with those weights, so
        a step redone after a fault keeps them."""
        model, opt = self.rep.model, self.rep.optimizer
        if written:
            weights = model.weights
            for i, w in written:
                weights[i].value[...] = w
        self.snapshot = (seq, [np.array(v.value, copy=True) for v in model.weights],
                         opt.get_weights())
        if learning_rate is not None and float(opt.learning_rate) != learning_rate:
            opt.learning_rate = learning_rate

    def _restore(self):
        """Back to the state the current step began from (a step that
        failed half-way leaves no trace: non-trainable weights, slots)."""
        _, weights, opt_weights = self.snapshot
        for v, w in zip(self.rep.model.weights, weights):
            v.value[...] = w
        self.rep.optimizer.set_weights(opt_weights)

    def state_before(self, seq):
        """Weights (one flat buffer) and optimizer state at the start of step
        `seq` (the current ones when this actor never began it)."""
        with self.rep.lock:
            model = self.rep.model
            if self.snapshot is not None and self.snapshot[0] == seq:
                return pack(self.snapshot[1]), self.snapshot[2]
            return pack([v.value for v in model.weights]), self.rep.optimizer.get_weights()

    def state(self):
        """The replica's weights (one flat buffer) and optimizer state."""
        with self.rep.lock:
            return (pack([v.value for v in self.rep.model.weights]),
                    self.rep.optimizer.get_weights())

    def step(self, seq, parts, class_weight=None, learning_rate=None, written=None):
        """Synchronous step `seq`: for each shard's (lo, hi, scale) in
        `parts`, the model's training step on rows [lo, hi) with the
        gradient-recording optimizer; the gradients and the changes of the
        non-trainable weights times `scale` (the rows' share of the global
        batch: the loss is a mean, so the shares sum to the global batch's
        gradient) go in one flat buffer, summed over shards and then over
        ranks; every rank applies the sum with its optimizer twin.

        Returns:
            `StepResult` with the metric states and rows only.
        """
        rep = self.rep
        with rep.lock:
            self._begin(seq, learning_rate, written)
            try:
                return self._step(parts, class_weight)
            except BaseException:
                self._restore()
                raise

    def _step(self, parts, class_weight):
        rep, seq = self.rep, self.snapshot[0]
        model = rep.model
        nt_vars = model.non_trainable_weights
        nt_before = [np.array(v.value, copy=True) for v in nt_vars]
        flat, states, rows = None, None, 0
        for shard, (lo, hi, scale) in zip(self.shards, parts):
            if hi <= lo:
                continue
            for v, old in zip(nt_vars, nt_before):
                v.value[...] = old      # each shard's step starts from the same state
            x, y, sw = shard.rows(lo, hi)
            model.train_on_batch(_single(x), _single(y), _sw(sw),
                                 class_weight=class_weight, reset_metrics=True)
            grads = []
            for v in model.trainable_weights:
                g = rep.capture.captured.get(id(v))
                grads.append(np.zeros_like(v.value) if g is None
                             else np.asarray(getattr(g, "value", g)))
            nt_delta = [v.value - old for v, old in zip(nt_vars, nt_before)]
            part = pack(grads + nt_delta, scale=scale)
            flat = part if flat is None else flat + part
            states = _add(states, metric_states(model))
            rows += hi - lo
        if flat is None:      # no rows this step: the sum still needs this rank
            flat = np.zeros_like(pack([v.value for v in model.trainable_weights + nt_vars]))
        total = self.peers.allreduce(flat, seq)
        n = self.n_trainable
        grads = unpack(total[:n], [v.value for v in model.trainable_weights])
        rep.optimizer.apply_gradients(zip(grads, model.trainable_weights))
        for v, old, d in zip(nt_vars, nt_before, unpack(total[n:], nt_before)):
            v.value[...] = old + d
        return StepResult(None, None, states, rows)

    def local_steps(self, seq, parts, class_weight=None, learning_rate=None, written=None):
        """`steps_per_sync` local steps, then the average: `parts` gives per
        shard ([(lo, hi) of each step], scale). The replica trains on this
        rank's rows of each step (the shards' rows together) with its own
        optimizer; its weight change times its share of the rows of those
        steps is all-reduced, and every rank adds the sum to the weights it
        started from (local SGD)."""
        rep = self.rep
        with rep.lock:
            self._begin(seq, learning_rate, written)
            try:
                return self._local_steps(parts, class_weight)
            except BaseException:
                self._restore()
                raise

    def _local_steps(self, parts, class_weight):
        rep, seq = self.rep, self.snapshot[0]
        model = rep.model
        start = self.snapshot[1]
        model.reset_metrics()
        rows = 0
        for step_bounds in zip(*(b for b, _ in parts)):
            cuts = [shard.rows(lo, hi) for shard, (lo, hi) in zip(self.shards, step_bounds)
                    if hi > lo]
            if not cuts:
                continue
            x, y, sw = (_joined([c[j] for c in cuts]) for j in range(3))
            model.train_on_batch(_single(x), _single(y), _sw(sw),
                                 class_weight=class_weight, reset_metrics=False)
            rows += len(x[0])
        scale = sum(s for _, s in parts)
        delta = pack([v.value - w for v, w in zip(model.weights, start)], scale=scale)
        total = self.peers.allreduce(delta, seq)
        for v, w, d in zip(model.weights, start, unpack(total, start)):
            v.value[...] = w + d
        return StepResult(None, None, metric_states(model) if rows else None, rows)


def _joined(groups):
    """The arrays of several shards' cuts (lists of arrays, or None),
    concatenated row-wise."""
    if groups[0] is None:
        return None
    if len(groups) == 1:
        return groups[0]
    return [None if parts[0] is None else np.concatenate(parts) for parts in zip(*groups)]

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
        with_optimizer: also ship the optimizer (for `steps_per_sync > 1`,
            where the replicas run their own updates).
    """

    def __init__(self, model, custom_objects=None, with_optimizer=False):
        check_shippable(model)
        self.token = uuid.uuid4().hex
        self.config = model.to_json()
        self.weights = model.get_weights()
        tc = training_config_dict(model)
        self.training_config = None if tc is None else json.dumps(tc)
        self.custom_objects = dict(custom_objects or {})
        self.with_optimizer = with_optimizer
        self.optimizer_weights = (model.optimizer.get_weights()
                                  if with_optimizer and model.optimizer is not None else None)


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
    """A model rebuilt on a worker, with the lock its stateful tasks hold."""

    def __init__(self, payload):
        self.model = model_from_json(payload.config, custom_objects=payload.custom_objects)
        self.model.set_weights(payload.weights)
        self.lock = threading.Lock()
        self.capture = None
        if payload.training_config is not None:
            args = compile_args(json.loads(payload.training_config),
                                payload.custom_objects,
                                getattr(self.model, "output_names", None))
            if not payload.with_optimizer:
                self.capture = args["optimizer"] = GradientCapture()
            self.model.compile(**args)
            if payload.optimizer_weights and len(payload.optimizer_weights) > 1:
                _restore_optimizer(self.model, payload.optimizer_weights)


def _restore_optimizer(model, weights):
    """The client optimizer's slots (an unbuilt one has only its step
    count, and a fresh optimizer is the same)."""
    opt = model.optimizer
    opt.build(model.trainable_weights)
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
    the whole call: its replica and its shard stay in memory, and each step
    is one direct call from the client (weights in, scaled gradients out,
    one flat buffer each way) with no task graph and no scheduler hop.

    Args:
        payload: the call's `ModelPayload`; shard: the worker's `Shard`.
    """

    def __init__(self, payload, shard):
        self.rep = replica(payload)
        self.shard = shard

    def grad_step(self, weights, lo, hi, scale, class_weight=None):
        """One synchronous step's share: the replica takes the current
        weights (one flat buffer), runs the model's training step on rows
        [lo, hi) of its shard with the gradient-capturing optimizer, and
        returns its gradients (one flat buffer, trainable-weight order) and
        non-trainable-weight changes times `scale` (its rows / the global
        batch), so that their sum over workers is the global batch's."""
        if hi <= lo:
            return StepResult(None, None, None, 0)
        rep = self.rep
        with rep.lock:
            model = rep.model
            model.set_weights(unpack(weights, model.weights))
            nt_before = [v.value.copy() for v in model.non_trainable_weights]
            x, y, sw = self.shard.rows(lo, hi)
            model.train_on_batch(_single(x), _single(y), _sw(sw), class_weight=class_weight,
                                 reset_metrics=True)
            grads = []
            for v in model.trainable_weights:
                g = rep.capture.captured.get(id(v))
                grads.append(np.zeros_like(v.value) if g is None
                             else np.asarray(getattr(g, "value", g)))
            flat = pack(grads, scale=scale)
            nt_delta = [(v.value - old) * np.asarray(scale, old.dtype)
                        for v, old in zip(model.non_trainable_weights, nt_before)]
            return StepResult(flat, nt_delta, metric_states(model), hi - lo)

    def local_steps(self, weights, bounds, scale, class_weight=None):
        """`steps_per_sync` local steps: the replica trains on its rows of
        each of the steps in `bounds` with its own optimizer, then returns
        its weight change times `scale` (its share of the rows of those
        steps, one flat buffer), so the sum over workers is the averaged
        model (local SGD)."""
        rep = self.rep
        with rep.lock:
            model = rep.model
            start = unpack(weights, model.weights)
            model.set_weights(start)
            model.reset_metrics()
            rows = 0
            for lo, hi in bounds:
                if hi > lo:
                    x, y, sw = self.shard.rows(lo, hi)
                    model.train_on_batch(_single(x), _single(y), _sw(sw),
                                         class_weight=class_weight, reset_metrics=False)
                    rows += hi - lo
            delta = [v.value - w for v, w in zip(model.weights, start)]
            return StepResult(pack(delta, scale=scale), None,
                              metric_states(model) if rows else None, rows)

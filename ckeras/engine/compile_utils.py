"""What `compile` sets up: per-output losses and metrics, with Keras' names."""
import numpy as np

from ckeras.autograd.tensor import Tensor
from ckeras.metrics.base import Mean


def _output_config(value, output_names, what, allow_single=True):
    """Maps a compile argument (single, list or dict) to one entry per output."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(
                f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                f"following keys: {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model "
                f"output. The model has {n} output(s), but you passed {what}="
                f"{value!r} ({len(value)} entries).")
        return list(value)
    if not allow_single and value is not None and n > 1:
        raise ValueError(f"{what} must be a list or a dict for a model with {n} outputs.")
    return [value] * n


_ONE_HOT_MESSAGE = (
    "You are passing a target array of shape {shape} while using as loss "
    "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be "
    "binary matrices (1s and 0s) of shape (samples, classes). If your targets are "
    "integer classes, you can convert them to the expected format via:\n```\n"
    "from ckeras.utils import to_categorical\ny_binary = to_categorical(y_int)\n```\n\n"
    "Alternatively, you can use the loss function `sparse_categorical_crossentropy` "
    "instead, which does expect integer targets.")

# Built-in losses computed element by element over targets and predictions.
_ELEMENTWISE_LOSSES = (
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "binary_crossentropy", "hinge", "squared_hinge",
    "categorical_hinge", "kl_divergence", "poisson", "log_cosh", "huber",
    "cosine_similarity")


def _target_rule(losses_module, loss):
    """'same', 'broadcast' or None: how targets must match the output."""
    fn = getattr(loss, "fn", None)
    if fn is None:
        return None
    if fn is losses_module.categorical_crossentropy:
        return "same"
    if any(fn is getattr(losses_module, name) for name in _ELEMENTWISE_LOSSES):
        return "broadcast"
    return None


def _targets_fit(y_shape, out_shape, same):
    """Whether targets of `y_shape` can meet predictions of `out_shape` (None
    for unknown dims) after the losses' rank alignment (`_match_rank`)."""
    ys, ps = tuple(y_shape), tuple(out_shape)
    if len(ys) == 1 and len(ps) == 2:
        ys += (1,)
    if len(ps) - len(ys) == 1 and ps[-1] == 1:
        ps = ps[:-1]
    elif len(ys) - len(ps) == 1 and ys[-1] == 1:
        ys = ys[:-1]
    if len(ys) == len(ps):
        ys, ps = ys[1:], ps[1:]   # the sample counts are checked on their own
    elif same:
        return False
    if same:
        return all(p is None or t == p for t, p in zip(ys, ps))
    return all(p is None or t == p or t == 1 or p == 1
               for t, p in zip(reversed(ys), reversed(ps)))


def _fn_name(fn):
    name = getattr(fn, "name", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return name


def _flatten_for(names, value, what):
    """`value` (a structure of per-output data) as one entry per output name;
    None stays None."""
    if type(value) is list and len(value) == len(names):
        return value        # the engine's own lists, one entry per output
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict):
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(f"{what} has {len(value)} entries for a model with "
                             f"{len(names)} outputs.")
        return list(value)
    if isinstance(value, (list, tuple)) and len(value) == 1 and len(names) == 1:
        return [value[0]]
    return [value]


def output_names_of(y_pred):
    """tf-keras' names for the outputs of a subclassed model: the keys of a
    dict (sorted), else 'output_1', 'output_2', ..."""
    if isinstance(y_pred, dict):
        return sorted(y_pred)
    n = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
    return [f"output_{i + 1}" for i in range(n)]


class LossesContainer:
    """Per-output losses and weights, with the running means Keras logs.

    Created by `compile`; `model.compiled_loss(y_true, y_pred,
    sample_weight=None, regularization_losses=None)` returns the total loss
    (taped) and updates the 'loss' (and per-output) mean trackers. The
    output names are known at compile time for functional models, and from
    the first batch of predictions for subclassed ones.
    """

    def __init__(self, loss, loss_weights, output_names=None):
        self._loss_spec, self._weights_spec = loss, loss_weights
        self._loss_metric = Mean(name="loss")
        self._per_output_metrics = []
        self.output_names = None
        self.losses = []
        self._built = False
        if output_names is not None:
            self.build(output_names)

    @property
    def built(self):
        return self._built

    def build(self, output_names):
        """Resolves the losses once the output names are known."""
        from ckeras import losses as losses_module  # lazy: startup
        self.output_names = list(output_names)
        specs = _output_config(self._loss_spec, self.output_names, "loss")
        weights = (_output_config(self._weights_spec, self.output_names, "loss_weights")
                   if self._weights_spec is not None else [1.0] * len(self.output_names))
        self.losses = []
        for spec in specs:
            if spec is None:
                self.losses.append(None)
                continue
            obj = losses_module.get(spec)
            if not isinstance(obj, losses_module.Loss):
                obj = losses_module.LossFunctionWrapper(obj, name=_fn_name(obj))
            self.losses.append(obj)
        self._target_rules = [_target_rule(losses_module, obj) for obj in self.losses]
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        multi = len(self.output_names) > 1
        self._per_output_metrics = [
            Mean(name=f"{name}_loss") if multi and obj is not None else None
            for name, obj in zip(self.output_names, self.losses)]
        self._built = True

    @property
    def has_loss(self):
        """Whether compile gave a loss for at least one output."""
        return self._loss_spec is not None and (
            not self._built or any(obj is not None for obj in self.losses))

    @property
    def metrics(self):
        """The mean trackers: 'loss', then '<output>_loss' per output."""
        if not self._built:
            return []
        return [self._loss_metric] + [m for m in self._per_output_metrics if m is not None]

    @property
    def names(self):
        return [m.name for m in self.metrics] if self._built else ["loss"]

    def check_targets(self, y_true, output_shapes):
        """Raises Keras' error for targets a built-in loss cannot compare with
        its output, before any forward pass can change layer state.

        Only the losses that compare targets and predictions element by
        element are checked: the targets must broadcast against the output
        after Keras' rank alignment (categorical crossentropy: the same
        shape). Custom and sparse losses define their own target shapes.
        """
        for rule, loss, y, shape in zip(self._target_rules, self.losses, y_true,
                                        output_shapes):
            if rule is None or y is None:
                continue
            if rule == "same" and y.shape[-1:] == (1,) and shape[-1] not in (1, None):
                raise ValueError(_ONE_HOT_MESSAGE.format(shape=y.shape))
            if not _targets_fit(y.shape, shape, same=rule == "same"):
                raise ValueError(
                    f"A target array with shape {y.shape} was passed for an output of "
                    f"shape {tuple(shape)} while using as loss `{loss.name}`. This loss "
                    "expects targets to have the same shape as the output.")

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """The total loss of one batch (taped), updating the mean trackers.

        Args:
            y_true, y_pred: targets and predictions, one per output (a single
                value, a list, or a dict by output name).
            sample_weight: per-sample weights in the same structure, or None.
            regularization_losses: extra scalar losses (`model.losses`).

        Returns:
            The total loss: the weighted sum of the output losses plus the
            regularization losses.
        """
        if not self._built:
            self.build(output_names_of(y_pred))
        if y_true is None and any(obj is not None for obj in self.losses):
            raise ValueError(
                "Target data is missing. Your model was compiled with loss="
                f"{self._loss_spec!r}, and therefore expects target data to be "
                "provided in `fit()`.")
        names = self.output_names
        y_pred = _flatten_for(names, y_pred, "y_pred")
        y_true = _flatten_for(names, y_true, "y")
        sample_weight = _flatten_for(names, sample_weight, "sample_weight")
        total, parts = None, []
        for obj, w, t, p, sw, tracker in zip(self.losses, self.loss_weights, y_true,
                                             y_pred, sample_weight,
                                             self._per_output_metrics):
            if obj is None or t is None:   # no target given for this output
                continue
            value = obj(t, p, sample_weight=sw)
            parts.append((value, tracker))
            term = value * w if w != 1.0 else value
            total = term if total is None else total + term
        for r in regularization_losses or ():
            total = r if total is None else total + r
        if total is None:
            raise ValueError("No loss found. You may have forgotten to provide a `loss` "
                             "argument in the `compile()` method.")
        batch = _batch_size(y_pred)
        _add_to_mean(self._loss_metric, _scalar(total), batch)
        for value, tracker in parts:
            if tracker is not None:
                _add_to_mean(tracker, _scalar(value), batch)
        return total

    def result(self):
        return {m.name: float(m.result()) for m in self.metrics}


def _add_to_mean(mean, value, batch):
    """`mean.update_state(value, sample_weight=batch)` for a scalar, without
    the general broadcasting (once per batch per tracker)."""
    dt = mean.total.dtype.type
    mean.total += dt(value) * dt(batch)
    mean.count += dt(batch)


def _batch_size(y_pred):
    for p in y_pred:
        p = p.value if isinstance(p, Tensor) else p
        shape = p.shape if type(p) is np.ndarray else np.shape(p)
        if shape:
            return shape[0]
    return 1


def _scalar(value):
    a = np.asarray(value.value if isinstance(value, Tensor) else value)
    return float(a.reshape(-1)[0]) if a.size == 1 else float(np.mean(a))


class MetricsContainer:
    """Per-output metrics, resolved on the first batch when shapes are known.

    `model.compiled_metrics.update_state(y_true, y_pred, sample_weight=None)`
    updates them; `metrics` lists the Metric objects, each named as its
    log key ('accuracy', 'out_mae', 'weighted_accuracy', ...).
    """

    def __init__(self, metrics, weighted_metrics, output_names, losses_container):
        self._metrics_spec, self._weighted_spec = metrics, weighted_metrics
        self._losses = losses_container
        self.output_names = None
        self._built = False
        self._entries = []
        if output_names is not None:
            self._set_names(output_names)

    def _set_names(self, output_names):
        self.output_names = list(output_names)
        self._specs = self._per_output(self._metrics_spec, "metrics")
        self._weighted_specs = self._per_output(self._weighted_spec, "weighted_metrics")

    def _per_output(self, value, what):
        names = self.output_names
        if value is None:
            return [[] for _ in names]
        if isinstance(value, dict):
            unknown = [k for k in value if k not in names]
            if unknown:
                raise ValueError(
                    f"Unknown entries in {what} dictionary: {unknown}. Only expected "
                    f"following keys: {names}")
            return [_as_list(value.get(n)) for n in names]
        if isinstance(value, (list, tuple)) and value and all(
                isinstance(v, (list, tuple)) or v is None for v in value):
            if len(value) != len(names):
                raise ValueError(f"When passing a list of lists as {what}, it must have "
                                 f"one entry per output ({len(names)}).")
            return [_as_list(v) for v in value]
        return [_as_list(value) for _ in names]

    def build(self, y_true, y_pred):
        from ckeras import metrics as metrics_module  # lazy: startup
        if self.output_names is None:
            self._set_names(self._losses.output_names if self._losses.built
                            else output_names_of(y_pred))
        losses = self._losses.losses if self._losses.built else [None] * len(y_pred)
        multi = len(self.output_names) > 1
        self._entries = []
        for i, name in enumerate(self.output_names):
            plain = set()
            for specs, weighted in ((self._specs[i], False), (self._weighted_specs[i], True)):
                for spec in specs:
                    obj, metric_name = self._resolve(metrics_module, spec, y_true[i],
                                                     y_pred[i], losses[i])
                    if weighted and metric_name in plain:
                        metric_name = "weighted_" + metric_name
                    plain.add(metric_name)
                    # tf-keras renames the metric objects to their log keys.
                    obj.name = f"{name}_{metric_name}" if multi else metric_name
                    self._entries.append((i, obj, weighted))
        self._built = True

    @staticmethod
    def _resolve(metrics_module, spec, y_true, y_pred, loss):
        if isinstance(spec, str) and spec in ("accuracy", "acc", "crossentropy", "ce"):
            fn = metrics_module.resolve(spec, np.shape(y_true), np.shape(y_pred), loss)
            return metrics_module.MeanMetricWrapper(fn, name=spec), spec
        obj = metrics_module.get(spec)
        if isinstance(obj, metrics_module.Metric):
            return obj, obj.name
        name = spec if isinstance(spec, str) else _fn_name(obj)
        return metrics_module.MeanMetricWrapper(obj, name=name), name

    @property
    def metrics(self):
        return [obj for _, obj, _ in self._entries]

    @property
    def names(self):
        return [obj.name for obj in self.metrics]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Updates every metric with one batch (structures as in
        `LossesContainer.__call__`)."""
        names = self.output_names or output_names_of(y_pred)
        y_pred = _flatten_for(names, y_pred, "y_pred")
        y_true = _flatten_for(names, y_true, "y")
        sample_weight = _flatten_for(names, sample_weight, "sample_weight")
        if not self._built:
            self.build(y_true, y_pred)
        for i, obj, weighted in self._entries:
            if y_true[i] is None:
                continue
            p = y_pred[i]
            mask = getattr(p, "_keras_mask", None)
            if isinstance(p, Tensor):
                p = p.value
            t = y_true[i]
            if isinstance(t, Tensor):
                t = t.value
            sw = sample_weight[i] if weighted else None
            if mask is not None:
                sw = _apply_mask(mask, sw)
            obj.update_state(t, p, sample_weight=sw)

    def reset_state(self):
        for obj in self.metrics:
            obj.reset_state()

    def result(self):
        return {obj.name: float(obj.result()) for obj in self.metrics}


def _apply_mask(mask, sample_weight):
    """tf-keras: a metric is weighted by the output mask (times the sample
    weights, for a weighted metric), so masked entries count nowhere."""
    mask = np.asarray(getattr(mask, "value", mask), dtype=np.float32)
    if sample_weight is None:
        return mask
    sw = np.asarray(getattr(sample_weight, "value", sample_weight), dtype=np.float32)
    if sw.ndim == mask.ndim + 1 and sw.shape[-1] == 1:
        sw = sw.reshape(sw.shape[:-1])
    while 0 < sw.ndim < mask.ndim:
        sw = sw[..., None]
    return sw * mask


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]

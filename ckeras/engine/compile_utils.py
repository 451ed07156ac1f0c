"""What `compile` sets up: per-output losses and metrics, with Keras' names."""
import numpy as np

from ckeras.autograd.tensor import Tensor


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


class LossesContainer:
    """Per-output losses, weights, and the running means Keras logs."""

    def __init__(self, loss, loss_weights, output_names):
        from ckeras import losses as losses_module  # lazy: startup
        self.output_names = output_names
        specs = _output_config(loss, output_names, "loss")
        weights = (_output_config(loss_weights, output_names, "loss_weights")
                   if loss_weights is not None else [1.0] * len(output_names))
        self.losses = []
        for spec in specs:
            if spec is None:
                self.losses.append(None)
                continue
            obj = losses_module.get(spec)
            if not isinstance(obj, losses_module.Loss):
                obj = losses_module.LossFunctionWrapper(obj, name=_fn_name(obj))
            self.losses.append(obj)
        if all(layer is None for layer in self.losses):
            raise ValueError("No loss to compute: pass `loss=` to compile() for at least "
                             "one output.")
        self._target_rules = [_target_rule(losses_module, obj) for obj in self.losses]
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        multi = len(output_names) > 1
        self.names = ["loss"] + ([f"{name}_loss" for name, layer in zip(output_names, self.losses)
                                  if layer is not None] if multi else [])
        self.reset_state()

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
        self._totals = np.zeros(len(self.names))
        self._count = 0.0

    def __call__(self, y_true, y_pred, sample_weights, regularization):
        """Total loss (taped) and the per-output values, for one batch."""
        total = None
        parts = []
        for obj, w, t, p, sw in zip(self.losses, self.loss_weights, y_true, y_pred,
                                    sample_weights):
            if obj is None:
                continue
            value = obj(t, p, sample_weight=sw)
            parts.append(value)
            term = value * w if w != 1.0 else value
            total = term if total is None else total + term
        for r in regularization:
            total = total + r
        return total, parts

    def update_state(self, total, parts, batch_size):
        values = [_scalar(total)] + ([_scalar(p) for p in parts]
                                     if len(self.names) > 1 else [])
        self._totals += np.asarray(values) * batch_size
        self._count += batch_size

    def result(self):
        return dict(zip(self.names, (self._totals / max(self._count, 1)).tolist()))


def _scalar(value):
    if isinstance(value, Tensor):
        value = value.value
    return float(np.asarray(value).reshape(-1)[0]) if np.size(value) == 1 else \
        float(np.mean(value))


class MetricsContainer:
    """Per-output metrics, resolved on the first batch when shapes are known."""

    def __init__(self, metrics, weighted_metrics, output_names, losses):
        self.output_names = output_names
        self._specs = self._per_output(metrics, "metrics")
        self._weighted_specs = self._per_output(weighted_metrics, "weighted_metrics")
        self._losses = losses
        self._built = False
        self.metrics = []

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
        multi = len(self.output_names) > 1
        self.metrics = []
        for i, name in enumerate(self.output_names):
            plain = set()
            for specs, weighted in ((self._specs[i], False), (self._weighted_specs[i], True)):
                for spec in specs:
                    obj, metric_name = self._resolve(metrics_module, spec, y_true[i],
                                                     y_pred[i], self._losses[i])
                    if weighted and metric_name in plain:
                        metric_name = "weighted_" + metric_name
                    plain.add(metric_name)
                    full = f"{name}_{metric_name}" if multi else metric_name
                    self.metrics.append((i, obj, full, weighted))
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
    def names(self):
        return [m[2] for m in self.metrics]

    def update_state(self, y_true, y_pred, sample_weights):
        if not self._built:
            self.build(y_true, y_pred)
        for i, obj, _, weighted in self.metrics:
            p = y_pred[i]
            mask = getattr(p, "_keras_mask", None)
            if isinstance(p, Tensor):
                p = p.value
            sw = sample_weights[i] if weighted else None
            if mask is not None:
                sw = _apply_mask(mask, sw)
            obj.update_state(y_true[i], p, sample_weight=sw)

    def reset_state(self):
        for _, obj, _, _ in self.metrics:
            obj.reset_state()

    def result(self):
        return {name: float(obj.result()) for _, obj, name, _ in self.metrics}


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

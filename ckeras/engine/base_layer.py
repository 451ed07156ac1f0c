"""Layer: the base class of every ckeras layer and model."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ckeras import constraints, initializers, regularizers
from ckeras._internal import config, naming
from ckeras._internal.nest import flatten, map_structure
from ckeras.autograd.function import no_grad
from ckeras.autograd.tensor import SymbolicTensor, Tensor, Variable
from ckeras.engine import call as call_module
from ckeras.engine import weight_sync
from ckeras.engine.input_spec import assert_input_compatibility
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.node import Node
from ckeras.engine.structure import conform_call_input
from ckeras.metrics.base import Mean, Metric

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

_L = TypeVar("_L", bound="Layer")
_ALLOWED_KWARGS = {"input_dim", "input_shape", "batch_input_shape", "batch_size",
                   "weights", "activity_regularizer", "autocast", "implementation"}


def _is_shape(obj):
    return isinstance(obj, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                          for d in obj)


_MISSING = object()
# Whether any layer has ever held a metric: until one does, `model.metrics`
# needs no walk over the layers (it runs once per training batch).
_metric_holders = [False]


def layers_may_hold_metrics():
    """False until some layer gets a metric (`add_metric`, a Metric attribute)."""
    return _metric_holders[0]


def _trackable(name, value):
    """Whether an attribute value is tracked (see `Layer.__setattr__`).
    Private containers are the engine's own bookkeeping unless they hold
    layers (lists of weights it keeps must not become weights again)."""
    if isinstance(value, (Layer, Variable)):
        return True
    if type(value) not in (list, dict, tuple):
        return False
    kinds = (Layer,) if name.startswith("_") else (Layer, Variable)
    if not value:
        return type(value) is not tuple and not name.startswith("_")
    return any(isinstance(x, kinds) for x in _leaves(value))


def _leaves(value):
    """Layers and Variables inside nested lists, tuples and dicts (sorted keys)."""
    if isinstance(value, (Layer, Variable)):
        return [value]
    if isinstance(value, dict):
        try:
            keys = sorted(value)
        except TypeError:
            keys = list(value)
        return [x for k in keys for x in _leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    return []


# Argument types that are never or never hold symbolic tensors: a call with
# one such input and such keyword values needs no walk to rule them out.
_CONCRETE = (np.ndarray, Tensor, Variable)
_PLAIN = (bool, int, float, str, type(None))


# The input size from which a top-level call allocates through the buffer
# cache: smaller calls (batch-1 predict) make no array it would keep.
_BUFFERED_INPUT = 16 * 1024


def _unique(items):
    out, seen = [], set()
    for x in items:
        if id(x) not in seen:
            seen.add(id(x))
            out.append(x)
    return out


class Layer:
    """Base layer: weights, build/call, graph bookkeeping and config.

    Subclasses implement `__init__` (store hyper-parameters), `build(input_shape)`
    (create weights with `add_weight`), `call(inputs)` (the computation, written
    with `ckeras.backend` ops), `compute_output_shape(input_shape)` and
    `get_config()`.

    Args:
        trainable: whether the layer's weights are updated in training.
        name: unique name; default is the snake_case class name plus a counter.
        dtype: dtype of the weights and computations (default `K.floatx()`).
        dynamic: accepted for tf-keras compatibility (ckeras layers always
            run eagerly).
        **kwargs: `input_shape`, `batch_input_shape`, `batch_size` or
            `input_dim` (the input shape, for the first layer of a
            Sequential model); `weights` (initial weights, set when the layer
            is built); `activity_regularizer` (a penalty on the output).

    Example:
        >>> class Scale(Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight('w', shape=(input_shape[-1],),
        ...                                  initializer='ones')
        ...     def call(self, x):
        ...         return x * self.w
    """

    _default_name_zero_based = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fn = cls.__dict__.get("compute_mask")
        if fn is not None and not getattr(fn, "_graph_aware", False):
            cls.compute_mask = _graph_aware_mask(fn)

    def __init__(self, trainable: bool = True, name: str | None = None,
                 dtype: DTypeLike | None = None, dynamic: bool = False, **kwargs: Any) -> None:
        for key in kwargs:
            if key not in _ALLOWED_KWARGS:
                raise TypeError(
                    f"Keyword argument not understood: '{key}' (passed to layer "
                    f"{type(self).__name__}).")
        object.__setattr__(self, "_metrics", [])
        object.__setattr__(self, "_sublayers", [])     # layers and containers
        object.__setattr__(self, "_tracked_vars", [])  # Variables assigned directly
        if name is None:
            name = naming.unique_name(naming.to_snake_case(type(self).__name__),
                                      self._default_name_zero_based)
        elif not isinstance(name, str):
            raise TypeError(f"Layer name must be a string, received: {name!r}")
        self._name = name
        self._trainable = bool(trainable)
        # "string" (text preprocessing layers and their Inputs) has no NumPy twin.
        self._dtype = "string" if dtype == "string" else np.dtype(dtype or config.floatx()).name
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._weights_list = []
        self._regularizers = []
        self._eager_losses = []           # written by engine.call (see record_loss)
        self._loss_generation = None
        self._callable_losses = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._initial_weights = kwargs.get("weights")
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._batch_input_shape = None
        if "batch_input_shape" in kwargs and kwargs["batch_input_shape"] is not None:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif kwargs.get("input_shape") is not None or kwargs.get("input_dim") is not None:
            shape = kwargs.get("input_shape")
            if shape is None:
                shape = (kwargs["input_dim"],)
            elif isinstance(shape, int):
                shape = (shape,)
            self._batch_input_shape = (kwargs.get("batch_size"),) + tuple(shape)

    def __setattr__(self, name, value):
        # Keras tracks what is assigned to a layer: sub-layers and Variables,
        # and containers (lists, dicts) that hold them or may later (an empty
        # list assigned in `__init__` and appended to). A reassigned or
        # deleted attribute stops being tracked unless another one holds it.
        tracked = self.__dict__.get("_sublayers")
        if isinstance(value, Metric) and tracked is not None and \
                not any(value is m for m in self._metrics):
            self._metrics.append(value)     # tf-keras tracks metric attributes
            _metric_holders[0] = True
        if tracked is not None and name != "_outer":
            old = self.__dict__.get(name, _MISSING)
            if old is not value:
                if old is not _MISSING and _trackable(name, old):
                    self._untrack(name, old)
                if _trackable(name, value):
                    into = self._tracked_vars if isinstance(value, Variable) else tracked
                    if not any(value is t for t in into):
                        into.append(value)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        old = self.__dict__.get(name, _MISSING)
        if old is not _MISSING and _trackable(name, old):
            self._untrack(name, old)
        object.__delattr__(self, name)

    def _untrack(self, name, old):
        if any(v is old for k, v in self.__dict__.items() if k != name):
            return
        into = self._tracked_vars if isinstance(old, Variable) else self._sublayers
        into[:] = [t for t in into if t is not old]

    # ----------------------------------------------------------- attributes
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._flatten_layers():
            layer.trainable = value

    def _flatten_layers(self):
        """Direct sub-layers whose weights belong to this layer, in the order
        they were assigned (a dict's by sorted key, as tf-keras)."""
        if not self._sublayers:
            return []
        out = []
        for item in self._sublayers:
            if isinstance(item, Layer):
                out.append(item)
            else:
                out.extend(x for x in _leaves(item) if isinstance(x, Layer))
        return _unique(out)

    def _tracked_variables(self):
        """Variables assigned as attributes (or in tracked containers)."""
        return self._tracked_vars + [x for item in self._sublayers
                                     if not isinstance(item, Layer)
                                     for x in _leaves(item) if isinstance(x, Variable)]

    def _own_weights(self):
        return _unique(self._weights_list + self._tracked_variables())

    # tf-keras orders a layer's weights trainable first (its own, then its
    # sub-layers'), then the non-trainable ones; a Model lists each layer's
    # weights in turn and its own last (Model sets this True).
    _weights_by_layer = False

    def _own_split(self):
        own = self._own_weights()
        return [w for w in own if w.trainable], [w for w in own if not w.trainable]

    @property
    def weights(self):
        """All weights, in tf-keras' order (see `_weights_by_layer`)."""
        if self._weights_by_layer:
            out = []
            for layer in self._flatten_layers():
                out += layer.weights
            trainable, frozen = self._own_split()
            return _unique(out + trainable + frozen)
        return _unique(self.trainable_weights + self.non_trainable_weights)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = []
        for layer in self._flatten_layers():
            out += layer.trainable_weights
        own = self._own_split()[0]
        return _unique(out + own if self._weights_by_layer else own + out)

    @property
    def non_trainable_weights(self):
        if self._weights_by_layer:
            trainable = {id(w) for w in self.trainable_weights}
            return [w for w in self.weights if id(w) not in trainable]
        trainable, frozen = self._own_split()
        if not self.trainable:
            out = trainable + frozen
            for layer in self._flatten_layers():
                out += layer.weights
            return _unique(out)
        out = list(frozen)
        for layer in self._flatten_layers():
            out += layer.non_trainable_weights
        return _unique(out)

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _all_layers(self):
        """This layer and every layer under it, each once, parents first."""
        out, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            children = layer._flatten_layers()
            if children:
                stack.extend(reversed(children))
        return out

    @property
    def losses(self):
        """The losses of this layer and the layers under it: weight
        regularization penalties and `add_loss` callables (evaluated now),
        then the activity penalties and tensors added during the latest
        call (tf-keras: each top-level call replaces those)."""
        out = []
        if not call_module.layers_may_hold_losses():
            return out
        for layer in self._all_layers():
            if layer._regularizers:
                out += [reg(v) for v, reg in layer._regularizers]
            if layer._callable_losses:
                out += [fn() for fn in layer._callable_losses]
            if layer._eager_losses:
                out += layer._eager_losses
        return out

    def add_loss(self, losses, inputs=None, **kwargs):
        """Adds loss tensors to `layer.losses`.

        Args:
            losses: a tensor, a zero-argument callable returning one
                (evaluated each time `losses` is read: the way to
                regularize a weight from outside `call`), or a list of them.
                A symbolic tensor of a functional model's graph becomes part
                of the model and is computed on every call.
            inputs: accepted for Keras 2 compatibility (conditional losses);
                ignored, as tf-keras does.

        Raises:
            ValueError: for a concrete tensor added outside `call` (wrap it
                in a zero-argument `lambda`).

        Example:
            >>> class ActivityReg(Layer):
            ...     def call(self, x):
            ...         self.add_loss(0.01 * K.sum(K.square(x)))
            ...         return x
        """
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, (Tensor, SymbolicTensor)):
                self._callable_losses.append(loss)
                call_module.note_loss_holder()
            elif isinstance(loss, SymbolicTensor):
                self._add_symbolic("loss", loss)
            else:
                state = call_module.call_state()
                if state.tracing:
                    continue
                if not state.depth:
                    raise ValueError(
                        f"Layer {self.name}: add_loss received a concrete value outside "
                        "of a layer call. Pass a symbolic tensor, or wrap the loss "
                        "computation in a zero-argument `lambda`.")
                call_module.record_loss(self, loss)

    def _add_symbolic(self, kind, tensor, name=None):
        raise ValueError(
            f"Layer {self.name}: a symbolic tensor can only be added as a {kind} to a "
            f"functional model; received {tensor!r}.")

    def add_metric(self, value, name=None, aggregation=None, **kwargs):
        """Adds a metric tensor: its mean over each epoch appears in the logs
        of `fit`/`evaluate` under `name` (tf-keras 2 semantics).

        Args:
            value: the metric value (a tensor, or a symbolic tensor of a
                functional model).
            name: the log name (required).
            aggregation: None or 'mean' (the mean over the batches).

        Example:
            >>> class Probe(Layer):
            ...     def call(self, x):
            ...         self.add_metric(K.mean(x), name="mean_activation")
            ...         return x
        """
        if aggregation not in (None, "mean"):
            raise ValueError(f"Layer {self.name}: add_metric supports aggregation=None or "
                             f"'mean'; received {aggregation!r}.")
        if name is None:
            raise ValueError(
                f"Layer {self.name}: please provide a name for your metric, like "
                "`self.add_metric(K.sum(inputs), name='mean_activation')`.")
        if isinstance(value, SymbolicTensor):
            self._add_symbolic("metric", value, name)
            return
        if call_module.call_state().tracing:
            return
        if any(value is getattr(m, "_last_result", None) for m in self._metrics):
            return      # the result of a tracked metric's call: logged as itself
        metric = self._metric_named(name)
        metric.update_state(value.value if isinstance(value, Tensor) else value)

    def add_update(self, updates, inputs=None):
        """Runs state updates now (tf-keras 2, eager): zero-argument
        callables are called; assignments such as `v.assign(x)` have already
        happened when they are passed. `inputs` is accepted for Keras 2
        compatibility and ignored.

        Example:
            >>> layer.add_update(lambda: counter.assign_add(np.float32(1)))
        """
        for update in updates if isinstance(updates, (list, tuple)) else [updates]:
            if callable(update) and not isinstance(update, Tensor):
                update()

    @property
    def updates(self):
        """Always empty, as in tf-keras 2: updates run when they are made."""
        warnings.warn("`layer.updates` will be removed in a future version. This property "
                      "should not be used in TensorFlow 2.0, as `updates` are applied "
                      "automatically.", stacklevel=2)
        return []

    def get_losses_for(self, inputs):
        """Deprecated (tf-keras 2): returns `layer.losses`."""
        warnings.warn("`layer.get_losses_for` is deprecated and will be removed in a future "
                      "version. Please use `layer.losses` instead.", stacklevel=2)
        return self.losses

    def get_updates_for(self, inputs):
        """Deprecated (tf-keras 2): returns `layer.updates` (empty)."""
        warnings.warn("`layer.get_updates_for` is deprecated and will be removed in a future "
                      "version. Please use `layer.updates` method instead.", stacklevel=2)
        return []

    def _metric_named(self, name):
        for m in self._metrics:
            if m.name == name:
                return m
        m = Mean(name=name)
        self._metrics.append(m)
        _metric_holders[0] = True
        return m

    @property
    def metrics(self):
        """Metrics added with `add_metric` by this layer and the layers under it."""
        return [m for layer in self._all_layers() for m in layer._metrics]

    # -------------------------------------------------------------- weights
    def add_weight(self, name: str | None = None, shape: Sequence[int] | None = None,
                   dtype: DTypeLike | None = None, initializer: Any = None, regularizer: Any = None,
                   trainable: bool | None = None, constraint: Any = None,
                   use_resource: bool | None = None, synchronization: str = "auto",
                   aggregation: str = "none", **kwargs: Any) -> Variable:
        """Creates a weight Variable of this layer.

        Args:
            name: the weight name ('kernel'); the variable is named
                '<layer name>/<name>:0' ('Variable' when not given).
            shape: tuple of ints (default: a scalar).
            dtype: defaults to the layer dtype.
            initializer: name, instance or callable `(shape, dtype)`
                (default glorot_uniform for floats, zeros otherwise).
            regularizer: penalty added to `layer.losses`.
            trainable: whether optimizers update it (default True, False
                for `synchronization='on_read'` as in tf-keras).
            constraint: callable applied to the value after each update.
            use_resource: accepted for tf-keras compatibility.
            synchronization: a TensorFlow distribution setting; only
                `'on_read'` changes anything (the `trainable` default).
            aggregation: a TensorFlow distribution setting, accepted for
                tf-keras compatibility (one process here).
            **kwargs: tf-keras' `getter`, `partitioner`,
                `experimental_autocast`, `caching_device`; others raise.

        Returns:
            The new `Variable`.

        Raises:
            TypeError: an unknown keyword argument.
            ValueError: a trainable on-read variable (tf-keras' rule).
        """
        unknown = set(kwargs) - {"getter", "partitioner", "experimental_autocast",
                                 "caching_device", "collections"}
        if unknown:
            raise TypeError(f"Layer {self.name}: unknown keyword argument(s) to add_weight: "
                            f"{sorted(unknown)}.")
        on_read = str(synchronization).lower().endswith("on_read")
        if trainable is None:
            trainable = not on_read
        elif trainable and on_read:
            raise ValueError(
                f"Layer {self.name}: synchronization=ON_READ is for non-trainable "
                "variables; set `trainable=False`.")
        shape = tuple(int(d) for d in (shape or ()))
        dtype = np.dtype(dtype or self._dtype)
        init = initializers.get(initializer if initializer is not None else
                                ("glorot_uniform" if dtype.kind == "f" else "zeros"))
        value = init(shape, dtype=dtype)
        var = Variable(value, dtype=dtype, name=f"{self.name}/{name or 'Variable'}:0",
                       trainable=bool(trainable), constraint=constraints.get(constraint))
        self._weights_list.append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularizers.append((var, reg))
            call_module.note_loss_holder()
        return var

    def get_weights(self) -> list[np.ndarray]:
        """Returns the weights as a list of NumPy arrays (copies)."""
        return [w.value.copy() for w in self.weights]

    def set_weights(self, weights: list[ArrayLike]) -> None:
        """Sets the weights from a list of NumPy arrays (shapes must match)."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a '
                f"weight list of length {len(weights)}, but the layer was expecting "
                f"{len(params)} weights. Provided weights: {str(weights)[:50]}...")
        arrays = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if p.shape != w.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {p.shape} is not compatible "
                    f"with provided weight shape {w.shape}.")
            arrays.append(w)
        weight_sync.assign(params, arrays)   # a concurrent predict sees all or none

    def count_params(self) -> int:
        """Total number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name}, but the "
                f"layer isn't built. You can build it manually via: "
                f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(w.size for w in self.weights))

    # ---------------------------------------------------------- computation
    def build(self, input_shape):
        """Creates the weights; `input_shape` is a tuple (or list of tuples)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation (identity here)."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`; by default found by a trial run."""
        dummies = _map_shapes(input_shape, lambda s: KerasTensor(s, self._dtype))
        return self._trial_output_spec(dummies, (), {})[0]

    def compute_mask(self, inputs, mask=None):
        """Output mask: passes the input mask through if masking is supported."""
        if not self.supports_masking:
            return None
        return mask

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            inputs, args = args[0], args[1:]
        else:
            inputs = kwargs.pop("inputs")
        single = type(inputs) in _CONCRETE
        if not (single and not args and all(type(v) in _PLAIN for v in kwargs.values())) and any(
                isinstance(t, SymbolicTensor) for t in flatten((inputs, args, kwargs))):
            return self._symbolic_call(inputs, args, kwargs)
        if single:     # one array or Tensor: the structure helpers' walk skipped
            inputs = conform_call_input(inputs, self._dtype)
        else:
            inputs = map_structure(lambda x: conform_call_input(x, self._dtype), inputs)
        shapes = _shapes_of(inputs)
        if not self.built:
            self._maybe_build(shapes)
        assert_input_compatibility(self.input_spec, _as_list(shapes), self.name)
        in_mask = kwargs.get("mask")
        if in_mask is None:
            in_mask = getattr(inputs, "_keras_mask", None) if single else \
                call_module.input_mask(inputs)
        with call_module.context(kwargs.get("training"), buffers=not single or (
                inputs.size * inputs.dtype.itemsize >= _BUFFERED_INPUT)) as ctx:
            outputs, out_mask = call_module.invoke(self, inputs, args, kwargs,
                                                   training=ctx.training, in_mask=in_mask)
        return _eager_outputs(outputs, out_mask)

    def _maybe_build(self, input_shapes):
        if self.built:
            return
        self.build(input_shapes)
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def _symbolic_call(self, inputs, args, kwargs):
        shapes = _shapes_of(inputs)
        if not self.built:
            self._maybe_build(shapes)
        assert_input_compatibility(self.input_spec, _as_list(shapes), self.name)
        maybe_masked = any(getattr(t, "_maybe_masked", False) for t in flatten(inputs))
        output_shapes, output_dtypes = self._output_spec(inputs, args, kwargs)
        outputs = _build_outputs(output_shapes, output_dtypes)
        Node(self, (inputs,) + tuple(args), dict(kwargs), outputs)
        masked = (type(self).compute_mask is not Layer.compute_mask or
                  (self.supports_masking and maybe_masked))
        for i, t in enumerate(flatten(outputs)):
            t._maybe_masked = masked
            t.name = f"{self.name}/output_{i}" if len(flatten(outputs)) > 1 else self.name
        return outputs

    def _output_spec(self, inputs, args, kwargs):
        """(shapes, dtypes) of the outputs for symbolic `inputs`."""
        if type(self).compute_output_shape is not Layer.compute_output_shape and not args \
                and not any(isinstance(t, SymbolicTensor) for t in flatten(kwargs)):
            shapes = self.compute_output_shape(_shapes_of(inputs))
            in_dtypes = [t.dtype for t in flatten(inputs)]
            dtype = self._output_dtype(in_dtypes)
            return shapes, dtype
        return self._trial_output_spec(inputs, args, kwargs)

    def _output_dtype(self, input_dtypes):
        if input_dtypes and all(np.dtype(d).kind != "f" for d in input_dtypes) \
                and not self._weights_list:
            return input_dtypes[0]
        return self._dtype

    def _trial_output_spec(self, inputs, args, kwargs):
        """Runs `call` on dummy data twice (unknown dims = 1, then 2)."""
        runs = []
        for fill in (1, 2):
            def dummy(t, fill=fill):
                if isinstance(t, KerasTensor):
                    return np.ones([fill if d is None else d for d in t.shape], t.dtype)
                return t
            call_kwargs = map_structure(dummy, kwargs)
            if not call_module.signature(type(self)).training:
                call_kwargs.pop("training", None)
            elif call_kwargs.get("training") is None:
                call_kwargs["training"] = False
            state = call_module.call_state()
            tracing, state.tracing = state.tracing, True
            try:
                with no_grad(), np.errstate(all="ignore"):
                    out = self.call(map_structure(dummy, inputs),
                                    *map_structure(dummy, args), **call_kwargs)
            finally:
                state.tracing = tracing
            runs.append(out)
        merged = _merge_trial_shapes(runs[0], runs[1])
        dtypes = map_structure(lambda a: np.asarray(a).dtype.name, runs[0])
        return merged, dtypes

    # ------------------------------------------------------ graph accessors
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name} is not connected, no {what} to return.")
        values = [getattr(n, attr) for n in self._inbound_nodes]
        if len(values) > 1 and any(_struct_id(v) != _struct_id(values[0]) for v in values):
            raise AttributeError(
                f'Layer "{self.name}" has multiple inbound nodes, with different '
                f"{what}s. Hence the notion of \"{what}\" is ill-defined for the "
                f"layer. Use `get_{what.replace(' ', '_')}_at(node_index)` instead.")
        return values[0]

    @property
    def input(self):
        self._single_node("input")
        return self._inbound_nodes[0].call_args[0]

    @property
    def output(self):
        self._single_node("output")
        return self._inbound_nodes[0].outputs

    def _single_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name} is not connected, no {what} to return.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer {self.name} has multiple inbound nodes, hence the notion of "
                f'"layer {what}" is ill-defined. Use `get_{what}_at(node_index)` instead.')

    @property
    def input_shape(self):
        if not self._inbound_nodes and self._batch_input_shape is not None:
            return self._batch_input_shape
        return self._node_attr("input_shapes", "input shape")

    @property
    def output_shape(self):
        return self._node_attr("output_shapes", "output shape")

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].call_args[0]

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].outputs

    def get_input_shape_at(self, node_index):
        return self._inbound_nodes[node_index].input_shapes

    def get_output_shape_at(self, node_index):
        return self._inbound_nodes[node_index].output_shapes

    # --------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as a JSON-friendly dict."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls: type[_L], config: dict[str, Any]) -> _L:
        """Creates a layer from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self.name}>"


def _graph_aware_mask(fn):
    """Wraps a layer class's `compute_mask` so that, asked on graph tensors
    (Keras 2's `layer.compute_mask(model.input)` then `K.function`), it
    returns a graph tensor computed by `fn` when the graph runs, instead of
    running NumPy on placeholders."""
    def compute_mask(self, inputs, mask=None):
        if type(inputs) is not np.ndarray and not isinstance(inputs, Tensor) and any(
                isinstance(t, SymbolicTensor) for t in flatten((inputs, mask))):
            return _MaskOf(self, fn)(inputs, mask=mask)
        return fn(self, inputs, mask)

    compute_mask.__name__ = fn.__name__
    compute_mask.__qualname__ = fn.__qualname__
    compute_mask.__doc__ = fn.__doc__
    compute_mask._graph_aware = True
    return compute_mask


def _eager_outputs(outputs, out_mask):
    """The outputs of a call on concrete values as eager Tensors (as tf.keras
    returns EagerTensors), carrying their masks as `_keras_mask`."""
    outputs = map_structure(lambda o: Tensor(o) if type(o) is np.ndarray else o, outputs)
    if out_mask is not None:
        for o, m in zip(flatten(outputs), flatten(out_mask)):
            if isinstance(o, Tensor):
                o._keras_mask = m
    return outputs


def _struct_id(v):
    return repr(v)


def _as_list(shapes):
    return shapes if isinstance(shapes, list) else [shapes]


def _shapes_of(inputs):
    """Shape tuple of one input, or a list of them for several."""
    if isinstance(inputs, (list, tuple)):
        return [tuple(t.shape) for t in inputs]
    if isinstance(inputs, dict):
        return [tuple(inputs[k].shape) for k in sorted(inputs)]
    return tuple(inputs.shape)


def _map_shapes(shapes, fn):
    if _is_shape(shapes):
        return fn(shapes)
    return [fn(tuple(s)) for s in shapes]


def _merge_trial_shapes(a, b):
    if isinstance(a, (list, tuple)):
        return [_merge_trial_shapes(x, y) for x, y in zip(a, b)]
    sa, sb = np.shape(a), np.shape(b)
    return tuple(None if x != y else x for x, y in zip(sa, sb))


def _build_outputs(shapes, dtypes):
    if _is_shape(shapes):
        dtype = dtypes if isinstance(dtypes, str) else flatten(dtypes)[0]
        return KerasTensor(shapes, dtype)
    shapes = list(shapes)
    if isinstance(dtypes, str):
        dtypes = [dtypes] * len(shapes)
    return [_build_outputs(tuple(s) if _is_shape(tuple(s)) else s, d)
            for s, d in zip(shapes, dtypes)]


class _MaskOf(Layer):
    """A graph node computing `layer.compute_mask(inputs, mask)` (see
    `_graph_aware_mask`)."""

    def __init__(self, layer, fn):
        super().__init__(name=naming.unique_name(layer.name + "_mask"))
        # Not a sub-layer: the node reads the layer, it does not own its weights.
        object.__setattr__(self, "_target", layer)
        self._fn = fn

    def call(self, inputs, mask=None):
        return self._fn(self._target, inputs, mask)

    def compute_mask(self, inputs, mask=None):
        return None

"""Functional: a model defined as a graph of layer calls on KerasTensors.

The graph is walked once at construction into an execution plan (a list of
steps, each a layer call with its input and output slots); running the model
replays the plan over a dict of values, so each call costs only the layer
calls themselves.
"""

import threading

from ckeras._internal import naming
from ckeras._internal.nest import flatten, map_structure
from ckeras.autograd.tensor import Tensor
from ckeras.engine import call, structure
from ckeras.engine.input_layer import InputLayer
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.training import Model

_last_masks = threading.local()   # see Functional.call


class _Ref:
    """A slot in a step's argument template: the value of one tensor."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key


def _template(struct):
    if isinstance(struct, KerasTensor):
        return _Ref(id(struct))
    if isinstance(struct, list):
        return [_template(s) for s in struct]
    if isinstance(struct, tuple):
        return tuple(_template(s) for s in struct)
    if isinstance(struct, dict):
        return {k: _template(v) for k, v in struct.items()}
    return struct


def _fill(struct, values):
    if isinstance(struct, _Ref):
        return values[struct.key]
    if isinstance(struct, list):
        return [_fill(s, values) for s in struct]
    if isinstance(struct, tuple):
        return tuple(_fill(s, values) for s in struct)
    if isinstance(struct, dict):
        return {k: _fill(v, values) for k, v in struct.items()}
    return struct


def _with_masks(template, filled, masks, keys):
    """`filled` with each tensor of `keys` that has a mask in `masks` as a
    Tensor carrying it (`_keras_mask`)."""
    if isinstance(template, _Ref):
        mask = masks.get(template.key) if template.key in keys else None
        if mask is None:
            return filled
        tensor = filled if isinstance(filled, Tensor) else Tensor(filled)
        tensor._keras_mask = mask
        return tensor
    if isinstance(template, (list, tuple)):
        return type(template)(_with_masks(t, f, masks, keys)
                              for t, f in zip(template, filled))
    if isinstance(template, dict):
        return {k: _with_masks(template[k], filled[k], masks, keys) for k in template}
    return filled


class _Step:
    """One node of the plan: a layer call with its argument and output slots."""

    __slots__ = ("layer", "node", "sig", "single_in", "args", "kwargs", "out_keys",
                 "single_out", "wants_mask", "arg_mask_keys")

    def __init__(self, node, maybe_masked):
        self.layer = node.layer
        self.node = node
        self.sig = call.signature(type(self.layer))
        inputs = node.call_args[0]
        self.single_in = isinstance(inputs, KerasTensor) and len(node.call_args) == 1 \
            and not node.call_kwargs
        self.args = id(inputs) if self.single_in else _template(node.call_args)
        self.kwargs = _template(node.call_kwargs)
        self.out_keys = [id(t) for t in node.output_tensors]
        self.single_out = isinstance(node.outputs, KerasTensor)
        # Whether input masks can exist and matter here (known from the graph).
        self.wants_mask = maybe_masked and (self.sig.mask or self.sig.computes_mask
                                            or self.layer.supports_masking)
        # Tensors passed as other arguments (MultiHeadAttention's value and
        # key) whose Keras masks the layer reads from `_keras_mask`, as
        # eager calls give them.
        self.arg_mask_keys = frozenset(
            id(t) for t in flatten((node.call_args[1:], node.call_kwargs))
            if isinstance(t, KerasTensor) and getattr(t, "_maybe_masked", False)
        ) if getattr(self.layer, "reads_argument_masks", False) else frozenset()

    def gather(self, values, masks=None):
        """(inputs, other args, kwargs) of this call from the value store
        (other tensor arguments carry their masks when the layer reads them)."""
        args = _fill(self.args, values)
        kwargs = _fill(self.kwargs, values)
        if self.arg_mask_keys and masks:
            args = (args[0],) + _with_masks(self.args[1:], args[1:], masks,
                                            self.arg_mask_keys)
            kwargs = _with_masks(self.kwargs, kwargs, masks, self.arg_mask_keys)
        return args[0], args[1:], kwargs

    def input_mask(self, masks):
        """The masks of this call's inputs from the mask store, or None."""
        if masks is None or not self.wants_mask:
            return None
        in_mask = map_structure(lambda t: masks.get(id(t)), self.node.call_args[0])
        return in_mask if any(m is not None for m in flatten(in_mask)) else None

    def scatter(self, store, out):
        """Stores the call's outputs (or output masks) under their slots."""
        if self.single_out:
            store[self.out_keys[0]] = out
        else:
            for key, o in zip(self.out_keys, flatten(out)):
                store[key] = o


class Functional(Model):
    """A model built from input and output KerasTensors.

    Args:
        inputs: a KerasTensor from `Input()`, or a list/dict of them.
        outputs: a KerasTensor, or a list/dict of them, computed from `inputs`.
        name: model name (default 'model', 'model_1', ...).

    Example:
        >>> a = Input(shape=(3,)); b = Input(shape=(4,))
        >>> merged = concatenate([Dense(8)(a), Dense(8)(b)])
        >>> model = Model([a, b], [Dense(1)(merged), Dense(2)(merged)])
    """

    _subclassed = False
    _added = ()           # (kind, tensor id, name) from add_loss/add_metric
    _added_plan = ()

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        # Keras 1/2.0 spelled these `input` and `output`.
        inputs = kwargs.pop("input", inputs)
        outputs = kwargs.pop("output", outputs)
        if inputs is None or outputs is None:
            raise ValueError("A functional Model needs both `inputs` and `outputs`.")
        if name is None:
            name = naming.unique_name("model")
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._init_graph_network(inputs, outputs)

    # ---------------------------------------------------------------- graph
    def _init_graph_network(self, inputs, outputs):
        if isinstance(inputs, dict):
            self._input_keys = sorted(inputs)
        else:
            self._input_keys = None
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    "Input tensors and output tensors of a functional Model must be "
                    f"KerasTensors (from `Input()` and layer calls). Received: {t!r}")
        self._network_nodes, self._nodes_by_depth, self._graph_layers = \
            self._map_graph(self.inputs, self.outputs)
        input_ids = {id(t) for t in self.inputs}
        self._plan = [_Step(node, any(getattr(t, "_maybe_masked", False)
                                      for t in node.input_tensors))
                      for node in self._topological_nodes
                      if not (node.is_input or all(id(t) in input_ids
                                                   for t in node.output_tensors))]
        self._outputs_maybe_masked = any(getattr(t, "_maybe_masked", False)
                                         for t in self.outputs)
        self._input_ids = [id(t) for t in self.inputs]
        self._output_ids = [id(t) for t in self.outputs]
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = [t._keras_history[0].name for t in self.outputs]
        self._added, self._added_plan = (), ()
        self.built = True
        self._is_graph_network = True

    def _map_graph(self, inputs, outputs):
        """Orders the nodes feeding `outputs`, as Keras does for `layers`."""
        input_ids = {id(t) for t in inputs}
        finished, in_progress, order, layer_index = set(), set(), [], {}

        def visit(tensor):
            if tensor._keras_history is None:
                raise ValueError(f"Tensor {tensor!r} was not produced by a layer.")
            layer = tensor._keras_history[0]
            node = tensor.node
            if id(node) in finished:
                return
            if id(node) in in_progress:
                raise ValueError(f"The graph contains a cycle at layer {layer.name}.")
            layer_index.setdefault(layer, len(layer_index))
            in_progress.add(id(node))
            if id(tensor) not in input_ids:
                if node.is_input:
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {tensor!r} "
                        f'at layer "{layer.name}". The following previous layers were '
                        f"accessed without issue: "
                        f"{[other.name for other in layer_index if other is not layer]}")
                for t in node.input_tensors:
                    visit(t)
            finished.add(id(node))
            in_progress.discard(id(node))
            order.append(node)

        for t in outputs:
            visit(t)
        for t in inputs:
            if t._keras_history is None:
                raise ValueError(f"Model input {t!r} was not produced by Input().")
            if t._keras_history[0] not in layer_index:
                layer_index[t._keras_history[0]] = -1
                order.insert(0, t.node)
        self._topological_nodes = order
        node_depth, layer_depth = {}, {}
        for node in reversed(order):
            depth = max(node_depth.setdefault(id(node), 0),
                        layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = depth
            node_depth[id(node)] = depth
            if any(id(t) in input_ids for t in node.output_tensors):
                continue
            for t in node.input_tensors:
                parent = t.node
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        nodes_by_depth = {}
        for node in order:
            nodes_by_depth.setdefault(node_depth[id(node)], []).append(node)
        layers_by_depth = {}
        for layer, depth in layer_depth.items():
            layers_by_depth.setdefault(depth, []).append(layer)
        layers = []
        for depth in sorted(layers_by_depth, reverse=True):
            layers.extend(sorted(layers_by_depth[depth], key=layer_index.get))
        return {id(n) for n in order}, nodes_by_depth, layers

    @property
    def layers(self):
        return list(self._graph_layers)

    def _flatten_layers(self):
        return [layer for layer in self._graph_layers if not isinstance(layer, InputLayer)]

    @property
    def input(self):
        return self._nested_inputs if not isinstance(self._nested_inputs, list) or \
            len(self._nested_inputs) != 1 else self._nested_inputs[0]

    @property
    def output(self):
        return self._nested_outputs if not isinstance(self._nested_outputs, list) or \
            len(self._nested_outputs) != 1 else self._nested_outputs[0]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ------------------------------------------------------------ execution
    def _run(self, values, training=None, masks=None):
        """Replays the plan; `values` maps input ids to arrays/Tensors.

        `masks`, when a dict, holds the masks of the inputs and receives the
        mask of each tensor (by id).
        """
        return self._run_steps(self._plan, values, training, masks)

    @staticmethod
    def _run_steps(plan, values, training, masks):
        for step in plan:
            if step.single_in:   # the common case, kept inline: batch-1 predict
                x, args, kwargs = values[step.args], (), {}
            else:
                x, args, kwargs = step.gather(values, masks)
            in_mask = step.input_mask(masks) if step.wants_mask else None
            out, out_mask = call.invoke(step.layer, x, args, kwargs, training=training,
                                        in_mask=in_mask, sig=step.sig)
            if step.single_out:
                values[step.out_keys[0]] = out
            else:
                step.scatter(values, out)
            if out_mask is not None and masks is not None:
                step.scatter(masks, out_mask)
        return values

    def _add_symbolic(self, kind, tensor, name=None):
        """`add_loss`/`add_metric` of a symbolic tensor computed from the
        model's inputs: its subgraph joins the model and runs on every call
        (after the outputs); the value becomes a loss of the model, or
        updates the mean metric `name`.

        Raises:
            ValueError: the tensor is not computed from the model's inputs.
        """
        saved = self._topological_nodes
        try:
            self._map_graph(self.inputs, [tensor])
            extra = [node for node in self._topological_nodes
                     if id(node) not in self._network_nodes
                     and not any(node is step.node for step in self._added_plan)]
        except ValueError as e:
            raise ValueError(f"Model {self.name}: the {kind} tensor {tensor!r} is not "
                             f"computed from the model's inputs ({e}).") from e
        finally:
            self._topological_nodes = saved
        # As tf-keras, layers met only on the way to the added tensor join
        # the model's layers (after the others), so their weights train.
        known = {id(layer) for layer in self._graph_layers}
        for node in extra:
            if not node.is_input and id(node.layer) not in known:
                known.add(id(node.layer))
                self._graph_layers = list(self._graph_layers) + [node.layer]
        self._added_plan = list(self._added_plan) + [
            _Step(node, any(getattr(t, "_maybe_masked", False) for t in node.input_tensors))
            for node in extra if not node.is_input]
        self._added = list(self._added) + [(kind, id(tensor), name)]

    def _run_added(self, values, training, masks):
        """Computes the tensors given to add_loss/add_metric and records them."""
        state = call.call_state()
        self._run_steps(self._added_plan, values, training, masks)
        for kind, key, name in self._added:
            if kind == "loss":
                call.record_loss(self, values[key])
            elif not state.tracing:
                value = values[key]
                self._metric_named(name).update_state(getattr(value, "value", value))

    def _seed(self, inputs, mask):
        """Value and mask stores holding the model inputs."""
        if len(self._input_ids) == 1 and not isinstance(inputs, (list, tuple, dict)):
            values = {self._input_ids[0]: inputs}
        else:
            values = dict(zip(self._input_ids, structure.split_call_inputs(self, inputs)))
        masks = {}
        if mask is not None:
            for key, m in zip(self._input_ids, flatten(mask)):
                if m is not None:
                    masks[key] = m
        return values, masks

    def call(self, inputs, training=None, mask=None):
        """Runs the graph on concrete inputs (arrays or Tensors)."""
        values, masks = self._seed(inputs, mask)
        self._run(values, training, masks)
        if self._added:
            self._run_added(values, training, masks)
        if self._outputs_maybe_masked:
            # Layer.__call__ asks compute_mask next, on the same inputs: hand
            # it this run's masks instead of running the graph again. Kept
            # per thread, since threads may call one model concurrently.
            _last_masks.entry = (self, inputs, mask,
                                 [masks.get(k) for k in self._output_ids])
        # A model built with outputs=[y] returns y itself when called, as
        # tf-keras does (predict unwraps it too).
        return structure.pack_outputs(self, [values[k] for k in self._output_ids],
                                      unwrap_single=True)

    def compute_mask(self, inputs, mask=None):
        if not self._outputs_maybe_masked:
            return None
        entry = getattr(_last_masks, "entry", None)
        if entry is not None:
            _last_masks.entry = None
            if entry[0] is self and entry[1] is inputs and entry[2] is mask:
                out = entry[3]
                return out[0] if len(out) == 1 else out
        values, masks = self._seed(inputs, mask)
        self._run(values, False, masks)
        out = [masks.get(k) for k in self._output_ids]
        return out[0] if len(out) == 1 else out

    def _output_spec(self, inputs, args, kwargs):
        shapes = []
        batch = flatten(inputs)[0].shape[0] if flatten(inputs) else None
        for t in self.outputs:
            shapes.append((batch,) + tuple(t.shape[1:]))
        dtypes = [t.dtype for t in self.outputs]
        if len(shapes) == 1 and not isinstance(self._nested_outputs, dict):
            return shapes[0], dtypes[0]
        return shapes, dtypes

    def compute_output_shape(self, input_shape):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # --------------------------------------------------------------- config
    def _node_key_map(self):
        """Index of each in-model node among its layer's in-model nodes."""
        from ckeras.saving.model_config import should_skip_first_node  # lazy: E2
        index = {}
        for layer in self._graph_layers:
            # tf-keras: a nested model with its own Input owns node 0.
            k = int(should_skip_first_node(layer))
            for node in layer._inbound_nodes:
                if id(node) in self._network_nodes:
                    index[id(node)] = k
                    k += 1
        return index

    def get_config(self):
        """The tf-keras functional config: layers with their `inbound_nodes`.

        Each call node lists its input tensors as `[layer, node_index,
        tensor_index, kwargs]`; tensors passed as other arguments (RNN
        `initial_state`, an explicit `mask`, ...) are kept as refs too (see
        `ckeras.saving.model_config.node_config`).
        """
        from ckeras.layers import serialize as serialize_layer  # lazy: E3
        from ckeras.saving.model_config import node_config  # lazy: E2
        node_index = self._node_key_map()

        def ref(t):
            return [t._keras_history[0].name, node_index[id(t.node)], t._keras_history[2]]

        layers = []
        for layer in self._graph_layers:
            entry = serialize_layer(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [] if isinstance(layer, InputLayer) else [
                node_config(node, ref) for node in layer._inbound_nodes
                if id(node) in self._network_nodes and not node.is_input]
            layers.append(entry)
        return {"name": self.name, "layers": layers,
                "input_layers": [ref(t) for t in self.inputs],
                "output_layers": [ref(t) for t in self.outputs]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the model from `get_config()` output (tf-keras or Keras 3 form)."""
        from ckeras.saving.model_config import functional_from_config  # lazy: E2
        return functional_from_config(cls, config, custom_objects=custom_objects)

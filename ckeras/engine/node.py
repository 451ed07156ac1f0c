"""Node: one call of a layer on symbolic tensors, linking layers into a graph."""
from ckeras._internal.nest import flatten, map_structure
from ckeras.engine.keras_tensor import KerasTensor


def _same(t):
    return t


class Node:
    """Records `layer(*call_args, **call_kwargs) -> outputs` on KerasTensors.

    The node is appended to `layer._inbound_nodes`; each input tensor's
    producing layer gets it in `_outbound_nodes`.
    """

    __slots__ = ("layer", "call_args", "call_kwargs", "outputs", "input_tensors",
                 "output_tensors", "__weakref__")

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        # Copies of the caller's lists and dicts: code such as DenseNet's
        # `feats.append(x); concatenate(feats)` keeps growing the list it
        # passed, and the graph must keep what the call received.
        self.call_args = map_structure(_same, call_args)
        self.call_kwargs = map_structure(_same, call_kwargs)
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((call_args, call_kwargs))
                              if isinstance(t, KerasTensor)]
        self.output_tensors = flatten(outputs)
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(self)

    @property
    def inbound_layers(self):
        return [t._keras_history[0] for t in self.input_tensors]

    @property
    def is_input(self):
        return not self.input_tensors

    def parent_nodes(self):
        return [t.node for t in self.input_tensors]

    @property
    def input_shapes(self):
        return map_structure(lambda t: t.shape, self.call_args[0])

    @property
    def output_shapes(self):
        return map_structure(lambda t: t.shape, self.outputs)

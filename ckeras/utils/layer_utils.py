"""Model summaries in the Keras 2 text layout."""
import numpy as np


def count_params(weights):
    """Number of scalars in a list of weights, each counted once."""
    seen, total = set(), 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            total += int(np.prod(w.shape))
    return total


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1 and
                                    len(depth_nodes[0].input_tensors) > 1):
            return False
        nodes += depth_nodes
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in node_ids) > 1:
            return False
    return True


def _row(fields, positions):
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


def _output_shape(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    except (RuntimeError, ValueError):
        return "?"
    return str(shape)


def _params(layer):
    try:
        return layer.count_params()
    except ValueError:
        return "0 (unused)"


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints a summary of `model` (what `model.summary()` shows).

    Args:
        model: a built Keras model.
        line_length: total width (default 65 for plain stacks, 98 otherwise).
        positions: column ends, as fractions of line_length (all <= 1) or as
            absolute positions.
        print_fn: function receiving each line (default `print`).
    """
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        node_ids = set()
        for depth_nodes in model._nodes_by_depth.values():
            node_ids.update(id(n) for n in depth_nodes)
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(_row(header, positions))
    print_fn("=" * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        if sequential_like:
            print_fn(_row([name, _output_shape(layer), _params(layer)], positions))
        else:
            connections = []
            for node in layer._inbound_nodes:
                if id(node) not in node_ids:
                    continue
                for t in node.input_tensors:
                    inbound, node_index, tensor_index = t._keras_history
                    connections.append(f"{inbound.name}[{node_index}][{tensor_index}]")
            first = connections[0] if connections else ""
            print_fn(_row([name, _output_shape(layer), _params(layer), first], positions))
            for extra in connections[1:]:
                print_fn(_row(["", "", "", extra], positions))
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)
    trainable = count_params(model.trainable_weights)
    non_trainable = count_params(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors of the graph that `tensor` was computed from.

    Walks the layer calls back from `tensor` to the `Input` tensors they
    started from, each listed once, in the order first reached.

    Args:
        tensor: a symbolic tensor (the output of a layer called on `Input`s).
        layer: optional layer to start from instead of the one that made `tensor`.
        node_index: with `layer`, which of its calls to start from.

    Returns:
        A list of input tensors; `[tensor]` for a tensor no layer produced.

    Example:
        >>> a = Input((3,)); b = Input((3,))
        >>> get_source_inputs(Add()([Dense(3)(a), b])) == [a, b]
        True
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    if layer is None or node_index is None:
        layer, node_index, _ = history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if node.is_input:
        return list(node.output_tensors)
    sources = []
    for t in node.input_tensors:
        for s in get_source_inputs(t):
            if not any(s is seen for seen in sources):
                sources.append(s)
    return sources

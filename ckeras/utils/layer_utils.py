"""Model summaries in tf-keras 2.x's text layout, and the weight counts
behind them."""
import re

import numpy as np


def count_params(weights):
    """Number of scalars in a list of weights, each counted once."""
    seen, total = set(), 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            total += int(np.prod(w.shape))
    return total


def weight_memory_size(weights):
    """Bytes the weights take, each counted once; weights with an unknown
    dimension count nothing."""
    seen, total = set(), 0
    for w in weights:
        if id(w) in seen or any(d is None for d in w.shape):
            continue
        seen.add(id(w))
        total += int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize
    return total


def readable_memory_size(size):
    """`size` bytes in the largest unit (1024-based) that keeps it >= 1, as
    `summary()` prints it: `"99.41 KB"`, `"0.00 Byte"`."""
    for unit in ("Byte", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def layer_index_bounds(layers, layer_range=None):
    """`[first, last + 1]` indices into `layers` of `layer_range`.

    Args:
        layers: a list of layers.
        layer_range: `None` (every layer) or two strings, regexes matched
            (`re.match`) against layer names: the range runs from the first
            layer matching the first to the last layer matching the second.

    Returns:
        A list of two ints, for slicing `layers`.

    Raises:
        ValueError: if `layer_range` is not two strings or matches no layer.
    """
    if layer_range is None:
        return [0, len(layers)]
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(p, str) for p in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


def get_layer_index_bound_by_layer_name(model, layer_range=None):
    """`layer_index_bounds` over `model.layers`."""
    return layer_index_bounds(model.layers, layer_range)


def _is_sequential_like(model):
    """Whether `model` prints without the `Connected to` column: Sequential
    and subclassed models, and functional chains without shared layers."""
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


def display_shape(layer, which="output"):
    """`layer.output_shape` (or `input_shape`) as tf-keras 2.x prints it: an
    `InputLayer`'s shape is shown as a one-element list there, `[(None, 3)]`."""
    shape = getattr(layer, f"{which}_shape")
    if type(layer).__name__ == "InputLayer":
        return [shape]
    return shape


# Row fields wrap after the first of these, so a list of shapes or of
# connections continues one item per line.
_BREAKS = ("),", "},", "],", "',")


class _Table:
    """The column layout of one summary: where each column ends, and the
    writer of a (possibly wrapped, possibly nested) row."""

    def __init__(self, positions, print_fn):
        self.positions = positions
        self.print_fn = print_fn

    def row(self, fields, nested_level=0):
        rest = [str(f) for f in fields]
        last = len(self.positions) - 1
        while any(rest):
            line = ""
            for col, text in enumerate(rest):
                start = self.positions[col - 1] if col else 0
                end = self.positions[col]
                # Two spaces (and one more to align the next column's start)
                # separate the columns; the nesting bars take room in the first.
                gap = 0 if col == last else 2
                width = end - start - gap - (0 if col == last else 1)
                if col == 0:
                    width -= nested_level
                piece = text[:width]
                breaks = [piece.find(b) + len(b) for b in _BREAKS if piece.find(b) >= 0]
                if breaks:
                    width = min(breaks)
                    piece = piece[:width]
                if col == 0:
                    line += "|" * nested_level + " "
                line += piece + " " * gap
                rest[col] = text[width:]
                pad_to = end - (nested_level if nested_level and col == last else 0)
                line += " " * (pad_to - len(line))
            self.print_fn(line + "|" * nested_level)


def _params(layer):
    if not layer.built and not getattr(layer, "_is_graph_network", False):
        return "0 (unused)"
    return layer.count_params()


def _output_shape(layer, sequential_like):
    try:
        return display_shape(layer)
    except AttributeError:
        return "multiple"
    except (RuntimeError, ValueError):
        if sequential_like:
            return "?"
        raise


def _connections(layer, node_ids):
    found = []
    for node in layer._inbound_nodes:
        if node_ids and id(node) not in node_ids:
            continue
        for t in node.input_tensors:
            inbound, node_index, tensor_index = t._keras_history
            found.append(f"{inbound.name}[{node_index}][{tensor_index}]")
    return found


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None):
    """Prints a summary of `model` (what `model.summary()` shows), in
    tf-keras 2.x's layout.

    Args:
        model: a built Keras model.
        line_length: total width (default 65 for plain stacks, 98 when the
            `Connected to` column is shown).
        positions: where each column ends, as fractions of `line_length`
            (all <= 1) or as absolute positions (default `[.45, .85, 1.]`,
            or `[.3, .6, .7, 1.]` with `Connected to`).
        print_fn: function receiving each line (default `print`).
        expand_nested: also list the layers of nested models, framed.
        show_trainable: add a `Trainable` column (`Y`/`N`).
        layer_range: two layer-name regexes: print only the layers from the
            first match of the first to the last match of the second.

    Example:
        >>> model = Sequential([Dense(2, input_shape=(3,))])
        >>> print_summary(model, show_trainable=True)  # doctest: +SKIP
    """
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = list(positions or [.45, .85, 1.])
        header = ["Layer (type)", "Output Shape", "Param #"]
        node_ids = None
    else:
        line_length = line_length or 98
        positions = list(positions or [.3, .6, .7, 1.])
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        node_ids = set()
        for depth_nodes in model._nodes_by_depth.values():
            node_ids.update(id(n) for n in depth_nodes)
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        header.append("Trainable")
    first, stop = get_layer_index_bound_by_layer_name(model, layer_range)
    table = _Table(positions, print_fn)

    def print_layer(layer, level=0, last_in_nest=False):
        fields = [f"{layer.name} ({type(layer).__name__})"]
        if sequential_like:
            fields += [_output_shape(layer, True), _params(layer)]
        else:
            fields += [_output_shape(layer, False), layer.count_params(),
                       _connections(layer, node_ids)]
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        table.row(fields, level)
        inner = getattr(layer, "layers", None) if expand_nested else None
        if inner:
            print_fn("|" * (level + 1) + "¯" * (line_length - 2 * level - 2)
                     + "|" * (level + 1))
            for i, sub in enumerate(inner):
                print_layer(sub, level + 1, i == len(inner) - 1)
            print_fn("|" * level + "¯" * (line_length - 2 * level) + "|" * level)
        # The closing bar of an expanded model stands in for the blank line.
        if not (last_in_nest or inner):
            print_fn("|" * level + " " * (line_length - 2 * level) + "|" * level)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    table.row(header)
    print_fn("=" * line_length)
    for layer in model.layers[first:stop]:
        print_layer(layer)
    print_fn("=" * line_length)
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    n_train, n_frozen = count_params(trainable), count_params(non_trainable)
    size_train, size_frozen = weight_memory_size(trainable), weight_memory_size(non_trainable)
    print_fn(f"Total params: {n_train + n_frozen} "
             f"({readable_memory_size(size_train + size_frozen)})")
    print_fn(f"Trainable params: {n_train} ({readable_memory_size(size_train)})")
    print_fn(f"Non-trainable params: {n_frozen} ({readable_memory_size(size_frozen)})")
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

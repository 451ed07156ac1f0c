"""Model graphs drawn with Graphviz: `model_to_dot` and `plot_model`.

pydot (`pip install ckeras[plot]`) builds the graph and Graphviz' `dot`
program renders it; both are needed only when these functions are called.
"""
import os

from ckeras.utils.layer_utils import display_shape, layer_index_bounds

_NOT_BUILT = ("This model has not yet been built. Build the model first by calling `build()` "
              "or by calling the model on a batch of data.")


def _pydot(caller):
    try:
        import pydot  # lazy: heavy
    except ImportError as e:
        raise ImportError(f"You must install pydot (`pip install pydot`, or `pip install "
                          f"ckeras[plot]`) for {caller} to work.") from e
    return pydot


def check_pydot():
    """Whether pydot can be imported."""
    try:
        _pydot("check_pydot")
    except ImportError:
        return False
    return True


def check_graphviz():
    """Whether pydot is installed and can run Graphviz' `dot` program."""
    if not check_pydot():
        return False
    pydot = _pydot("check_graphviz")
    try:
        # Rendering an empty graph is the one reliable probe: pydot finds
        # `dot` on PATH only when it runs it.
        pydot.Dot.create(pydot.Dot())
    except Exception:  # noqa: BLE001 - pydot raises OSError or its own errors
        return False
    return True


def _is_graph_model(layer):
    return bool(getattr(layer, "_is_graph_network", False))


def _wrapped(layer):
    """The layer a Wrapper (TimeDistributed, Bidirectional) holds, else None."""
    inner = getattr(layer, "layer", None)
    return inner if hasattr(inner, "_inbound_nodes") else None


def _is_wrapped_model(layer):
    return _is_graph_model(_wrapped(layer))


def _format_shape(shape):
    # Braces delimit the fields of a Graphviz record label.
    return str(shape).replace("{", r"\{").replace("}", r"\}")


def _activation_name(activation):
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) \
        or str(activation)


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable, name_inner=True):
    """The record label tf-keras draws for `layer`, field by field; a
    wrapper's names its inner layer unless `name_inner` is False."""
    name, class_name = layer.name, type(layer).__name__
    inner = _wrapped(layer) if name_inner else None
    if inner is not None:
        name = f"{name}({inner.name})"
        class_name = f"{class_name}({type(inner).__name__})"
    label = class_name
    activation = getattr(layer, "activation", None) if show_layer_activations else None
    if activation is not None:
        label = "{%s|%s}" % (label, _activation_name(activation))
    if show_layer_names:
        label = f"{name}|{label}"
    if show_dtype:
        label = f"{label}|{layer.dtype if layer.dtype is not None else '?'}"
    if show_shapes:
        try:
            outputs = _format_shape(display_shape(layer, "output"))
        except AttributeError:
            outputs = "?"
        try:
            inputs = _format_shape(display_shape(layer, "input"))
        except AttributeError:
            inputs = "?"
        label = "{%s}|{input:|output:}|{{%s}|{%s}}" % (label, inputs, outputs)
    if show_trainable:
        label = f"{'T' if layer.trainable else 'NT'}|{label}"
    return label


def _add_edge(pydot, dot, src, dst):
    if not dot.get_edge(src, dst):
        dot.add_edge(pydot.Edge(src, dst))


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=96, subgraph=False, layer_range=None,
                 show_layer_activations=False, show_trainable=False):
    """Converts a Keras model to a `pydot.Dot` graph, one record node per layer.

    Args:
        model: a built Keras model.
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's dtype.
        show_layer_names: show layer names (else only class names).
        rankdir: Graphviz' `rankdir`: `"TB"` (vertical) or `"LR"` (horizontal).
        expand_nested: draw nested models as clusters of their own layers.
        dpi: dots per inch of the rendered image.
        subgraph: return a `pydot.Cluster` (used for nested models).
        layer_range: two layer-name regexes: draw only the layers from the
            first match of the first to the last match of the second.
        show_layer_activations: show the `activation` of layers having one.
        show_trainable: prefix each node with `T` (trainable) or `NT`.

    Returns:
        A `pydot.Dot`, or a `pydot.Cluster` when `subgraph=True`.

    Raises:
        ValueError: if the model is not built, or `layer_range` is malformed.
        ImportError: if pydot is not installed.

    Example:
        >>> dot = model_to_dot(model, show_shapes=True)  # doctest: +SKIP
        >>> dot.write("model.dot", format="raw")  # doctest: +SKIP
    """
    if not model.built:
        raise ValueError(_NOT_BUILT)
    pydot = _pydot("model_to_dot")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")
    if not _is_graph_model(model):
        # A subclassed model's graph is its Python code: one node.
        dot.add_node(pydot.Node(str(id(model)), label=model.name))
        return dot

    # Every layer of the graph, its InputLayers included.
    layers = list(model._graph_layers)
    first, stop = layer_index_bounds(layers, layer_range)
    drawn = layers[first:stop]
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    # The first and last node of each expanded nested model, by model name.
    entry, exit_ = {}, {}
    for layer in drawn:
        nested = None
        if expand_nested and _is_graph_model(layer):
            nested = layer
        elif expand_nested and _is_wrapped_model(layer):
            nested = _wrapped(layer)
        if nested is not None:
            cluster = model_to_dot(nested, rankdir=rankdir, expand_nested=True, subgraph=True,
                                   **options)
            nodes = cluster.get_nodes()
            entry[nested.name], exit_[nested.name] = nodes[0].get_name(), nodes[-1].get_name()
            dot.add_subgraph(cluster)
        if nested is layer:
            continue
        # An expanded wrapper keeps its own name: its model is the cluster.
        label = _label(layer, name_inner=nested is None, **options)
        dot.add_node(pydot.Node(str(id(layer)), label=label))

    drawn_ids = {id(layer) for layer in drawn}
    for layer in drawn:
        for node in layer._inbound_nodes:
            if id(node) not in model._network_nodes:
                continue
            for inbound in node.inbound_layers:
                if id(inbound) not in drawn_ids:
                    continue
                src, dst = str(id(inbound)), str(id(layer))
                if expand_nested and _is_graph_model(inbound):
                    src = exit_[inbound.name]
                elif expand_nested and _is_wrapped_model(inbound):
                    src = exit_[_wrapped(inbound).name]
                if expand_nested and _is_graph_model(layer):
                    dst = entry[layer.name]
                _add_edge(pydot, dot, src, dst)
                if expand_nested and _is_wrapped_model(layer):
                    _add_edge(pydot, dot, dst, entry[_wrapped(layer).name])
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               layer_range=None, show_layer_activations=False, show_trainable=False):
    """Draws `model` as a graph into `to_file`, in the format its extension
    names (`.png`, `.svg`, `.pdf`, `.dot`, any Graphviz format; PNG when it has
    none).

    Args:
        model: a built Keras model.
        to_file: where to write the image.

    `show_shapes`, `show_dtype`, `show_layer_names`, `rankdir`,
    `expand_nested`, `dpi`, `layer_range`, `show_layer_activations` and
    `show_trainable` are as for `model_to_dot`.

    Returns:
        An `IPython.display.Image` (or `SVG`) of the file when IPython is
        installed, for notebooks; None for the formats IPython cannot show
        (PDF, DOT, ...) or without IPython.

    Raises:
        ImportError: if pydot or Graphviz' `dot` program is missing.
        ValueError: if the model is not built.

    Example:
        >>> plot_model(model, to_file="model.svg", show_shapes=True)  # doctest: +SKIP
    """
    if not model.built:
        raise ValueError(_NOT_BUILT)
    _pydot("plot_model")
    if not check_graphviz():
        raise ImportError("You must install Graphviz (its `dot` program must be on PATH; see "
                          "https://graphviz.org/download/) for plot_model to work.")
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi, layer_range=layer_range,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    # tf-keras hands every format but PDF to IPython's Image, which refuses
    # SVG and DOT; only the formats IPython can show are returned here.
    if extension.lower() not in ("png", "jpg", "jpeg", "gif", "svg"):
        return None
    try:
        from IPython import display  # lazy: heavy
    except ImportError:
        return None
    if extension.lower() == "svg":
        return display.SVG(filename=to_file)
    return display.Image(filename=to_file, format=extension.lower())

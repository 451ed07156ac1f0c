"""Where each layer's variables live in a Keras 3 weights file.

Keras 3 (`saving_lib._walk_saveable`) stores an object's own variables at
`<path>/vars/<i>` and finds the children of an object by walking its
attributes: a Sequential or Functional model yields `layers` first; then
every other attribute in sorted order, private (`_x`) names last. A child
layer (or optimizer) gets the attribute's name as path component; a list,
tuple or dict (in insertion order) becomes a folder whose items are named
by their snake_case class name with a de-duplicating suffix in order
(`dense`, `dense_1`, ...), nested containers `container`, `container_1`.
An object reached twice is written once, at its first path, but still
takes its suffix where it is met again.

ckeras layers have the same public sub-layer attributes Keras 3 walks
(`cell`, `cells`, `layer`, `forward_layer`, `backward_layer`) and the same
variable order (the layer's own trainable variables in creation order, then
its non-trainable ones); user subclasses add their own attributes, which
are found the way Keras 3 finds them.
"""
import re

from ckeras.engine.base_layer import Layer
from ckeras.engine.functional import Functional
from ckeras.engine.training import Model
from ckeras.optimizers.optimizer import Optimizer

# Engine bookkeeping attributes that hold layers but are no Keras attribute.
_ENGINE_ATTRS = frozenset({"_graph_layers", "_outer"})


def own_variables(obj):
    """The variables Keras 3 stores under `obj`'s `vars` group, in order."""
    if isinstance(obj, Optimizer):
        return list(obj.variables)
    own = obj._own_weights()
    return [w for w in own if w.trainable] + [w for w in own if not w.trainable]


def keras3_layers(model):
    """`model.layers` as Keras 3 lists them (dict items in insertion order;
    a Sequential without its InputLayer, a Functional with its inputs)."""
    if isinstance(model, Functional):
        return list(model.layers)
    out, seen = [], set()

    def add(value):
        if isinstance(value, Layer):
            if id(value) not in seen:
                seen.add(id(value))
                out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                add(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(v)
    for item in model._sublayers:
        add(item)
    return out


def snake_case(name):
    """Keras 3's `naming.to_snake_case` ('Conv2DTranspose' -> 'conv2d_transpose')."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _name_key(name):
    return "~" + name if name.startswith("_") else name


def _is_container(value):
    return isinstance(value, (list, tuple, dict))


def _holds_layers(value):
    if isinstance(value, Layer):
        return True
    if isinstance(value, dict):
        return any(_holds_layers(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_layers(v) for v in value)
    return False


def _user_properties(obj):
    """Properties of user classes that return layers (Keras 3 walks `dir()`,
    so `@property def encoder(self)` is a path of its own)."""
    out = {}
    for cls in type(obj).__mro__:
        if cls.__module__.startswith("ckeras.") or cls is object:
            continue
        for name, attr in vars(cls).items():
            if isinstance(attr, property) and name not in out and not name.startswith("__"):
                try:
                    value = getattr(obj, name)
                except Exception:   # noqa: BLE001 - Keras 3 skips what fails too
                    continue
                if _holds_layers(value):
                    out[name] = value
    return out


def _children(obj):
    """(attribute name, value) pairs Keras 3 visits under `obj`, in order."""
    if isinstance(obj, Optimizer):
        return []
    tracked = obj.__dict__.get("_sublayers", [])
    names = {n for n, v in vars(obj).items()
             if n not in _ENGINE_ATTRS and any(v is t for t in tracked)
             and (isinstance(v, Layer) or _is_container(v))}
    values = {n: getattr(obj, n) for n in names}
    values.update(_user_properties(obj))
    if isinstance(obj, Model):
        optimizer = getattr(obj, "optimizer", None)
        if isinstance(optimizer, Optimizer):
            values["optimizer"] = optimizer
        if not isinstance(obj, Functional):
            values["layers"] = keras3_layers(obj)
    ordered = [(n, values[n]) for n in sorted(values, key=_name_key)]
    if isinstance(obj, Functional):
        ordered.insert(0, ("layers", keras3_layers(obj)))
    return ordered


def _join(path, name):
    return f"{path}/{name}" if path else name


def walk(root, include_optimizer=True):
    """The saveable objects under `root` with their Keras 3 paths.

    Args:
        root: a ckeras model or layer.
        include_optimizer: False leaves the model's optimizer out.

    Returns:
        A list of `(path, obj)`, `obj` a Layer or an Optimizer, each object
        once, in the order Keras 3 writes them (`''` is the root).
    """
    out, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for name, child in _children(obj):
            if isinstance(child, Optimizer) and not include_optimizer:
                continue
            if isinstance(child, (Layer, Optimizer)):
                visit(child, _join(path, name))
            elif _is_container(child):
                container(child, _join(path, name), set())

    def container(items, path, seen):
        if id(items) in seen:
            return
        seen.add(id(items))
        used = {}
        for item in (items.values() if isinstance(items, dict) else items):
            if isinstance(item, (Layer, Optimizer)):
                visit(item, _join(path, _unique(snake_case(type(item).__name__), used)))
            elif _is_container(item):
                container(item, _join(path, _unique("container", used)), seen)

    visit(root, "")
    return out


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name

"""The Keras 3 weights layout (`.weights.h5`, and `model.weights.h5` inside
a `.keras` archive).

```
/vars                           @name='sequential'   (the model's own variables)
/layers/dense/vars              @name='dense'        0: kernel, 1: bias
/layers/lstm/cell/vars          @name='lstm_cell'    0, 1, 2
/optimizer/vars                 @name='adam'         0: iteration (int64),
                                1: learning_rate, then the slots per variable
```

Paths come from `saveables.walk` (attribute and class names, never layer
names); `@name` is informational. Loading matches by path, as Keras 3 does:
renamed layers load, extra entries in the file are ignored, a layer whose
group holds the wrong number or shapes of variables is an error
(`skip_mismatch=True`: a warning, and that layer keeps its weights).
Loading is all-or-nothing: every dataset is checked and read before the
first variable is assigned. An optimizer whose state does not match only
warns and keeps its fresh state, as in Keras 3.
"""
import os
import warnings

import numpy as np

from ckeras.engine import weight_sync
from ckeras.optimizers.optimizer import Optimizer
from ckeras.saving import hdf5_access, hdf5_format
from ckeras.saving.keras3.saveables import own_variables, walk


def _vars_path(path):
    return f"{path}/vars" if path else "vars"


def _stored_variables(optimizer):
    """The optimizer variables Keras 3 stores, in `optimizer.variables` order:
    all of them, except that Keras 3's SGD without momentum has no slots."""
    variables = list(optimizer.variables)
    if type(optimizer).__name__ == "SGD" and not getattr(optimizer, "momentum", 0):
        return variables[:1]
    return variables


def _trailing_values(optimizer):
    """State Keras 3 stores after the slots and ckeras derives: Nadam's
    running product of its momentum schedule, prod_k beta_1 (1 - 0.5 0.96^k)
    over the steps taken."""
    if type(optimizer).__name__ != "Nadam":
        return []
    k = np.arange(1, int(optimizer.iterations) + 1, dtype=np.float64)
    return [np.asarray(np.prod(optimizer.beta_1 * (1.0 - 0.5 * 0.96 ** k)), np.float32)]


def _optimizer_values(optimizer):
    """Keras 3 order: iteration, learning_rate, the slots, derived state."""
    variables = _stored_variables(optimizer)
    lr = np.asarray(float(optimizer.learning_rate), np.float32)
    return ([np.asarray(variables[0].value)] + [lr]
            + [np.asarray(v.value) for v in variables[1:]] + _trailing_values(optimizer))


def write_weights(model, f, include_optimizer=True):
    """Writes `model`'s variables into the open h5py file `f`, Keras 3 layout.

    Args:
        model: a built ckeras model (or layer).
        f: a writable h5py File.
        include_optimizer: also write `optimizer/vars` (when the model has a
            built optimizer).
    """
    for path, obj in walk(model, include_optimizer=include_optimizer):
        if isinstance(obj, Optimizer):
            # Keras 3 has no legacy optimizers (their state is slot-major).
            if not getattr(obj, "_var_list", None) or obj._is_legacy:
                continue
            values = _optimizer_values(obj)
            name = obj.name.lower()
        else:
            values = [np.asarray(v.value) for v in own_variables(obj)]
            name = obj.name
        group = f.require_group(_vars_path(path))
        group.attrs["name"] = name
        for i, value in enumerate(values):
            group.create_dataset(str(i), data=value)


def _describe(obj):
    return f"<{type(obj).__name__} name={obj.name}, built={obj.built}>"


def _layer_arrays(f, path, obj, filename):
    """The checked arrays for `obj` (a list), or the error message (a str)."""
    expected = own_variables(obj)
    group = hdf5_access.subgroup(f, _vars_path(path), filename)
    keys = list(group.keys()) if group is not None else []
    if len(keys) != len(expected):
        if not expected and not obj.built:
            return (f"Layer '{obj.name}' was never built and thus it doesn't have any "
                    f"variables. However the weights file lists {len(keys)} variables "
                    "for this layer.")
        return (f"Layer '{obj.name}' expected {len(expected)} variables, but received "
                f"{len(keys)} variables during loading. "
                f"Expected: {[v.name for v in expected]}")
    datasets = []
    for i, v in enumerate(expected):
        ds = hdf5_access.dataset(group, str(i), filename,
                                 f"variable {i} of layer '{obj.name}' (path {path!r})")
        if tuple(ds.shape) != tuple(v.value.shape):
            return ("The shape of the target variable and the shape of the target value "
                    "in `variable.assign(value)` must match. "
                    f"variable.shape={tuple(v.value.shape)}, Received: "
                    f"value.shape={tuple(ds.shape)}. Target variable: {v.name}")
        datasets.append(ds)
    return [hdf5_access.read(ds, filename, f"a variable of layer '{obj.name}'")
            for ds in datasets]


def _optimizer_arrays(f, path, optimizer, model, filename, learning_rate_stored):
    """(variables, checked arrays) of the optimizer state, or None (warned)."""
    group = hdf5_access.subgroup(f, _vars_path(path), filename)
    if group is None:
        return None
    if optimizer._is_legacy:
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}': a "
                      "legacy optimizer cannot take the state of a Keras 3 one.",
                      stacklevel=4)
        return None
    optimizer.build(model.trainable_weights)
    # tf-keras 2 `.keras` files: its own variables list (SGD keeps momenta).
    expected = _stored_variables(optimizer) if learning_rate_stored \
        else list(optimizer.variables)
    trailing = len(_trailing_values(optimizer)) if learning_rate_stored else 0
    extra = int(learning_rate_stored) + trailing
    keys = list(group.keys())
    if len(keys) != len(expected) + extra:
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', "
                      f"because it has {len(expected) + extra} variables whereas the "
                      f"saved optimizer has {len(keys)} variables.", stacklevel=4)
        return None
    datasets = [hdf5_access.dataset(group, str(i), filename, f"optimizer variable {i}")
                for i in range(len(keys) - trailing)]
    if learning_rate_stored:
        del datasets[1]   # the compiled optimizer keeps its own learning rate
    for v, ds in zip(expected, datasets):
        if tuple(ds.shape) != tuple(v.value.shape):
            warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}': "
                          f"variable {v.name} has shape {tuple(v.value.shape)}, the saved "
                          f"one {tuple(ds.shape)}.", stacklevel=4)
            return None
    return expected, [hdf5_access.read(ds, filename, "an optimizer variable")
                      for ds in datasets]


def read_weights(model, f, filename, skip_mismatch=False, learning_rate_stored=True):
    """Loads a Keras 3 weights layout from the open h5py file `f` into `model`.

    Args:
        model: a built ckeras model.
        f: an h5py File (checked for links by the caller).
        filename: the name used in error messages.
        skip_mismatch: warn about (and skip) the layers that do not match
            instead of raising.
        learning_rate_stored: the optimizer state has Keras 3's
            `learning_rate` entry (tf-keras 2 `.keras` files do not).

    Raises:
        ValueError: layers whose variables do not match (Keras 3's message:
            "A total of N objects could not be loaded ..."), damaged files.
            The model is unchanged when an error is raised.
    """
    variables, arrays, failed = [], [], []
    optimizer = None
    for path, obj in walk(model):
        if isinstance(obj, Optimizer):
            optimizer = (path, obj)
            continue
        found = _layer_arrays(f, path, obj, filename)
        if isinstance(found, str):
            failed.append((obj, found))
            continue
        for v, a in zip(own_variables(obj), found):
            variables.append(v)
            arrays.append(a.astype(v.value.dtype, copy=False))
    if failed:
        obj, message = failed[0]
        text = (f"A total of {len(failed)} objects could not be loaded. Example error "
                f"message for object {_describe(obj)}:\n\n{message}\n\nList of objects "
                f"that could not be loaded:\n[{', '.join(_describe(o) for o, _ in failed)}]"
                f"\n(file {filename!r})")
        if not skip_mismatch:
            raise ValueError(text)
        warnings.warn(text, stacklevel=3)
    state = _optimizer_arrays(f, *optimizer, model, filename, learning_rate_stored) \
        if optimizer else None
    if state is not None:
        variables += state[0]
        arrays += [a.astype(v.value.dtype, copy=False) for v, a in zip(*state)]
    weight_sync.assign(variables, arrays)


def open_weights_file(filepath):
    """Opens a `.weights.h5` file for reading (links refused)."""
    return hdf5_access.open_file(filepath)


def is_keras3_layout(f, filename):
    """True when the open HDF5 file has the Keras 3 layout: a root `vars`
    group (the model's own variables) and no legacy `layer_names`."""
    return (hdf5_access.raw_attr(f, "layer_names", filename) is None
            and hdf5_access.raw_attr(f, "layer_names0", filename) is None
            and hdf5_access.subgroup(f, "vars", filename) is not None)


def ensure_built(model, what):
    """Keras 3's error for an unbuilt model (no variables to save or load)."""
    if not model.built:
        raise ValueError(
            f"You are {what} a model that has not yet been built ({model.name}). Try "
            "building the model first by calling it on some data or by using `build()`.")


def save_weights(model, filepath, overwrite=True):
    """`model.save_weights('w.weights.h5')`: the Keras 3 layout, crash safe.

    Args:
        model: a built model.
        filepath: the destination (the previous file survives a failed save).
        overwrite: False asks before replacing an existing file.
    """
    if not overwrite and os.path.isfile(filepath):
        if not hdf5_format.ask_to_proceed_with_overwrite(filepath):
            return
    ensure_built(model, "saving")
    hdf5_format.atomic_h5_write(filepath, lambda f: write_weights(model, f))

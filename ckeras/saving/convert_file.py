"""`ckeras convert IN OUT`: rewrite a model file in another format or layout.

The input is read by `load_model` (every format and era it reads: Keras 1,
multi-backend Keras 2 with Theano/CNTK kernels, CuDNN layers, tf.keras 2,
Keras 3 `.h5`), and written by `model.save(OUT)`: the output format follows
OUT's extension (`.h5`: the tf.keras 2 layout, which tf-keras 2.x and Keras
3 read; `.keras`: Keras 3's archive, which Keras 3 loads). Old layouts come out
converted: kernels flipped, CuDNN weights native, Keras 1 names gone.

`check` loads both files and compares their predictions on the same random
inputs.
"""
import os
import warnings

import numpy as np

from ckeras.saving import save as save_module


def _load(path, custom_objects):
    """Loads with the training config; a config this version cannot compile
    (e.g. a Keras 1 optimizer) is dropped with a warning, not fatal."""
    try:
        return save_module.load_model(path, custom_objects=custom_objects, compile=True)
    except (ValueError, TypeError) as e:
        model = save_module.load_model(path, custom_objects=custom_objects, compile=False)
        warnings.warn(f"The training configuration of {path!r} could not be restored "
                      f"({e}); the converted file holds the model without it.",
                      stacklevel=3)
        return model


def convert(src, dst, custom_objects=None, overwrite=True):
    """Loads the model file `src` and saves it as `dst`.

    Args:
        src: a model file ckeras loads.
        dst: the output path; its extension picks the format.
        custom_objects: dict of custom classes and functions.
        overwrite: False refuses to replace an existing `dst`.

    Returns:
        The loaded model.

    Raises:
        ValueError: unreadable inputs, unsupported output formats, or
            `dst` existing with `overwrite=False`; `dst` is then untouched.

    Example:
        >>> convert('theano_model.h5', 'model_tf.h5')
    """
    src, dst = os.fspath(src), os.fspath(dst)
    if os.path.abspath(src) == os.path.abspath(dst):
        raise ValueError(f"convert: the output {dst!r} is the input file; write to a new "
                         "path.")
    if not overwrite and os.path.exists(dst):
        raise ValueError(f"convert: {dst!r} exists (pass overwrite=True / --overwrite).")
    model = _load(src, custom_objects)
    model.save(dst)
    return model


def _sample_inputs(model, batch=4, seed=0):
    """Random inputs for every model input: integers below the smallest
    Embedding vocabulary when the model starts with an Embedding or the input
    is integer-typed, else standard normal floats; unknown dims are 5."""
    rng = np.random.default_rng(seed)
    vocab = [layer.input_dim for layer in model.layers
             if type(layer).__name__ == "Embedding"]
    first = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"][:1]
    ids = bool(vocab) and (type(first[0]).__name__ == "Embedding" if first else False)
    xs = []
    for t in model.inputs:
        shape = [batch] + [d if d is not None else 5 for d in tuple(t.shape)[1:]]
        if ids or "int" in str(getattr(t, "dtype", "")):
            xs.append(rng.integers(0, min(vocab) if vocab else 2, shape).astype("float32"))
        else:
            xs.append(rng.standard_normal(shape).astype("float32"))
    return xs


def check(src, dst, custom_objects=None):
    """Largest absolute difference between the predictions of two model files.

    Args:
        src, dst: model files (e.g. the input and output of `convert`).
        custom_objects: dict of custom classes and functions.

    Returns:
        A float (0.0 for identical predictions).
    """
    a = save_module.load_model(src, custom_objects=custom_objects, compile=False)
    b = save_module.load_model(dst, custom_objects=custom_objects, compile=False)
    xs = _sample_inputs(a)
    feed = xs if len(xs) > 1 else xs[0]
    ya, yb = a.predict(feed, verbose=0), b.predict(feed, verbose=0)
    ya = ya if isinstance(ya, (list, tuple)) else [ya]
    yb = yb if isinstance(yb, (list, tuple)) else [yb]
    if len(ya) != len(yb):
        raise ValueError(f"check: {src!r} has {len(ya)} outputs, {dst!r} {len(yb)}.")
    return max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) for p, q in zip(ya, yb))

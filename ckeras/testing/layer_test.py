"""`layer_test`: the shared harness every layer test runs its layer through.

It builds and calls the layer eagerly on random (or given) data and checks:

- output shape against `expected_output_shape`, `compute_output_shape` and the
  symbolic shape of `layer(Input(...))`; output dtype;
- the output values against `expected_output` (when given);
- inputs are not modified in place;
- `get_config` -> `from_config` gives the same config and, with the same
  weights, the same output; the same after a JSON round trip, and through
  `ckeras.layers.serialize`/`deserialize`;
- `get_weights`/`set_weights` round trip, and that a wrong number of arrays or
  a wrong shape raises a ValueError naming the layer;
- `count_params`;
- a taped call (autograd Tensors) gives the same values and finite gradients
  of the right shapes for the inputs and the trainable weights;
- the layer rebuilt inside a Sequential model (from `input_shape`) and inside
  a functional Model (plus their config round trips) predicts the same;
- a float64 layer keeps float64 weights and outputs (and agrees with float32).

`golden_layer_test` runs it on a tf-keras golden case (`ckeras.testing.Golden`)
and compares the weights and the config with tf-keras'.
"""
import copy
import inspect
import json

import numpy as np

from ckeras import backend as K
from ckeras import layers as layers_module
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine import Input
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.saving.object_registry import custom_object_scope

__all__ = ["layer_test", "golden_layer_test", "assert_config_matches",
           "assert_shape_compatible", "json_roundtrip"]


def _is_multi(input_shape):
    return isinstance(input_shape, list)


def _concrete(shape, rng):
    return tuple(int(rng.integers(1, 4)) if d is None else int(d) for d in shape)


def _make_data(shape, dtype, rng):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0, 10, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) > 0.5
    return (rng.standard_normal(shape) * 2).astype(dtype)


def json_roundtrip(config):
    """`config` as it comes back from JSON (tuples become lists)."""
    return json.loads(json.dumps(config))


def assert_shape_compatible(expected, actual, what=""):
    """`expected` may contain None (any size); ranks must agree."""
    expected, actual = tuple(expected), tuple(actual)
    assert len(expected) == len(actual), f"{what}: rank of {actual} != {expected}"
    for e, a in zip(expected, actual, strict=True):
        assert e is None or a is None or e == a, f"{what}: shape {actual} != {expected}"


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _value(out):
    return [np.asarray(o) for o in _as_list(out)]


def _assert_outputs_close(expected, actual, what, atol, rtol):
    expected, actual = _as_list(expected), _as_list(actual)
    assert len(expected) == len(actual), f"{what}: {len(actual)} outputs != {len(expected)}"
    for e, a in zip(expected, actual, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), atol=atol, rtol=rtol,
                                   err_msg=what)


def _from_config(cls, config, custom_objects):
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    with custom_object_scope(custom_objects):
        return cls.from_config(config)


def _fresh_config(config, suffix):
    config = copy.deepcopy(config)
    config["name"] = f"{config['name']}_{suffix}"
    config.pop("batch_input_shape", None)
    return config


def layer_test(layer_cls, kwargs=None, input_shape=None, input_dtype=None,
               input_data=None, expected_output=None, expected_output_dtype=None,
               expected_output_shape=None, weights=None, custom_objects=None,
               call_kwargs=None, atol=1e-6, rtol=1e-6, test_models=True,
               test_float64=True, test_grad=True, seed=0):
    """Runs the standard checks on `layer_cls(**kwargs)`; returns its output.

    Args:
        layer_cls: the layer class.
        kwargs: constructor arguments.
        input_shape: full input shape, batch included; None entries get random
            sizes. A list of shapes for a layer taking several inputs.
        input_dtype: dtype of the generated data (default float32).
        input_data: the input array (or list of arrays) to use instead.
        expected_output: array(s) the output must match (atol/rtol).
        expected_output_dtype: default: the layer dtype for float inputs.
        expected_output_shape: shape(s) with None for free dimensions.
        weights: list of arrays to `set_weights` after the build.
        custom_objects: passed to every `from_config` (e.g. Lambda functions).
        call_kwargs: extra keyword arguments of the eager call (e.g.
            `{'training': False}`); model checks are skipped when they
            contain `training=True` (random outputs).
        test_models, test_float64, test_grad: enable those check groups.

    Returns:
        The eager output as a NumPy array (list for several outputs).
    """
    kwargs = dict(kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    input_dtype = np.dtype(input_dtype or "float32")

    # ------------------------------------------------------------------ data
    if input_data is None:
        assert input_shape is not None, "give input_shape or input_data"
        shapes = input_shape if _is_multi(input_shape) else [input_shape]
        data = [_make_data(_concrete(s, rng), input_dtype, rng) for s in shapes]
    else:
        data = [np.asarray(d) for d in _as_list(input_data)]
        if input_shape is None:
            input_shape = [d.shape for d in data] if isinstance(input_data, list) \
                else data[0].shape
        input_dtype = data[0].dtype
    multi = _is_multi(input_shape)
    sym_shapes = [(None,) + tuple(d.shape[1:]) for d in data]
    x = data if multi else data[0]
    originals = [d.copy() for d in data]
    float_input = input_dtype.kind == "f"
    randomized = bool(call_kwargs.get("training"))

    # ---------------------------------------------------------- eager call
    layer = layer_cls(**kwargs)
    out = layer(x, **call_kwargs)
    if weights is not None:
        layer.set_weights(weights)
        out = layer(x, **call_kwargs)
    assert layer.built, f"{layer.name} is not built after a call"
    y = _value(out)
    for d, o in zip(data, originals, strict=True):
        np.testing.assert_array_equal(d, o, err_msg=f"{layer.name} modified its input")

    if expected_output_dtype is None and float_input:
        expected_output_dtype = layer.dtype
    if expected_output_dtype is not None:
        for a in y:
            assert a.dtype == np.dtype(expected_output_dtype), \
                f"{layer.name}: output dtype {a.dtype} != {expected_output_dtype}"
    if expected_output_shape is not None:
        exp_shapes = expected_output_shape if isinstance(expected_output_shape, list) \
            else [expected_output_shape]
        for e, a in zip(exp_shapes, y, strict=True):
            assert_shape_compatible(e, a.shape, f"{layer.name} expected_output_shape")
    if expected_output is not None:
        _assert_outputs_close(expected_output, y, f"{layer.name} expected_output",
                              atol, rtol)

    # compute_output_shape on the concrete shapes
    concrete = [tuple(d.shape) for d in data]
    computed = layer.compute_output_shape(concrete if multi else concrete[0])
    computed = computed if isinstance(computed, list) else [computed]
    for c, a in zip(computed, y, strict=True):
        assert_shape_compatible(c, a.shape, f"{layer.name} compute_output_shape")

    # ----------------------------------------------------- symbolic call
    sym_in = [Input(batch_shape=s, dtype=d.dtype.name)
              for s, d in zip(sym_shapes, data, strict=True)]
    sym_out = layer(sym_in if multi else sym_in[0])
    sym_list = _as_list(sym_out)
    assert len(sym_list) == len(y)
    for t, a in zip(sym_list, y, strict=True):
        assert_shape_compatible(t.shape, a.shape, f"{layer.name} symbolic shape")
        assert t.shape[0] is None, f"{layer.name}: symbolic batch dim {t.shape}"
        assert np.dtype(t.dtype) == a.dtype, \
            f"{layer.name}: symbolic dtype {t.dtype} != {a.dtype}"
    if test_models and not randomized:
        model = Functional(sym_in if multi else sym_in[0], sym_out)
        _assert_outputs_close(y, model.predict(x), f"{layer.name} in functional model "
                              "(same layer)", atol, rtol)

    # ------------------------------------------------- weights & params
    saved = layer.get_weights()
    assert len(saved) == len(layer.weights)
    assert layer.count_params() == int(sum(w.size for w in saved))
    layer.set_weights(saved)
    bad_count = saved + [np.zeros((1,), "float32")]
    try:
        layer.set_weights(bad_count)
    except ValueError as e:
        assert layer.name in str(e), f"set_weights count error lacks the name: {e}"
    else:
        raise AssertionError(f"{layer.name}: set_weights with a wrong count did not raise")
    if saved:
        bad_shape = [np.zeros(w.shape + (2,), w.dtype) for w in saved]
        try:
            layer.set_weights(bad_shape)
        except ValueError as e:
            assert layer.name in str(e), f"set_weights shape error lacks the name: {e}"
        else:
            raise AssertionError(f"{layer.name}: set_weights with wrong shapes did not "
                                 "raise")
        for w, s in zip(layer.get_weights(), saved, strict=True):
            np.testing.assert_array_equal(w, s)

    # -------------------------------------------------------- config
    config = layer.get_config()
    assert config["name"] == layer.name
    for key in ("trainable", "dtype"):
        assert key in config, f"{layer.name}: config lacks {key!r}"
    recreated = _from_config(layer_cls, config, custom_objects)
    assert recreated.get_config() == config, \
        f"{layer.name}: from_config(get_config()) changed the config"
    _check_same_output(recreated, x, saved, y, call_kwargs, randomized, atol, rtol,
                       "from_config")

    text = json.dumps(config)
    loaded = json.loads(text)
    recreated = _from_config(layer_cls, loaded, custom_objects)
    assert json_roundtrip(recreated.get_config()) == loaded, \
        f"{layer.name}: JSON config round trip changed the config"
    _check_same_output(recreated, x, saved, y, call_kwargs, randomized, atol, rtol,
                       "JSON from_config")

    serialized = json_roundtrip(layers_module.serialize(layer))
    assert serialized["class_name"] == layer_cls.__name__
    recreated = layers_module.deserialize(serialized, custom_objects=custom_objects)
    assert type(recreated) is layer_cls
    _check_same_output(recreated, x, saved, y, call_kwargs, randomized, atol, rtol,
                       "deserialize(serialize())")

    # ---------------------------------------------------- taped call
    if test_grad and float_input:
        _check_taped(layer, data, multi, y, call_kwargs, randomized, atol, rtol)

    # -------------------------------------------------------- models
    if test_models and not randomized:
        _check_models(layer_cls, config, x, data, multi, sym_shapes, saved, y,
                      custom_objects, atol, rtol)

    # ------------------------------------------------------- float64
    if test_float64 and float_input and "dtype" not in kwargs:
        layer64 = layer_cls(**dict(kwargs, dtype="float64"))
        x64 = [d.astype("float64") for d in data]
        layer64(x64 if multi else x64[0], **call_kwargs)
        if saved:
            layer64.set_weights([w.astype("float64") for w in saved])
        for w in layer64.weights:
            assert w.dtype == np.float64, f"{layer64.name}: weight {w.name} is {w.dtype}"
        y64 = _value(layer64(x64 if multi else x64[0], **call_kwargs))
        for a in y64:
            assert a.dtype == np.float64, f"{layer64.name}: float64 output is {a.dtype}"
        if not randomized:
            _assert_outputs_close(y, y64, f"{layer64.name} float64 vs float32",
                                  max(atol, 1e-4), max(rtol, 1e-4))
        # float32 data into a float64 layer is cast to float64
        y64b = _value(layer64(x, **call_kwargs))
        for a in y64b:
            assert a.dtype == np.float64, f"{layer64.name}: output of float32 data is " \
                f"{a.dtype}"

    return y if multi or len(y) > 1 else y[0]


def _check_same_output(recreated, x, weights, y, call_kwargs, randomized, atol, rtol,
                       what):
    out = recreated(x, **call_kwargs)
    if weights:
        recreated.set_weights(weights)
        out = recreated(x, **call_kwargs)
    if not randomized:
        _assert_outputs_close(y, _value(out), f"{recreated.name} after {what}", atol, rtol)


def _check_taped(layer, data, multi, y, call_kwargs, randomized, atol, rtol):
    tensors = [Tensor(d, requires_grad=True) for d in data]
    with enable_grad():
        out = layer(tensors if multi else tensors[0], **call_kwargs)
        outs = _as_list(out)
        if not randomized:
            _assert_outputs_close(y, _value(outs), f"{layer.name} taped call", atol, rtol)
        taped = [o for o in outs if isinstance(o, Tensor) and o.requires_grad]
        if not taped:
            return
        targets = tensors + list(layer.trainable_weights)
        total = taped[0].sum()
        for o in taped[1:]:
            total = total + o.sum()
        grads = grad(total, targets)
    for t, g in zip(targets, grads, strict=True):
        assert g.shape == t.shape, f"{layer.name}: gradient shape {g.shape} != {t.shape}"
        assert np.all(np.isfinite(g)), f"{layer.name}: non-finite gradient"


def _check_models(layer_cls, config, x, data, multi, sym_shapes, weights, y,
                  custom_objects, atol, rtol):
    # Sequential, layer built from an `input_shape` argument.
    if not multi:
        seq_config = _fresh_config(config, "seq")
        seq_config["batch_input_shape"] = sym_shapes[0]
        seq_layer = _from_config(layer_cls, json_roundtrip(seq_config), custom_objects)
        model = Sequential([seq_layer])
        assert model.built, "Sequential with input_shape is not built"
        if weights:
            model.set_weights(weights)
        _assert_outputs_close(y, model.predict(x), f"{seq_layer.name} in Sequential",
                              atol, rtol)
        assert_shape_compatible(model.output_shape, y[0].shape, "Sequential output_shape")
        clone = Sequential.from_config(json_roundtrip(model.get_config()),
                                       custom_objects=custom_objects)
        if weights:
            clone.set_weights(weights)
        _assert_outputs_close(y, clone.predict(x), "Sequential.from_config", atol, rtol)

    # Functional model with a fresh layer.
    inputs = [Input(batch_shape=s, dtype=d.dtype.name)
              for s, d in zip(sym_shapes, data, strict=True)]
    fresh = _from_config(layer_cls, _fresh_config(config, "fn"), custom_objects)
    outputs = fresh(inputs if multi else inputs[0])
    model = Functional(inputs if multi else inputs[0], outputs)
    if weights:
        model.set_weights(weights)
    _assert_outputs_close(y, model.predict(x), f"{fresh.name} in functional model",
                          atol, rtol)
    clone = layers_module.deserialize(
        json_roundtrip({"class_name": "Functional", "config": model.get_config()}),
        custom_objects=custom_objects)
    if weights:
        clone.set_weights(weights)
    _assert_outputs_close(y, clone.predict(x), "Functional.from_config", atol, rtol)


# ------------------------------------------------- tf-keras golden fixtures
def _normalize(value):
    """Config values compared across implementations: nested objects by
    class_name + config (module/registered_name are informational)."""
    if isinstance(value, dict):
        if "class_name" in value:
            return {"class_name": value["class_name"],
                    "config": _normalize(value.get("config"))}
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalize(v) for v in value]
    return value


def assert_config_matches(ours, theirs, skip=()):
    """Same key set as tf-keras; same values for every key not in `skip`."""
    ours = json_roundtrip(ours)
    assert set(ours) == set(theirs), (
        f"config keys differ: extra {set(ours) - set(theirs)}, "
        f"missing {set(theirs) - set(ours)}")
    for key in theirs:
        if key in skip:
            continue
        assert _normalize(ours[key]) == _normalize(theirs[key]), \
            f"config[{key!r}]: {ours[key]!r} != {theirs[key]!r}"


def golden_layer_test(golden_case, layer_cls=None, custom_objects=None, overrides=None,
                      **harness):
    """Runs `layer_test` on a tf-keras golden case, then checks the weights and config.

    The harness gets the case's inputs and weights and must reproduce its
    output (atol = rtol = 1e-5); a fresh layer built on the inputs must then
    have tf-keras' weight shapes and names and a config with tf-keras' keys
    and values.

    Args:
        golden_case: a `GoldenCase` (`Golden(...).load(name)`) whose entry has
            `layer`, `kwargs`, `output_shapes`, `weight_shapes`,
            `weight_names` and `config`.
        layer_cls: the class under test (default: `ckeras.layers.<layer>`).
        custom_objects: passed to every `from_config`.
        overrides: constructor arguments replacing the case's `kwargs`
            (e.g. the Python function of a Lambda case).
        **harness: more `layer_test` arguments.

    Returns:
        The output of `layer_test`.

    Example:
        >>> golden_layer_test(Golden(root, "core").load("dense_relu"), Dense)
    """
    case, xs, ws, ys, _ = golden_case
    if layer_cls is None:
        layer_cls = getattr(layers_module, case["layer"])
    kwargs = dict(case["kwargs"], **(overrides or {}))
    x = xs if len(xs) > 1 else xs[0]
    K.clear_session()
    y = layer_test(layer_cls, kwargs, input_data=x, weights=ws or None,
                   expected_output=ys[0], atol=1e-5, rtol=1e-5,
                   expected_output_shape=tuple(case["output_shapes"][0]),
                   custom_objects=custom_objects, **harness)
    K.clear_session()
    layer = layer_cls(**kwargs)
    layer(x)
    assert [list(w.shape) for w in layer.get_weights()] == \
        [list(s) for s in case["weight_shapes"]]
    theirs = case["weight_names"]
    assert len(layer.weights) == len(theirs)
    # tf-keras names the weights of a layer built outside a model without the
    # layer's scope ('gamma:0'): those compare by the part after the last '/'.
    ours = [w.name if "/" in t else w.name.split("/")[-1]
            for w, t in zip(layer.weights, theirs, strict=True)]
    assert ours == theirs, f"weight names {ours} != tf-keras {theirs}"
    skip = ("function", "function_type", "module") if layer_cls.__name__ == "Lambda" \
        else ()
    assert_config_matches(layer.get_config(), case["config"], skip=skip)
    return y

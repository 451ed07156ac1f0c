"""Golden fixtures of the 3-D convolution family, the transposed convolutions,
DepthwiseConv1D and channels_first across the family, from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_conv3d.py

Writes ``tests/fixtures/conv3d/cases.json`` and one ``<case>.npz`` per case in
the format of ``tests/fixtures/conv`` (x0 input, w0.. weights in get_weights
order, y output), plus:

* ``dy``, ``gx0`` and ``gw<i>``: the gradients of ``sum(y * dy)`` with
  respect to the input and each weight (tf.GradientTape), for every layer case;
* ``train_*``: small models trained for two SGD steps with train_on_batch
  (``s<step>_w<i>``: the weights after each step) and saved by tf-keras as
  ``<case>.h5`` and ``<case>.keras`` next to the npz (loaded by ckeras in the
  tests).

channels_first: TensorFlow's CPU kernels reject NCDHW/NCHW for most conv and
pool ops. Then the expected output (and gradients) come from a channels_last
twin of the layer with the same weights on the transposed input, transposed
back (case field ``"via"``); the config, weight names and shapes still come
from the channels_first layer itself.
"""
import os

import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L
K = keras.backend


def _to_last(x):
    return np.moveaxis(x, 1, -1)


def _to_first(x):
    return np.moveaxis(x, -1, 1)


def _run(layer, x, dy_fn):
    """(y, dy, gx, gws) of sum(layer(x) * dy)."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=False)
        dy = dy_fn(y.shape)
        loss = tf.reduce_sum(y * dy)
    grads = tape.gradient(loss, [xt] + layer.trainable_weights)
    return np.asarray(y), dy, np.asarray(grads[0]), [np.asarray(g) for g in grads[1:]]


def layer_case(g, name, cls_name, kwargs, input_shape, batch=2, notes=""):
    K.clear_session()
    rng = rng_for("conv3d/" + name)
    x = rng.uniform(-2.0, 2.0, (batch,) + tuple(input_shape)).astype("float32")
    layer = getattr(L, cls_name)(**kwargs)
    layer.build((None,) + tuple(input_shape))
    new_ws = [rng.uniform(-1.0, 1.0, w.shape).astype(w.dtype) for w in layer.get_weights()]
    if new_ws:
        layer.set_weights(new_ws)
    dy_rng = rng_for("conv3d/dy/" + name)

    def dy_fn(shape):
        return dy_rng.uniform(-1, 1, tuple(shape)).astype("float32")

    via = None
    try:
        y, dy, gx, gws = _run(layer, x, dy_fn)
    except Exception as exc:  # NCDHW / NCHW unsupported on CPU
        if kwargs.get("data_format") != "channels_first":
            raise
        via = "channels_last transpose (%s)" % type(exc).__name__
        kw2 = dict(kwargs, data_format="channels_last")
        twin = getattr(L, cls_name)(**kw2)
        twin.build((None,) + _to_last(np.zeros((1,) + tuple(input_shape))).shape[1:])
        if new_ws:
            twin.set_weights(new_ws)
        y, dy, gx, gws = _run(twin, _to_last(x), dy_fn)
        gx = _to_first(gx)
        if y.ndim > 2:
            y, dy = _to_first(y), _to_first(dy)
    entry = {
        "name": name, "layer": type(layer).__name__, "kwargs": kwargs,
        "input_shapes": [list(input_shape)], "inputs": 1, "weights": len(new_ws),
        "weight_names": [w.name for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in new_ws], "outputs": 1,
        "output_shapes": [list(y.shape)], "dtype": "float32",
        "config": clean_config(layer.get_config()), "notes": notes,
    }
    if via:
        entry["via"] = via
    arrays = {"x0": x, "y": y, "dy": dy, "gx0": gx}
    arrays.update({"w%d" % i: w for i, w in enumerate(new_ws)})
    arrays.update({"gw%d" % i: w for i, w in enumerate(gws)})
    g.add(entry, arrays)


def make_layers(g):
    cf = {"data_format": "channels_first"}
    # Conv3D
    layer_case(g, "conv3d_valid", "Conv3D", {"filters": 3, "kernel_size": 2}, (4, 5, 4, 2))
    layer_case(g, "conv3d_same_s2_relu", "Conv3D",
               {"filters": 4, "kernel_size": (3, 2, 3), "strides": (2, 1, 2),
                "padding": "same", "activation": "relu"}, (5, 4, 6, 2))
    layer_case(g, "conv3d_d2_same", "Conv3D",
               {"filters": 2, "kernel_size": 2, "dilation_rate": (2, 1, 2), "padding": "same"},
               (5, 4, 5, 3))
    layer_case(g, "conv3d_groups2_tanh", "Conv3D",
               {"filters": 4, "kernel_size": 2, "groups": 2, "activation": "tanh"},
               (3, 4, 3, 4))
    layer_case(g, "conv3d_nobias", "Conv3D",
               {"filters": 2, "kernel_size": 1, "use_bias": False}, (2, 3, 3, 3))
    layer_case(g, "conv3d_channels_first", "Conv3D",
               dict(cf, filters=3, kernel_size=2, strides=2, padding="same"), (2, 5, 4, 4))
    # Transposed convolutions
    layer_case(g, "conv3dt_valid", "Conv3DTranspose", {"filters": 2, "kernel_size": 2},
               (2, 3, 2, 3))
    layer_case(g, "conv3dt_same_s2_sigmoid", "Conv3DTranspose",
               {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                "activation": "sigmoid"}, (2, 2, 3, 2))
    layer_case(g, "conv3dt_valid_op", "Conv3DTranspose",
               {"filters": 2, "kernel_size": (2, 3, 2), "strides": (2, 2, 3),
                "output_padding": (1, 0, 2)}, (2, 2, 2, 2))
    layer_case(g, "conv3dt_channels_first", "Conv3DTranspose",
               dict(cf, filters=2, kernel_size=2, strides=2), (3, 2, 2, 3))
    layer_case(g, "conv1dt_valid", "Conv1DTranspose", {"filters": 3, "kernel_size": 3},
               (5, 2))
    layer_case(g, "conv1dt_same_s2", "Conv1DTranspose",
               {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, (5, 3))
    layer_case(g, "conv1dt_valid_s3_op2", "Conv1DTranspose",
               {"filters": 2, "kernel_size": 2, "strides": 3, "output_padding": 2}, (4, 2))
    layer_case(g, "conv1dt_channels_first", "Conv1DTranspose",
               dict(cf, filters=2, kernel_size=3, strides=2, padding="same"), (3, 5))
    # DepthwiseConv1D
    layer_case(g, "depthwise1d_valid_m2", "DepthwiseConv1D",
               {"kernel_size": 3, "depth_multiplier": 2}, (7, 2))
    layer_case(g, "depthwise1d_same_s2", "DepthwiseConv1D",
               {"kernel_size": 4, "strides": 2, "padding": "same", "activation": "relu"},
               (9, 3))
    layer_case(g, "depthwise1d_d2", "DepthwiseConv1D",
               {"kernel_size": 2, "dilation_rate": 2, "use_bias": False}, (6, 2))
    layer_case(g, "depthwise1d_channels_first", "DepthwiseConv1D",
               dict(cf, kernel_size=3, padding="same", depth_multiplier=2), (2, 6))
    # Existing layers with channels_first / groups / dilation not covered by conv/
    layer_case(g, "conv1d_groups3", "Conv1D",
               {"filters": 6, "kernel_size": 2, "groups": 3}, (6, 3))
    layer_case(g, "conv2d_groups2_cf", "Conv2D",
               dict(cf, filters=4, kernel_size=3, groups=2, padding="same"), (4, 5, 5))
    layer_case(g, "conv2d_d2_cf", "Conv2D",
               dict(cf, filters=2, kernel_size=2, dilation_rate=2), (3, 6, 5))
    layer_case(g, "sep1d_channels_first", "SeparableConv1D",
               dict(cf, filters=3, kernel_size=3, padding="same"), (2, 7))
    layer_case(g, "depthwise2d_cf_m2_s2", "DepthwiseConv2D",
               dict(cf, kernel_size=2, strides=2, depth_multiplier=2), (2, 5, 6))
    layer_case(g, "avgpool1d_channels_first", "AveragePooling1D",
               dict(cf, pool_size=3, strides=2, padding="same"), (2, 8))
    layer_case(g, "maxpool2d_cf_same", "MaxPooling2D",
               dict(cf, pool_size=3, strides=2, padding="same"), (2, 5, 6))
    layer_case(g, "globalmaxpooling2d_cf_keepdims", "GlobalMaxPooling2D",
               dict(cf, keepdims=True), (3, 4, 5))
    layer_case(g, "upsampling2d_bilinear_cf", "UpSampling2D",
               dict(cf, size=2, interpolation="bilinear"), (2, 3, 4))
    # 3-D pooling
    layer_case(g, "maxpool3d_default", "MaxPooling3D", {}, (4, 5, 4, 2))
    layer_case(g, "maxpool3d_same_s2", "MaxPooling3D",
               {"pool_size": (3, 2, 3), "strides": 2, "padding": "same"}, (5, 4, 5, 2))
    layer_case(g, "maxpool3d_channels_first", "MaxPooling3D", dict(cf), (2, 4, 4, 5))
    layer_case(g, "avgpool3d_default", "AveragePooling3D", {}, (4, 4, 5, 2))
    layer_case(g, "avgpool3d_same_s1", "AveragePooling3D",
               {"pool_size": 2, "strides": 1, "padding": "same"}, (3, 4, 3, 2))
    layer_case(g, "avgpool3d_channels_first", "AveragePooling3D",
               dict(cf, pool_size=(2, 3, 2), padding="same"), (2, 5, 4, 4))
    for cls in ("GlobalMaxPooling3D", "GlobalAveragePooling3D"):
        layer_case(g, cls.lower(), cls, {}, (3, 4, 2, 3))
        layer_case(g, cls.lower() + "_channels_first", cls, dict(cf), (3, 3, 4, 2))
        layer_case(g, cls.lower() + "_keepdims", cls, {"keepdims": True}, (3, 4, 2, 3))
    # Padding, cropping, upsampling, spatial dropout
    layer_case(g, "zeropad3d_int", "ZeroPadding3D", {"padding": 1}, (2, 3, 2, 2))
    layer_case(g, "zeropad3d_mixed", "ZeroPadding3D",
               {"padding": ((1, 0), (0, 2), (2, 1))}, (2, 3, 2, 2))
    layer_case(g, "zeropad3d_channels_first", "ZeroPadding3D",
               dict(cf, padding=(1, 2, 0)), (2, 2, 3, 2))
    layer_case(g, "cropping3d_default", "Cropping3D", {}, (4, 5, 4, 2))
    layer_case(g, "cropping3d_mixed", "Cropping3D",
               {"cropping": ((1, 0), (0, 2), (2, 1))}, (4, 5, 6, 2))
    layer_case(g, "cropping3d_channels_first", "Cropping3D",
               dict(cf, cropping=(1, 0, 2)), (2, 4, 3, 6))
    layer_case(g, "upsampling3d_default", "UpSampling3D", {}, (2, 3, 2, 2))
    layer_case(g, "upsampling3d_123", "UpSampling3D", {"size": (1, 2, 3)}, (2, 2, 3, 2))
    layer_case(g, "upsampling3d_channels_first", "UpSampling3D",
               dict(cf, size=(2, 1, 2)), (2, 2, 3, 2))
    layer_case(g, "spatialdropout3d", "SpatialDropout3D", {"rate": 0.4}, (2, 3, 2, 3))
    layer_case(g, "spatialdropout3d_channels_first", "SpatialDropout3D",
               dict(cf, rate=0.4), (3, 2, 3, 2))


def make_training(g):
    """Two SGD steps of small 3-D / transposed models, and the model saved as .h5."""
    specs = [
        ("train_conv3d", (4, 6, 6, 2), lambda: [
            L.Conv3D(3, 3, padding="same", activation="relu"), L.MaxPooling3D(),
            L.Conv3D(4, 2, groups=1, dilation_rate=1), L.GlobalAveragePooling3D(),
            L.Dense(2)]),
        ("train_conv3d_transpose", (2, 3, 3, 2), lambda: [
            L.Conv3DTranspose(3, 2, strides=2, activation="tanh"), L.ZeroPadding3D(1),
            L.Cropping3D(((1, 1), (0, 2), (2, 0))), L.AveragePooling3D(2),
            L.UpSampling3D((1, 2, 1)), L.Conv3D(2, 1)]),
        ("train_conv1d_transpose", (6, 3), lambda: [
            L.Conv1DTranspose(4, 3, strides=2, padding="same"),
            L.DepthwiseConv1D(3, depth_multiplier=2, activation="relu"),
            L.GlobalMaxPooling1D(), L.Dense(2)]),
    ]
    for name, in_shape, make in specs:
        K.clear_session()
        rng = rng_for("conv3d/" + name)
        model = keras.Sequential([L.InputLayer(input_shape=in_shape)] + make())
        new = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]
        model.set_weights(new)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
        x = rng.uniform(-1, 1, (4,) + in_shape).astype("float32")
        t = rng.uniform(-1, 1, (4,) + tuple(model.output_shape[1:])).astype("float32")
        arrays = {"x0": x, "t": t, "y0": model.predict(x, verbose=0)}
        arrays.update({"w%d" % i: w for i, w in enumerate(new)})
        losses = []
        for step in (1, 2):
            losses.append(float(model.train_on_batch(x, t)))
            for i, w in enumerate(model.get_weights()):
                arrays["s%d_w%d" % (step, i)] = w
        arrays["y"] = model.predict(x, verbose=0)
        model.save(os.path.join(g.dir, name + ".h5"))
        model.save(os.path.join(g.dir, name + ".keras"))
        g.add({"name": name, "layer": "model", "kwargs": {}, "input_shapes": [list(in_shape)],
               "inputs": 1, "weights": len(new),
               "weight_names": [v.name for v in model.weights],
               "weight_shapes": [list(w.shape) for w in new], "outputs": 1,
               "output_shapes": [list(arrays["y"].shape)], "losses": losses,
               "model_config": clean_config(model.get_config()),
               "notes": "compile(SGD(0.1), 'mse'); y0 = predict(x0) with w<i>; "
                        "train_on_batch(x0, t) twice; s<step>_w<i> = get_weights() after "
                        "each step; y = predict(x0) after; <name>.h5 and <name>.keras = "
                        "model.save after"},
              arrays)


def main():
    g = Group("conv3d")
    make_layers(g)
    make_training(g)
    g.close()


if __name__ == "__main__":
    main()

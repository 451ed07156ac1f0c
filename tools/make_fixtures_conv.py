"""Golden fixtures of the convolution family from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_conv.py

Writes ``tests/fixtures/conv/cases.json`` and one ``<case>.npz`` per case
(x0 input, w0.. weights in get_weights order, y output), in the format of
``tests/fixtures/core`` (the helpers are tools/_golden.py's).

channels_first: TensorFlow's CPU kernels reject NCHW for most conv/pool ops.
For those cases the expected output is computed by a channels_last twin of
the layer with the same weights on the transposed input, transposed back
(case field ``"via": "channels_last transpose"``); the config, weight names
and shapes still come from the channels_first layer itself.

Also writes ``bn_train_*``: small models with BatchNormalization trained for
two SGD steps with train_on_batch; weights (moving statistics included)
after each step.
"""
import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L
K = keras.backend

CHANNEL_LAYERS_1D = {"Conv1D", "SeparableConv1D", "MaxPooling1D", "AveragePooling1D",
                     "GlobalMaxPooling1D", "GlobalAveragePooling1D", "UpSampling1D",
                     "ZeroPadding1D", "Cropping1D"}


def _to_last(x):
    return np.moveaxis(x, 1, -1)


def _to_first(x):
    return np.moveaxis(x, -1, 1)


def layer_case(g, name, cls_name, kwargs, input_shape, batch=2, wlo=-1.0, whi=1.0,
               notes=""):
    K.clear_session()
    rng = rng_for("conv/" + name)
    x = rng.uniform(-2.0, 2.0, (batch,) + tuple(input_shape)).astype("float32")
    layer = getattr(L, cls_name)(**kwargs)
    layer.build((None,) + tuple(input_shape))
    ws = layer.get_weights()
    new_ws = [rng.uniform(wlo, whi, w.shape).astype(w.dtype) for w in ws]
    if new_ws:
        layer.set_weights(new_ws)
    via = None
    try:
        y = np.asarray(layer(tf.constant(x), training=False))
    except Exception as exc:  # NCHW unsupported on CPU
        if kwargs.get("data_format") != "channels_first":
            raise
        via = "channels_last transpose (%s)" % type(exc).__name__
        kw2 = dict(kwargs, data_format="channels_last")
        if cls_name.startswith("Global"):
            kw2["keepdims"] = False
        twin = getattr(L, cls_name)(**kw2)
        twin.build((None,) + tuple(_to_last(np.zeros((1,) + tuple(input_shape))).shape[1:]))
        if new_ws:
            twin.set_weights(new_ws)
        y = np.asarray(twin(tf.constant(_to_last(x)), training=False))
        if y.ndim > 2:
            y = _to_first(y)
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
    arrays = {"x0": x, "y": y}
    arrays.update({"w%d" % i: w for i, w in enumerate(new_ws)})
    g.add(entry, arrays)


def make_layers(g):
    cf = {"data_format": "channels_first"}
    # Conv1D
    layer_case(g, "conv1d_valid", "Conv1D", {"filters": 4, "kernel_size": 3}, (9, 3))
    layer_case(g, "conv1d_same_s2", "Conv1D",
               {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}, (9, 2))
    layer_case(g, "conv1d_causal_d2", "Conv1D",
               {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2,
                "activation": "relu"}, (10, 2))
    layer_case(g, "conv1d_nobias_tanh", "Conv1D",
               {"filters": 2, "kernel_size": 2, "use_bias": False, "activation": "tanh"},
               (6, 3))
    layer_case(g, "conv1d_channels_first", "Conv1D",
               dict(cf, filters=3, kernel_size=3, padding="same"), (2, 8))
    # Conv2D
    layer_case(g, "conv2d_valid", "Conv2D", {"filters": 4, "kernel_size": 3}, (6, 5, 3))
    layer_case(g, "conv2d_same_s2", "Conv2D",
               {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 7, 2),
               notes="7x7 -> 4x4")
    layer_case(g, "conv2d_d2_valid", "Conv2D",
               {"filters": 3, "kernel_size": (3, 2), "dilation_rate": 2}, (8, 7, 2))
    layer_case(g, "conv2d_k35_s21_same_sigmoid", "Conv2D",
               {"filters": 3, "kernel_size": (3, 5), "strides": (2, 1), "padding": "same",
                "activation": "sigmoid"}, (7, 6, 2))
    layer_case(g, "conv2d_1x1_relu", "Conv2D",
               {"filters": 5, "kernel_size": 1, "activation": "relu"}, (4, 3, 6))
    layer_case(g, "conv2d_nobias", "Conv2D",
               {"filters": 2, "kernel_size": 2, "use_bias": False}, (4, 4, 3))
    layer_case(g, "conv2d_channels_first", "Conv2D",
               dict(cf, filters=3, kernel_size=3, strides=2, padding="same"), (2, 7, 6))
    layer_case(g, "conv2d_softmax", "Conv2D",
               {"filters": 4, "kernel_size": 2, "activation": "softmax"}, (4, 4, 2))
    # Conv2DTranspose
    layer_case(g, "conv2dt_valid", "Conv2DTranspose", {"filters": 3, "kernel_size": 3},
               (4, 5, 2))
    layer_case(g, "conv2dt_same_s2", "Conv2DTranspose",
               {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (3, 4, 3))
    layer_case(g, "conv2dt_valid_s2_op1", "Conv2DTranspose",
               {"filters": 2, "kernel_size": (3, 2), "strides": 2, "output_padding": 1},
               (3, 3, 2))
    layer_case(g, "conv2dt_same_s3_k2", "Conv2DTranspose",
               {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "same",
                "activation": "relu"}, (3, 2, 2))
    layer_case(g, "conv2dt_d2", "Conv2DTranspose",
               {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (4, 4, 2))
    layer_case(g, "conv2dt_channels_first", "Conv2DTranspose",
               dict(cf, filters=2, kernel_size=3, strides=2, padding="same"), (3, 3, 4))
    # Depthwise / separable
    layer_case(g, "depthwise_valid_m2", "DepthwiseConv2D",
               {"kernel_size": 3, "depth_multiplier": 2}, (5, 6, 2))
    layer_case(g, "depthwise_same_s2", "DepthwiseConv2D",
               {"kernel_size": (3, 2), "strides": 2, "padding": "same"}, (7, 6, 3))
    layer_case(g, "depthwise_d2", "DepthwiseConv2D",
               {"kernel_size": 2, "dilation_rate": 2, "activation": "relu"}, (6, 6, 2))
    layer_case(g, "depthwise_channels_first", "DepthwiseConv2D",
               dict(cf, kernel_size=3, padding="same"), (2, 5, 5))
    layer_case(g, "sep2d_same", "SeparableConv2D",
               {"filters": 4, "kernel_size": 3, "padding": "same", "depth_multiplier": 2},
               (5, 6, 3))
    layer_case(g, "sep2d_s2_valid", "SeparableConv2D",
               {"filters": 3, "kernel_size": 3, "strides": 2, "activation": "tanh"}, (7, 7, 2))
    layer_case(g, "sep2d_channels_first", "SeparableConv2D",
               dict(cf, filters=3, kernel_size=2), (2, 5, 4))
    layer_case(g, "sep1d_same", "SeparableConv1D",
               {"filters": 3, "kernel_size": 3, "padding": "same"}, (8, 2))
    layer_case(g, "sep1d_causal_d2", "SeparableConv1D",
               {"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2,
                "depth_multiplier": 2}, (7, 3))
    # Pooling
    layer_case(g, "maxpool1d_default", "MaxPooling1D", {}, (7, 3), notes="L=7 -> 3")
    layer_case(g, "maxpool1d_same_s1", "MaxPooling1D",
               {"pool_size": 3, "strides": 1, "padding": "same"}, (6, 2))
    layer_case(g, "maxpool1d_channels_first", "MaxPooling1D", dict(cf), (2, 7))
    layer_case(g, "avgpool1d_same", "AveragePooling1D",
               {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 2))
    layer_case(g, "maxpool2d_default", "MaxPooling2D", {}, (7, 7, 2))
    layer_case(g, "maxpool2d_same_s2", "MaxPooling2D",
               {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 6, 2))
    layer_case(g, "maxpool2d_channels_first", "MaxPooling2D", dict(cf), (2, 6, 5))
    layer_case(g, "avgpool2d_default", "AveragePooling2D", {}, (6, 5, 2))
    layer_case(g, "avgpool2d_same_s2", "AveragePooling2D",
               {"pool_size": (3, 2), "strides": 2, "padding": "same"}, (7, 6, 2))
    layer_case(g, "avgpool2d_channels_first", "AveragePooling2D",
               dict(cf, padding="same", pool_size=3), (2, 5, 5))
    for cls in ("GlobalMaxPooling1D", "GlobalAveragePooling1D"):
        layer_case(g, cls.lower(), cls, {}, (5, 3))
        layer_case(g, cls.lower() + "_channels_first", cls, dict(cf), (3, 5))
    for cls in ("GlobalMaxPooling2D", "GlobalAveragePooling2D"):
        layer_case(g, cls.lower(), cls, {}, (4, 5, 3))
        layer_case(g, cls.lower() + "_channels_first", cls, dict(cf), (3, 4, 5))
        layer_case(g, cls.lower() + "_keepdims", cls, {"keepdims": True}, (4, 5, 3))
    # Padding, cropping, upsampling
    layer_case(g, "zeropad1d", "ZeroPadding1D", {"padding": (1, 2)}, (4, 2))
    layer_case(g, "zeropad2d_int", "ZeroPadding2D", {"padding": 1}, (3, 4, 2))
    layer_case(g, "zeropad2d_pairs", "ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, (3, 4, 2))
    layer_case(g, "zeropad2d_channels_first", "ZeroPadding2D",
               dict(cf, padding=(1, 2)), (2, 3, 4))
    layer_case(g, "cropping1d", "Cropping1D", {"cropping": (1, 2)}, (6, 2))
    layer_case(g, "cropping2d", "Cropping2D", {"cropping": ((1, 0), (2, 1))}, (5, 6, 2))
    layer_case(g, "cropping2d_channels_first", "Cropping2D",
               dict(cf, cropping=1), (2, 5, 4))
    layer_case(g, "upsampling1d", "UpSampling1D", {"size": 3}, (4, 2))
    layer_case(g, "upsampling2d", "UpSampling2D", {"size": (2, 3)}, (3, 2, 2))
    layer_case(g, "upsampling2d_channels_first", "UpSampling2D", dict(cf, size=2), (2, 3, 2))
    layer_case(g, "upsampling2d_bilinear", "UpSampling2D",
               {"size": 2, "interpolation": "bilinear"}, (3, 4, 2))
    # Normalization (inference; positive moving variance)
    layer_case(g, "bn_default", "BatchNormalization", {}, (4, 3), wlo=0.5, whi=1.5)
    layer_case(g, "bn_axis1_4d", "BatchNormalization", {"axis": 1, "epsilon": 0.01},
               (3, 4, 2), wlo=0.5, whi=1.5)
    layer_case(g, "bn_no_scale", "BatchNormalization", {"scale": False, "momentum": 0.9},
               (5,), wlo=0.5, whi=1.5)
    layer_case(g, "bn_no_center", "BatchNormalization", {"center": False}, (3, 4),
               wlo=0.5, whi=1.5)
    layer_case(g, "ln_default", "LayerNormalization", {}, (4, 5))
    layer_case(g, "ln_axes12", "LayerNormalization", {"axis": [1, 2], "epsilon": 1e-5},
               (3, 4, 2))
    layer_case(g, "ln_no_center", "LayerNormalization", {"center": False}, (6,))
    layer_case(g, "spatialdropout1d", "SpatialDropout1D", {"rate": 0.3}, (4, 3))
    layer_case(g, "spatialdropout2d", "SpatialDropout2D", {"rate": 0.5}, (3, 3, 2))


def make_bn_training(g):
    """Two SGD steps with BatchNormalization in training mode."""
    specs = [
        ("bn_train_dense", (5,), lambda: [L.BatchNormalization(momentum=0.8),
                                          L.Dense(3)], 3),
        ("bn_train_conv", (4, 4, 2), lambda: [L.Conv2D(3, 2), L.BatchNormalization(),
                                              L.Flatten(), L.Dense(2)], 2),
    ]
    for name, in_shape, make, out_dim in specs:
        K.clear_session()
        rng = rng_for("conv/" + name)
        model = keras.Sequential([L.InputLayer(input_shape=in_shape)] + make())
        ws = model.get_weights()
        new = []
        for w, v in zip(ws, model.weights, strict=True):
            if "moving_variance" in v.name or "gamma" in v.name:
                new.append(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
            else:
                new.append(rng.uniform(-1, 1, w.shape).astype("float32"))
        model.set_weights(new)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
        x = rng.uniform(-2, 2, (8,) + in_shape).astype("float32")
        y = rng.uniform(-1, 1, (8, out_dim)).astype("float32")
        arrays = {"x0": x, "t": y}
        arrays.update({"w%d" % i: w for i, w in enumerate(new)})
        losses = []
        for step in (1, 2):
            losses.append(float(model.train_on_batch(x, y)))
            for i, w in enumerate(model.get_weights()):
                arrays["s%d_w%d" % (step, i)] = w
        arrays["y"] = model.predict(x, verbose=0)
        g.add({"name": name, "layer": "model", "kwargs": {}, "input_shapes": [list(in_shape)],
               "inputs": 1, "weights": len(new), "weight_names": [v.name for v in model.weights],
               "weight_shapes": [list(w.shape) for w in new], "outputs": 1,
               "output_shapes": [list(arrays["y"].shape)], "losses": losses,
               "model_config": clean_config(model.get_config()),
               "notes": "compile(SGD(0.1), 'mse'); train_on_batch(x0, t) twice; "
                        "s<step>_w<i> = get_weights() after each step; y = predict(x0)"},
              arrays)


def main():
    g = Group("conv")
    make_layers(g)
    make_bn_training(g)
    g.close()


if __name__ == "__main__":
    main()

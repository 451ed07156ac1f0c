"""Golden values for the Keras 2 backend functions ckeras added for issue #21, from
tf-keras 2.21.

Run BY HAND in the TensorFlow venv::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_keras2_backend.py

Writes ``tests/fixtures/keras2_backend/{cases.json, arrays.npz}``. Each case is a
Python expression over ``K`` (the backend) and inputs ``x0, x1, ...``, evaluated here
with tf-keras and in tests/backend/test_keras2_backend.py with ckeras. ``_flat``
turns nested results (ctc_decode's ``([decoded, ...], log_prob)``, a SparseTensor's
indices/values/shape) into a flat list of arrays ``y0, y1, ...``. A case with
``grad`` also records ``g``: the gradient of ``sum(y0)`` with respect to input
``x<grad>`` (through tf.GradientTape).
"""
import os

import _golden
from _golden import fixtures_dir, rng_for, write_json, write_npz

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

K = keras.backend


def _flat(out):
    if isinstance(out, tf.SparseTensor):
        return [out.indices, out.values, out.dense_shape]
    if isinstance(out, (list, tuple)):
        return [y for o in out for y in _flat(o)]
    return [out]


def main():
    rng = rng_for("keras2_backend")
    arrays, cases = {}, []

    def u(*shape, lo=-1.0, hi=1.0):
        return rng.uniform(lo, hi, shape).astype("float32")

    def softmax(*shape):
        z = rng.uniform(-2, 2, shape)
        e = np.exp(z - z.max(-1, keepdims=True))
        return (e / e.sum(-1, keepdims=True)).astype("float32")

    def ints(*rows):
        return np.array(rows, dtype="int32")

    def case(name, expr, inputs, grad=None, notes=""):
        env = {"K": K, "_flat": _flat}
        tensors = [tf.constant(x) for x in inputs]
        env.update({f"x{i}": t for i, t in enumerate(tensors)})
        with tf.GradientTape() as tape:
            if grad is not None:
                tape.watch(tensors[grad])
            outs = [np.asarray(o) for o in _flat(eval(expr, env))]  # noqa: S307
            if grad is not None:
                g = tape.gradient(tf.reduce_sum(_flat(eval(expr, env))[0]), tensors[grad])
                arrays[f"{name}__g"] = np.asarray(g)
        for i, x in enumerate(inputs):
            arrays[f"{name}__x{i}"] = x
        for i, o in enumerate(outs):
            arrays[f"{name}__y{i}"] = o
        cases.append({"name": name, "expr": expr, "inputs": len(inputs),
                      "outputs": len(outs), "grad": grad,
                      "output_dtypes": [str(o.dtype) for o in outs], "notes": notes})

    # -- CTC -------------------------------------------------------------------------
    # 4 sequences of 6 steps over 4 classes + blank (index 4); label rows padded with
    # garbage past label_length; row 1 repeats a label (needs a blank between).
    probs = softmax(4, 6, 5)
    labels = ints([0, 1, 2, 3], [1, 1, 0, 0], [3, 9, 9, 9], [2, 0, 1, 3])
    case("ctc_batch_cost", "K.ctc_batch_cost(x0, x1, x2, x3)",
         [labels, probs, ints([6], [5], [4], [6]), ints([2], [2], [1], [4])], grad=1,
         notes="y_pred softmax (B,T,C), blank = C-1; gradient w.r.t. y_pred")
    peaked = softmax(2, 4, 3) ** 4
    case("ctc_batch_cost_unnormalised", "K.ctc_batch_cost(x0, x1, x2, x3)",
         [ints([1, 0], [1, 1]), peaked, ints([4], [3]), ints([2], [2])], grad=1,
         notes="rows of y_pred not summing to 1 (CTC renormalises log(y + eps)); row 1: "
               "a repeated label in 3 steps (blank between)")
    dec = softmax(3, 7, 4)
    dec[0, :, :] = np.float32([[.1, .6, .1, .2], [.1, .6, .1, .2], [.1, .1, .1, .7],
                               [.5, .2, .2, .1], [.1, .1, .6, .2], [.1, .1, .2, .6],
                               [.3, .3, .3, .1]])
    lens = ints(7, 5, 6)
    case("ctc_decode_greedy", "_flat(K.ctc_decode(x0, x1, greedy=True))", [dec, lens],
         notes="[decoded (B, T) padded with -1, log_prob (B, 1)]")
    for width, top in ((8, 1), (8, 3), (2, 2), (100, 2)):
        case(f"ctc_decode_beam_w{width}_top{top}",
             f"_flat(K.ctc_decode(x0, x1, greedy=False, beam_width={width}, top_paths={top}))",
             [dec, lens], notes="top_paths decoded (B, T) arrays, then log_prob (B, top)")
    case("ctc_decode_beam_repeats",
         "_flat(K.ctc_decode(x0, x1, greedy=False, beam_width=10, top_paths=3))",
         [softmax(2, 5, 3), ints(5, 3)],
         notes="3 classes; merge_repeated=True (tf.compat.v1 default)")
    raw = np.exp(u(2, 6, 5, lo=0, hi=3))
    for greedy in (True, False):
        case(f"ctc_decode_{'greedy' if greedy else 'beam'}_unnormalised",
             f"_flat(K.ctc_decode(x0, x1, greedy={greedy}, beam_width=3, top_paths=2))"
             if not greedy else "_flat(K.ctc_decode(x0, x1, greedy=True))",
             [raw, ints(6, 4)], notes="rows not summing to 1: beam search renormalises "
                                      "each step (log-softmax), greedy does not")
    case("ctc_label_dense_to_sparse", "_flat(K.ctc_label_dense_to_sparse(x0, x1))",
         [labels, ints(2, 4, 1, 3)], notes="indices, values, dense_shape")

    # -- resizing and padding ---------------------------------------------------------
    img = u(2, 3, 4, 2)
    for fmt in ("channels_last", "channels_first"):
        for interp in ("nearest", "bilinear"):
            case(f"resize_images_{fmt}_{interp}",
                 f"K.resize_images(x0, 2, 3, '{fmt}', interpolation='{interp}')", [img])
        if fmt == "channels_last":   # TensorFlow's other methods, one layout is enough
            for interp in ("bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                           "mitchellcubic"):
                case(f"resize_images_{fmt}_{interp}",
                     f"K.resize_images(x0, 2, 3, '{fmt}', interpolation='{interp}')", [img])
        case(f"resize_volumes_{fmt}", f"K.resize_volumes(x0, 2, 1, 3, '{fmt}')",
             [u(1, 2, 3, 2, 2)])
        case(f"spatial_2d_padding_{fmt}",
             f"K.spatial_2d_padding(x0, ((1, 0), (2, 1)), '{fmt}')", [img])
        case(f"spatial_3d_padding_{fmt}",
             f"K.spatial_3d_padding(x0, ((1, 0), (0, 2), (1, 1)), '{fmt}')", [u(1, 2, 3, 2, 2)])
    case("temporal_padding", "K.temporal_padding(x0, (2, 1))", [u(2, 3, 4)])
    case("spatial_2d_padding_default", "K.spatial_2d_padding(x0)", [img])

    # -- convolutions -------------------------------------------------------------------
    x = u(2, 5, 4, 3)
    case("conv2d_transpose_valid",
         "K.conv2d_transpose(x0, x1, (2, 11, 9, 2), strides=(2, 2), padding='valid')",
         [x, u(3, 3, 2, 3)], grad=0)
    case("conv2d_transpose_same",
         "K.conv2d_transpose(x0, x1, (2, 10, 8, 2), strides=(2, 2), padding='same')",
         [x, u(3, 2, 2, 3)], grad=1)
    case("conv2d_transpose_valid_extra_row",
         "K.conv2d_transpose(x0, x1, (2, 12, 9, 2), strides=(2, 2), padding='valid')",
         [x, u(3, 3, 2, 3)], notes="output 1 row longer than the minimum")
    case("conv2d_transpose_channels_first",
         "K.conv2d_transpose(x0, x1, (2, 2, 7, 6), padding='valid', "
         "data_format='channels_first')", [u(2, 3, 5, 4), u(3, 3, 2, 3)])
    case("conv2d_transpose_dilated",
         "K.conv2d_transpose(x0, x1, (2, 9, 8, 2), padding='valid', dilation_rate=(2, 2))",
         [x, u(3, 3, 2, 3)])
    for pad in ("valid", "same"):
        case(f"depthwise_conv2d_{pad}",
             f"K.depthwise_conv2d(x0, x1, strides=(2, 2), padding='{pad}')",
             [x, u(3, 2, 3, 2)], grad=1)
        case(f"separable_conv2d_{pad}",
             f"K.separable_conv2d(x0, x1, x2, strides=(2, 2), padding='{pad}')",
             [x, u(2, 3, 3, 2), u(1, 1, 6, 4)], grad=2)
    case("depthwise_conv2d_dilated_channels_first",
         "K.depthwise_conv2d(x0, x1, padding='same', data_format='channels_first', "
         "dilation_rate=(2, 2))", [u(2, 3, 6, 5), u(2, 2, 3, 1)])
    case("separable_conv2d_dilated_channels_first",
         "K.separable_conv2d(x0, x1, x2, padding='valid', data_format='channels_first', "
         "dilation_rate=(1, 2))", [u(2, 3, 6, 5), u(2, 2, 3, 2), u(1, 1, 6, 2)])
    case("local_conv1d", "K.local_conv1d(x0, x1, (3,), (2,))",
         [u(2, 7, 3), u(3, 9, 4)], grad=1, notes="kernel (output_length, 3*3, filters)")
    case("local_conv2d", "K.local_conv2d(x0, x1, (2, 2), (1, 2), (3, 2))",
         [u(2, 4, 4, 3), u(6, 12, 2)], grad=0)
    case("local_conv2d_channels_first",
         "K.local_conv2d(x0, x1, (2, 2), (1, 1), (2, 3), data_format='channels_first')",
         [u(2, 3, 3, 4), u(6, 12, 2)])

    case("bias_add_2d_bias_channels_first", "K.bias_add(x0, x1, 'channels_first')",
         [u(2, 3, 4), u(4, 3)], grad=1,
         notes="a (spatial, channels) bias is reshaped, not transposed, to (channels, spatial)")
    case("bias_add_3d_bias_channels_first", "K.bias_add(x0, x1, 'channels_first')",
         [u(2, 3, 2, 4), u(2, 4, 3)])
    case("bias_add_2d_bias_channels_last", "K.bias_add(x0, x1, 'channels_last')",
         [u(2, 4, 3), u(4, 3)], grad=1)

    # -- normalisation ------------------------------------------------------------------
    xb = u(4, 3, 2, 5, lo=-2, hi=2)
    mean, var = u(5), u(5, lo=0.1, hi=2)
    beta, gamma = u(5), u(5, lo=0.5, hi=1.5)
    case("batch_normalization", "K.batch_normalization(x0, x1, x2, x3, x4, epsilon=1e-3)",
         [xb, mean, var, beta, gamma], grad=0)
    case("batch_normalization_axis1",
         "K.batch_normalization(x0, x1, x2, x3, x4, axis=1, epsilon=0.01)",
         [u(2, 5, 3, 2), mean, var, beta, gamma], notes="4-D channels_first (fused in tf-keras)")
    case("batch_normalization_2d", "K.batch_normalization(x0, x1, x2, x3, x4)",
         [u(6, 5), mean, var, beta, gamma])
    case("normalize_batch_in_training",
         "K.normalize_batch_in_training(x0, x1, x2, [0, 1, 2])", [xb, gamma, beta],
         notes="(normed, mean, var); var is the biased variance")
    case("normalize_batch_in_training_3d",
         "K.normalize_batch_in_training(x0, x1, x2, [0, 1], epsilon=0.1)",
         [u(3, 4, 5), gamma, beta])
    case("normalize_batch_in_training_axis1",
         "K.normalize_batch_in_training(x0, x1, x2, [0, 2, 3])",
         [u(3, 5, 2, 2), gamma, beta])

    # -- in_top_k and focal losses --------------------------------------------------------
    pred = np.float32([[.1, .5, .3, .1], [.2, .2, .2, .4], [.4, .3, .2, .1],
                       [.25, .25, .25, .25], [.1, .1, .7, .1]])
    for k in (1, 2, 3):
        case(f"in_top_k_{k}", f"K.in_top_k(x0, x1, {k})", [pred, ints(1, 0, 2, 3, 0)],
             notes="ties straddling the k boundary count as in the top k")
    pt = np.float32([[0, 1, 1, 0], [1, 0, 0, 1], [.3, .7, 1, 0]])
    pp = u(3, 4, lo=0.05, hi=0.95)
    logits = u(3, 4, lo=-3, hi=3)
    case("binary_focal_crossentropy", "K.binary_focal_crossentropy(x0, x1)", [pt, pp], grad=1)
    case("binary_focal_crossentropy_balanced_logits",
         "K.binary_focal_crossentropy(x0, x1, apply_class_balancing=True, alpha=0.3, "
         "gamma=1.5, from_logits=True)", [pt, logits], grad=1)
    onehot = np.eye(4, dtype="float32")[[1, 3, 0]]
    case("categorical_focal_crossentropy", "K.categorical_focal_crossentropy(x0, x1)",
         [onehot, softmax(3, 4)], grad=1)
    case("categorical_focal_crossentropy_logits",
         "K.categorical_focal_crossentropy(x0, x1, alpha=0.5, gamma=3.0, from_logits=True)",
         [onehot, logits], grad=1)
    case("categorical_focal_crossentropy_unnormalised",
         "K.categorical_focal_crossentropy(x0, x1)", [onehot, u(3, 4, lo=0.1, hi=2)],
         notes="output renormalised to sum 1")

    out = fixtures_dir("keras2_backend")
    os.makedirs(out, exist_ok=True)
    write_npz(os.path.join(out, "arrays.npz"), arrays)
    write_json(os.path.join(out, "cases.json"), cases)
    print("keras2_backend %d cases -> %s" % (len(cases), out))


if __name__ == "__main__":
    main()

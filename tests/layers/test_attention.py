"""EinsumDense, MultiHeadAttention, Attention and AdditiveAttention against
tf-keras 2.21 goldens (tests/fixtures/attention, tools/make_fixtures_attention.py):
forward values and scores, masks, causal masks, weights names and config, two
training steps, and a tf-keras-written MultiHeadAttention .h5 model."""
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L
from ckeras import optimizers
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.models import Model, load_model
from ckeras.testing import Golden, assert_config_matches, golden_layer_test, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "attention")
CALL_CASES = [n for n in GOLDEN.names() if GOLDEN[n].get("style") in ("args", "list")]


@pytest.mark.parametrize("name", GOLDEN.names(layer="EinsumDense"))
def test_einsum_dense_golden(name):
    golden_layer_test(GOLDEN.load(name))


def _call(layer, case, xs, a, tensors=True):
    kw = dict(case["call_kwargs"])
    if "am" in a:
        kw["attention_mask"] = a["am"]
    ts = [Tensor(x) for x in xs] if tensors or "qm" in a else list(xs)
    if case["style"] == "args":
        if "qm" in a:
            ts[0]._keras_mask, ts[1]._keras_mask = a["qm"], a["vm"]
        if len(ts) > 2:
            kw["key"] = ts[2]
        out = layer(ts[0], ts[1], **kw)
    else:
        if "qm" in a:
            kw["mask"] = [a["qm"], a["vm"]]
        out = layer(ts, **kw)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("name", CALL_CASES)
def test_attention_layers_golden(name):
    case, xs, ws, ys, a = GOLDEN.load(name)
    K.clear_session()
    layer = getattr(L, case["layer"])(**case["kwargs"])
    _call(layer, case, xs, a)
    assert [list(w.shape) for w in layer.get_weights()] == case["weight_shapes"]
    assert [w.name for w in layer.weights] == case["weight_names"]
    layer.set_weights(ws)
    outs = _call(layer, case, xs, a)
    assert len(outs) == len(ys)
    for o, y in zip(outs, ys, strict=True):
        np.testing.assert_allclose(o, y, rtol=1e-5, atol=1e-5)
    assert_config_matches(layer.get_config(), case["config"])
    # from_config builds the same layer (MultiHeadAttention from its recorded shapes)
    clone = type(layer).from_config(layer.get_config())
    if case["layer"] == "MultiHeadAttention":
        assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]
    else:
        _call(clone, case, xs, a)
    clone.set_weights(ws)
    for o, y in zip(_call(clone, case, xs, a, tensors=False), ys, strict=True):
        np.testing.assert_allclose(o, y, rtol=1e-5, atol=1e-5)


def test_fully_masked_query_row_is_uniform_as_in_tf_keras():
    case, xs, ws, ys, a = GOLDEN.load("mha_attention_mask")
    scores = ys[1]
    assert not a["am"][1, 2].any()
    np.testing.assert_allclose(scores[1, :, 2], 1.0 / scores.shape[-1], rtol=1e-6)


@pytest.mark.parametrize("name", ["attention_scaled_key"])
def test_dense_attention_through_the_harness(name):
    golden_layer_test(GOLDEN.load(name))


@pytest.mark.parametrize("cls, kwargs", [(L.Attention, {}), (L.Attention, {"use_scale": True}),
                                         (L.Attention, {"score_mode": "concat"}),
                                         (L.AdditiveAttention, {})])
def test_dense_attention_layer_test(cls, kwargs):
    layer_test(cls, kwargs, input_shape=[(2, 3, 4), (2, 5, 4)],
               expected_output_shape=(None, 3, 4))


def _mha_model():
    inp = L.Input((6, 8), name="x")
    h = L.MultiHeadAttention(2, 4, name="mha")(inp, inp)
    h = L.LayerNormalization(name="ln")(L.Add(name="res")([inp, h]))
    h = L.GlobalAveragePooling1D(name="pool")(h)
    return Model(inp, L.Dense(3, name="out")(h), name="mha_model")


def _attention_model():
    q = L.Input((5, 4), name="q")
    v = L.Input((6, 4), name="v")
    h = L.Attention(use_scale=True, name="att")([q, v])
    h2 = L.AdditiveAttention(name="add_att")([q, v])
    h = L.Flatten(name="flat")(L.Concatenate(name="cat")([h, h2]))
    return Model([q, v], L.Dense(2, name="out")(h), name="att_model")


@pytest.mark.parametrize("name, make", [("mha_train", _mha_model),
                                        ("attention_train", _attention_model)])
def test_two_training_steps(name, make):
    case, xs, _, _, a = GOLDEN.load(name)
    K.clear_session()
    model = make()
    assert [w.name for w in model.weights] == case["weight_names"]
    model.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    for step in (1, 2):
        loss = model.train_on_batch(xs, a["t"])
        np.testing.assert_allclose(loss, case["losses"][step - 1], rtol=1e-5, atol=1e-6)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, a[f"s{step}_w{i}"], rtol=1e-5, atol=1e-5,
                                       err_msg=f"step {step} weight {i}")
    np.testing.assert_allclose(model.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)


def test_loads_a_tf_keras_h5_model_and_round_trips(tmp_path):
    case, xs, _, _, a = GOLDEN.load("mha_train")
    K.clear_session()
    model = load_model(GOLDEN.file("mha_model.h5"))
    mha = model.get_layer("mha")
    assert isinstance(mha, L.MultiHeadAttention)
    assert [w.name for w in model.weights] == case["weight_names"]
    np.testing.assert_allclose(model.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    path = tmp_path / "m.h5"
    model.save(path)
    again = load_model(path)
    np.testing.assert_allclose(again.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    fresh = _mha_model()
    fresh.load_weights(GOLDEN.file("mha_model.h5"))
    np.testing.assert_allclose(fresh.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    # a model rebuilt from its JSON config has the weights before any call
    clone = Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)


def _mha_grads(layer, q, v):
    qt, vt = Tensor(q, requires_grad=True), Tensor(v, requires_grad=True)
    with enable_grad():
        out, scores = layer(qt, vt, return_attention_scores=True)
        loss = K.sum(out * out) + K.sum(scores * np.arange(scores.shape[-1]))
    return grad(loss, [qt, vt] + layer.trainable_weights)


def test_fused_and_einsum_paths_agree_with_gradients():
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 4, 6))
    v = rng.standard_normal((2, 5, 6))
    fused = L.MultiHeadAttention(3, 2, value_dim=4, dtype="float64")
    general = L.MultiHeadAttention(3, 2, value_dim=4, dtype="float64",
                                   softmax_robust_masking=True)
    fused(q, v)
    general(q, v)
    assert fused._fused
    general.set_weights(fused.get_weights())
    for a, b in zip(_mha_grads(fused, q, v), _mha_grads(general, q, v), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert np.abs(_mha_grads(fused, q, v)[0]).sum() > 0


def test_inference_without_scores_skips_them_and_gives_the_same_output():
    """Off the tape, a call that does not ask for the scores runs the fused
    kernel without keeping the probabilities; the output is the same."""
    from ckeras.autograd.functions.attention import ScaledDotProductAttention
    rng = np.random.default_rng(3)
    q = rng.standard_normal((3, 7, 8)).astype("float32")
    mask = rng.random((3, 7, 7)) > 0.3
    layer = L.MultiHeadAttention(2, 4)
    with_scores, scores = layer(q, q, attention_mask=mask, return_attention_scores=True)
    alone = layer(q, q, attention_mask=mask)
    np.testing.assert_array_equal(np.asarray(alone), np.asarray(with_scores))
    assert scores.shape == (3, 2, 7, 7)
    qkv = rng.standard_normal((3, 2, 7, 2, 4)).astype("float32")
    out, probs = ScaledDotProductAttention.apply(*qkv, scale=0.5, keep_probs=False)
    assert probs is None
    want, _ = ScaledDotProductAttention.apply(*qkv, scale=0.5)
    np.testing.assert_array_equal(out, want)


def test_dropout_only_in_training_and_scores_are_not_dropped():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6, 8)).astype("float32")
    layer = L.MultiHeadAttention(2, 4, dropout=0.5)
    out_inf, s_inf = layer(x, x, return_attention_scores=True)
    out_inf2 = layer(x, x, training=False)
    np.testing.assert_array_equal(out_inf, out_inf2)
    out_tr, s_tr = layer(x, x, return_attention_scores=True, training=True)
    np.testing.assert_allclose(s_tr, s_inf, rtol=1e-5, atol=1e-6)
    assert np.abs(np.asarray(out_tr) - np.asarray(out_inf)).max() > 1e-3


def test_self_attention_with_keras_mask_in_a_functional_model():
    rng = np.random.default_rng(2)
    ids = rng.integers(1, 9, (3, 5))
    ids[0, 3:] = 0
    ids[2, 1:] = 0
    inp = L.Input((5,), dtype="int32")
    emb = L.Embedding(10, 4, mask_zero=True)
    mha = L.MultiHeadAttention(2, 3)
    x = emb(inp)
    out, scores = mha(x, x, return_attention_scores=True)
    model = Model(inp, [out, scores])
    got_out, got_scores = model.predict(ids, verbose=0)
    e = emb.embeddings.value[ids]
    keep = ids != 0
    want_out, want_scores = mha(e, e, attention_mask=keep[:, :, None] & keep[:, None, :],
                                return_attention_scores=True)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_out, want_out, rtol=1e-5, atol=1e-6)
    assert np.all(got_scores[0, :, :3, 3:] == 0)


def test_causal_mask_and_output_shapes_in_a_functional_model():
    inp = L.Input((5, 4))
    out, scores = L.MultiHeadAttention(2, 3, output_shape=(2, 6))(
        inp, inp, use_causal_mask=True, return_attention_scores=True)
    assert tuple(out.shape) == (None, 5, 2, 6)
    assert tuple(scores.shape) == (None, 2, 5, 5)
    model = Model(inp, [out, scores])
    _, s = model.predict(np.random.default_rng(3).standard_normal((2, 5, 4)), verbose=0)
    assert np.all(s[np.broadcast_to(np.triu(np.ones((5, 5), bool), 1), s.shape)] == 0)
    clone = Model.from_config(model.get_config())
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation 'abc'"):
        L.EinsumDense("abc", output_shape=3)
    with pytest.raises(ValueError, match="Bias dimension 'q' was requested"):
        L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="q")(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="score_mode=general"):
        L.Attention(score_mode="general")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        L.Attention()(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="num_heads, key_dim and value_dim must be positive"):
        L.MultiHeadAttention(0, 4)
    bad = L.MultiHeadAttention(2, 4, name="mha_bad")
    with pytest.raises(ValueError, match=r'"mha_bad".*expects query of rank >= 3'):
        bad(np.ones((2, 4), "float32"), np.ones((2, 4), "float32"))
    assert not bad.weights      # the failed call left the layer unbuilt: a good call works
    assert bad(np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")).shape == (2, 3, 4)


def test_dense_attention_model_h5_and_json_round_trip(tmp_path):
    case, xs, _, _, a = GOLDEN.load("attention_train")
    K.clear_session()
    model = _attention_model()
    model.set_weights([a[f"s2_w{i}"] for i in range(case["weights"])])
    model.save(tmp_path / "att.h5")
    loaded = load_model(tmp_path / "att.h5")
    np.testing.assert_allclose(loaded.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    clone = Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(xs, verbose=0), a["y"], rtol=1e-5, atol=1e-5)


def test_functional_cross_attention_applies_the_value_and_key_masks():
    q_in, v_in = L.Input((4, 3)), L.Input((5,), dtype="int32")
    k_in = L.Input((5,), dtype="int32")
    value_embedding = L.Embedding(10, 3, mask_zero=True)
    key_embedding = L.Embedding(10, 3, mask_zero=True)
    mha = L.MultiHeadAttention(2, 2)
    out, scores = mha(q_in, value_embedding(v_in), key=key_embedding(k_in),
                      return_attention_scores=True)
    model = Model([q_in, v_in, k_in], [out, scores])
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 4, 3)).astype("float32")
    v_ids = np.array([[1, 2, 0, 0, 3], [4, 0, 5, 6, 7]])
    k_ids = np.array([[1, 2, 3, 0, 3], [4, 5, 5, 6, 7]])
    got_out, got_scores = model.predict([q, v_ids, k_ids], verbose=0)
    # Eagerly, the embeddings' outputs carry their masks to the layer.
    want_out, want_scores = mha(q, value_embedding(v_ids), key=key_embedding(k_ids),
                                return_attention_scores=True)
    np.testing.assert_allclose(got_out, want_out, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6, atol=1e-7)
    # Masked value or key positions get no attention.
    hidden = (v_ids == 0) | (k_ids == 0)
    assert np.all(got_scores[:, :, :, :][np.broadcast_to(hidden[:, None, None, :],
                                                         got_scores.shape)] == 0)


def test_functional_key_and_attention_mask_inputs_round_trip(tmp_path):
    q, v, k = L.Input((3, 6), name="q"), L.Input((5, 6), name="v"), L.Input((5, 6), name="k")
    am = L.Input((3, 5), name="am", dtype="bool")
    mha = L.MultiHeadAttention(3, 2, value_dim=4, name="mha")
    out, scores = mha(q, v, key=k, attention_mask=am, return_attention_scores=True)
    model = Model([q, v, k, am], [out, scores])
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s).astype("float32") for s in ((2, 3, 6), (2, 5, 6), (2, 5, 6))]
    xs.append(rng.random((2, 3, 5)) > 0.3)
    got = model.predict(xs, verbose=0)
    want = mha(xs[0], xs[1], key=xs[2], attention_mask=xs[3], return_attention_scores=True)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)
    assert np.all(got[1][~np.broadcast_to(xs[3][:, None], got[1].shape)] == 0)
    node = model.get_config()["layers"][4]["inbound_nodes"][0][0]
    assert node[3]["value"][0] == "v" and node[3]["key"][0] == "k"
    model.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5")
    for g, w in zip(again.predict(xs, verbose=0), got, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


def test_mha_compute_output_shape_as_tf_keras():
    mha = L.MultiHeadAttention(2, 4, output_shape=(3, 5))
    assert mha.compute_output_shape((None, 6, 8), (None, 7, 8)) == (None, 6, 3, 5)
    assert L.MultiHeadAttention(2, 4).compute_output_shape((None, 6, 8)) == (None, 6, 8)
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape`"):
        mha.compute_output_shape((None, 6, 8), (None, 7, 9))
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`"):
        mha.compute_output_shape((None, 6, 8), (None, 7, 8), (None, 5, 8))


@pytest.mark.parametrize("equation, out_shape, bias_axes, activation", [
    ("abc,cde->abde", (None, 2, 3), "de", "relu"),
    ("abcd,cde->abe", (3, 6), "e", "softmax"),
    ("abc,cd->abd", (4, 3), "b", "tanh"),
    ("...b,bc->...c", 4, None, None),
])
def test_einsum_dense_fused_dense_path_equals_einsum(equation, out_shape, bias_axes,
                                                    activation):
    rng = np.random.default_rng(4)
    shape = {"abc,cde->abde": (2, 4, 6), "abcd,cde->abe": (2, 3, 4, 5),
             "abc,cd->abd": (2, 4, 5), "...b,bc->...c": (2, 3, 5)}[equation]
    x = rng.standard_normal(shape)
    fused = L.EinsumDense(equation, out_shape, bias_axes=bias_axes, activation=activation,
                          bias_initializer="random_normal", dtype="float64")
    plain = L.EinsumDense(equation, out_shape, bias_axes=bias_axes, activation=activation,
                          bias_initializer="random_normal", dtype="float64")
    fused(x)
    plain(x)
    plain.set_weights(fused.get_weights())
    assert fused._plan is not None
    plain._plan = None
    results = []
    for layer in (fused, plain):
        xt = Tensor(x, requires_grad=True)
        with enable_grad():
            y = layer(xt)
            loss = K.sum(y * np.cos(np.arange(y.shape[-1])))
        results.append([np.asarray(y)] + grad(loss, [xt] + layer.trainable_weights))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_per_head_attention_mask_takes_the_general_path():
    rng = np.random.default_rng(5)
    q = rng.standard_normal((2, 3, 4))
    v = rng.standard_normal((2, 5, 4))
    mask = rng.random((2, 2, 3, 5)) > 0.4      # (B, heads, T, S): one mask per head
    layer = L.MultiHeadAttention(2, 3, dtype="float64")
    _, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    assert np.all(scores[~mask] == 0) and np.all(scores[mask] > 0)
    shared = mask[:, :1]                       # (B, 1, T, S): the fused kernel
    _, s1 = layer(q, v, attention_mask=shared, return_attention_scores=True)
    _, s2 = layer(q, v, attention_mask=shared[:, 0], return_attention_scores=True)
    np.testing.assert_array_equal(s1, s2)
    assert np.all(s1[~np.broadcast_to(shared, s1.shape)] == 0)


@pytest.mark.parametrize("use_bias", [True, False])
def test_self_attention_packs_the_projections_into_one_gemm(monkeypatch, use_bias):
    """`layer(x, x)` projects q, k and v with one GEMM into one packed array
    the kernel reads in place; output, scores and every gradient equal those
    of the same layer on separate query and value tensors (three
    projections)."""
    from ckeras.autograd.functions.attention import PackedSelfAttention
    calls = []
    forward = PackedSelfAttention.forward
    monkeypatch.setattr(PackedSelfAttention, "forward",
                        lambda self, *a: calls.append(1) or forward(self, *a))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 6))
    mask = rng.random((2, 5, 5)) > 0.3
    w = rng.standard_normal((2, 5, 6))
    layer = L.MultiHeadAttention(3, 2, value_dim=4, use_bias=use_bias, dtype="float64")
    layer(x, x)
    layer.set_weights([rng.standard_normal(a.shape) for a in layer.get_weights()])
    results = []
    for packed in (True, False):
        xq = Tensor(x, requires_grad=True)
        xv = xq if packed else Tensor(x.copy(), requires_grad=True)
        before = len(calls)
        with enable_grad():
            out, scores = layer(xq, xv, attention_mask=mask, return_attention_scores=True)
            loss = K.sum(out * w) + K.sum(scores * scores)
        assert (len(calls) > before) == packed
        grads = grad(loss, [xq] + layer.trainable_weights) if packed else \
            grad(loss, [xq, xv] + layer.trainable_weights)
        if not packed:
            grads = [grads[0] + grads[1]] + list(grads[2:])
        results.append([np.asarray(out.value), np.asarray(scores.value)]
                       + [np.asarray(g) for g in grads])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    before = len(calls)
    y = layer(x, x, attention_mask=mask)   # off the tape, no scores kept
    assert len(calls) > before
    np.testing.assert_allclose(y, results[0][0], rtol=1e-12, atol=1e-12)


def test_attention_buffers_reuse_only_arrays_nothing_else_holds():
    from ckeras.autograd.functions.attention import Buffers
    pool = Buffers()
    a = pool.take("p", (2, 3), np.float32)
    a_id = id(a)
    del a
    b = pool.take("p", (2, 3), np.float32)
    assert id(b) == a_id                       # free: the same array again
    b[...] = 7
    c = pool.take("p", (2, 3), np.float32)     # b still held: a new one
    assert c is not b and (b == 7).all()
    view = c[0]
    del c
    assert not np.shares_memory(pool.take("p", (2, 3), np.float32), view)  # a view holds it
    assert pool.take("p", (3, 2), np.float32).shape == (3, 2)
    assert pool.take("p", (3, 2), np.float64).dtype == np.float64


def _twice_shared_mha_model():
    """One MultiHeadAttention applied twice in a model (its buffers taken by
    two calls of one step)."""
    inp = L.Input((6, 8))
    mha = L.MultiHeadAttention(2, 4, name="mha")
    h = mha(inp, inp)
    h = mha(h, h)
    return Model(inp, L.Dense(3)(L.GlobalAveragePooling1D()(h)))


@pytest.mark.parametrize("make, calls", [(_mha_model, 1), (_twice_shared_mha_model, 2)])
def test_attention_buffers_change_no_bit_of_training(make, calls):
    """Train steps with the layer's reused buffers give the bits of steps
    with new arrays every call (buffers=None), the layer called once or
    twice a step; and the steps do reuse the probabilities' array."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 6, 8)).astype("float32")
    y = rng.standard_normal((5, 3)).astype("float32")
    models = []
    for reuse in (True, False):
        np.random.seed(5)
        m = make()
        m.compile(optimizers.Adam(0.01), "mse")
        if not reuse:
            m.get_layer("mha")._attention_buffers = None
        models.append(m)
    models[1].set_weights(models[0].get_weights())
    pool = models[0].get_layer("mha")._attention_buffers
    seen = []
    for _ in range(3):
        losses = [m.train_on_batch(x, y) for m in models]
        assert losses[0] == losses[1]
        seen.append([id(a) for a in pool._arrays["probs"]])
    for a, b in zip(*(m.get_weights() for m in models), strict=True):
        np.testing.assert_array_equal(a, b)
    assert seen[0] == seen[1] == seen[2] and len(seen[0]) == calls


def test_returned_scores_are_never_overwritten_by_a_later_call():
    rng = np.random.default_rng(6)
    q1, q2 = (rng.standard_normal((3, 7, 8)).astype("float32") for _ in range(2))
    layer = L.MultiHeadAttention(2, 4)
    out1, scores1 = layer(q1, q1, return_attention_scores=True)
    kept = np.array(scores1, copy=True)
    out2, scores2 = layer(q2, q2, return_attention_scores=True)
    np.testing.assert_array_equal(scores1, kept)
    fresh = L.MultiHeadAttention(2, 4)
    fresh(q2, q2)
    fresh.set_weights(layer.get_weights())
    fresh._attention_buffers = None
    np.testing.assert_array_equal(scores2, fresh(q2, q2, return_attention_scores=True)[1])
    assert not np.array_equal(scores1, scores2)

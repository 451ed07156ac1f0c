"""Golden fixtures of the recurrent family from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_recurrent.py

Writes ``tests/fixtures/recurrent/cases.json`` and one ``<case>.npz`` per case,
in the format of ``tests/fixtures/core``: x0.. inputs, w0.. weights in
``get_weights`` order (non-trivial random values, biases included), y0..
outputs. Each case has a ``kind``:

- ``layer``: ``layer(x0)``, outputs y0.. (several with return_state);
- ``masking``: ``Input -> Masking(0.) -> layer``; rows padded with zeros
  (post, pre and fully padded); w are the layer's weights;
- ``embedding``: ``Input(int) -> Embedding(10, 3, mask_zero=True) -> layer``;
  w are the embedding's then the layer's weights;
- ``initial_state``: ``layer(x0, initial_state=[x1, (x2)])``;
- ``stateful``: ``stateful=True`` with a fixed batch, called on x0 then x1
  (states carried), outputs y0, y1;
- ``bidi``/``td``: Bidirectional and TimeDistributed (see make_wrappers);
  ``bidi_stateful``, ``bidi_initial_state``: see make_wrappers_rnn_state;
- ``batch1``: one sample through a wide LSTM (see make_batch1);
- ``train``: ``Input -> LSTM(4) -> Dense(1)``, Adam(0.01), MSE, two
  ``train_on_batch`` steps on (x0, x1); y0 = initial weights flattened is
  not used: w are the initial weights, and ``s1_w*``/``s2_w*`` the weights
  after each step, ``loss1``/``loss2`` the returned losses.
"""
import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, numbered, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L
K = keras.backend

B, T, F, U = 3, 5, 4, 3


def rand_weights(model_or_layer, rng, lo=-0.8, hi=0.8):
    ws = [rng.uniform(lo, hi, w.shape).astype(w.dtype) for w in model_or_layer.get_weights()]
    model_or_layer.set_weights(ws)
    return ws


def entry(name, cls_name, kwargs, kind, xs, ws, ys, layer, notes=""):
    return {
        "name": name, "layer": cls_name, "kwargs": kwargs, "kind": kind,
        "input_shapes": [list(x.shape[1:]) for x in xs], "inputs": len(xs),
        "weights": len(ws), "weight_names": [w.name for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in ws], "outputs": len(ys),
        "output_shapes": [list(y.shape) for y in ys], "dtype": "float32",
        "config": clean_config(layer.get_config()), "notes": notes,
    }


def arrays(xs, ws, ys, **extra):
    return dict(numbered(xs=xs, ws=ws, ys=ys), **extra)


def padded_x(rng):
    x = rng.uniform(-2, 2, (4, T, F)).astype("float32")
    x[0, 3:] = 0.0      # post-padded
    x[1, :2] = 0.0      # pre-padded
    x[2, :] = 0.0       # fully padded
    return x


def make(g):
    specs = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False})]
    for cls_name, base in specs:
        tag = cls_name.lower() + ("_rb" if base.get("reset_after") is False else "")
        cls = getattr(L, cls_name)
        n_states = 2 if cls_name == "LSTM" else 1
        variants = [
            ("default", {}),
            ("seq", {"return_sequences": True}),
            ("back", {"go_backwards": True}),
            ("back_seq", {"go_backwards": True, "return_sequences": True}),
            ("state", {"return_state": True}),
            ("state_seq", {"return_state": True, "return_sequences": True}),
            ("hard", {"recurrent_activation": "hard_sigmoid", "activation": "relu",
                      "return_sequences": True}),
            ("nobias", {"use_bias": False}),
        ]
        for vname, extra in variants:
            if cls_name == "SimpleRNN" and "recurrent_activation" in extra:
                extra = {"activation": "relu", "return_sequences": True}
            name = f"{tag}_{vname}"
            K.clear_session()
            rng = rng_for("recurrent/" + name)
            kwargs = dict(base, units=U, **extra)
            layer = cls(**kwargs)
            layer.build((None, T, F))
            ws = rand_weights(layer, rng)
            x = rng.uniform(-2, 2, (B, T, F)).astype("float32")
            ys = layer(tf.constant(x))
            ys = [np.asarray(y) for y in (ys if isinstance(ys, list) else [ys])]
            g.add(entry(name, cls_name, kwargs, "layer", [x], ws, ys, layer),
                  arrays([x], ws, ys))
        # masking (Masking layer), last output and sequence
        for seq in (False, True):
            name = f"{tag}_masking" + ("_seq" if seq else "")
            K.clear_session()
            rng = rng_for("recurrent/" + name)
            kwargs = dict(base, units=U, return_sequences=seq)
            inp = keras.Input((T, F))
            layer = cls(**kwargs)
            model = keras.Model(inp, layer(L.Masking(0.0)(inp)))
            ws = rand_weights(layer, rng)
            x = padded_x(rng)
            y = model.predict(x, verbose=0)
            g.add(entry(name, cls_name, kwargs, "masking", [x], ws, [y], layer),
                  arrays([x], ws, [y]))
        # masking with initial state and return_state (masked steps vs states)
        name = f"{tag}_masking_state"
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        kwargs = dict(base, units=U, return_sequences=True, return_state=True)
        inp = keras.Input((T, F))
        st = [keras.Input((U,)) for _ in range(n_states)]
        layer = cls(**kwargs)
        outs = layer(L.Masking(0.0)(inp), initial_state=st)
        model = keras.Model([inp] + st, outs)
        ws = rand_weights(layer, rng)
        x = padded_x(rng)
        s0 = [rng.uniform(-1, 1, (4, U)).astype("float32") for _ in range(n_states)]
        ys = model.predict([x] + s0, verbose=0)
        g.add(entry(name, cls_name, kwargs, "masking_state", [x] + s0, ws, ys, layer),
              arrays([x] + s0, ws, ys))
        # Embedding(mask_zero) -> layer
        name = f"{tag}_embedding"
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        kwargs = dict(base, units=U, return_sequences=True)
        inp = keras.Input((T,), dtype="int32")
        emb = L.Embedding(10, F, mask_zero=True)
        layer = cls(**kwargs)
        model = keras.Model(inp, layer(emb(inp)))
        ws = rand_weights(model, rng)
        ids = rng.randint(1, 10, (4, T)).astype("int32")
        ids[0, 3:] = 0
        ids[1, :1] = 0
        ids[3, :] = 0
        y = model.predict(ids, verbose=0)
        g.add(entry(name, cls_name, kwargs, "embedding", [ids], ws, [y], layer),
              arrays([ids], ws, [y]))
        # initial_state
        name = f"{tag}_initial_state"
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        kwargs = dict(base, units=U, return_sequences=True)
        layer = cls(**kwargs)
        layer.build((None, T, F))
        ws = rand_weights(layer, rng)
        x = rng.uniform(-2, 2, (B, T, F)).astype("float32")
        s0 = [rng.uniform(-1, 1, (B, U)).astype("float32") for _ in range(n_states)]
        y = np.asarray(layer(tf.constant(x), initial_state=[tf.constant(s) for s in s0]))
        g.add(entry(name, cls_name, kwargs, "initial_state", [x] + s0, ws, [y], layer),
              arrays([x] + s0, ws, [y]))
        # stateful over two calls
        name = f"{tag}_stateful"
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        kwargs = dict(base, units=U, stateful=True, return_sequences=True)
        model = keras.Sequential([cls(batch_input_shape=(B, T, F), **kwargs)])
        layer = model.layers[0]
        ws = rand_weights(layer, rng)
        x0 = rng.uniform(-2, 2, (B, T, F)).astype("float32")
        x1 = rng.uniform(-2, 2, (B, T, F)).astype("float32")
        y0 = model.predict(x0, batch_size=B, verbose=0)
        y1 = model.predict(x1, batch_size=B, verbose=0)
        model.reset_states()
        y2 = model.predict(x1, batch_size=B, verbose=0)
        g.add(entry(name, cls_name, kwargs, "stateful", [x0, x1], ws, [y0, y1, y2], layer,
                    notes="y2: x1 again after reset_states()"),
              arrays([x0, x1], ws, [y0, y1, y2]))

    # two Adam steps on a small LSTM model
    for cls_name, kw in (("LSTM", {}), ("GRU", {}), ("SimpleRNN", {})):
        name = f"train_{cls_name.lower()}"
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        model = keras.Sequential([getattr(L, cls_name)(4, input_shape=(T, F), **kw),
                                  L.Dense(1)])
        ws = rand_weights(model, rng, -0.5, 0.5)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        x = rng.uniform(-1, 1, (6, T, F)).astype("float32")
        y = rng.uniform(-1, 1, (6, 1)).astype("float32")
        loss1 = model.train_on_batch(x, y)
        w1 = model.get_weights()
        loss2 = model.train_on_batch(x, y)
        w2 = model.get_weights()
        extra = {f"s1_w{i}": w for i, w in enumerate(w1)}
        extra.update({f"s2_w{i}": w for i, w in enumerate(w2)})
        extra["loss1"] = np.float32(loss1)
        extra["loss2"] = np.float32(loss2)
        e = entry(name, cls_name, {"units": 4}, "train", [x, y], ws, [], model.layers[0])
        e["weights"] = len(ws)
        g.add(e, arrays([x, y], ws, [], **extra))


def make_wrappers(g):
    """Bidirectional (all merge modes, return_state, masking, custom backward
    layer) and TimeDistributed(Dense). kind "bidi"/"td": layer(x0) or, with
    "masked", Input -> Masking(0.) -> layer; kwargs["layer"] is the inner
    (class, kwargs)."""
    specs = []
    for mode in ("concat", "sum", "mul", "ave", None):
        for seq in (False, True):
            specs.append((f"bidi_lstm_{mode}_{'seq' if seq else 'last'}", "LSTM",
                          {"units": U, "return_sequences": seq}, {"merge_mode": mode}, False))
    specs += [
        ("bidi_gru_concat_seq_masked", "GRU", {"units": U, "return_sequences": True},
         {"merge_mode": "concat"}, True),
        ("bidi_lstm_state", "LSTM", {"units": U, "return_state": True}, {}, False),
        ("bidi_gru_state_seq_none", "GRU",
         {"units": U, "return_state": True, "return_sequences": True},
         {"merge_mode": None}, False),
        ("bidi_simple_rnn_masked_last", "SimpleRNN", {"units": U}, {}, True),
    ]
    for name, inner, ikw, kw, masked in specs:
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        layer = L.Bidirectional(getattr(L, inner)(**ikw), **kw)
        x = padded_x(rng) if masked else rng.uniform(-2, 2, (B, T, F)).astype("float32")
        inp = keras.Input((T, F))
        model = keras.Model(inp, layer(L.Masking(0.0)(inp) if masked else inp))
        ws = rand_weights(layer, rng)
        ys = model.predict(x, verbose=0)
        ys = [np.asarray(y) for y in (ys if isinstance(ys, list) else [ys])]
        kwargs = dict(kw, layer=[inner, ikw], masked=masked)
        g.add(entry(name, "Bidirectional", kwargs, "bidi", [x], ws, ys, layer),
              arrays([x], ws, ys))
    name = "bidi_custom_backward"
    K.clear_session()
    rng = rng_for("recurrent/" + name)
    layer = L.Bidirectional(L.LSTM(U, return_sequences=True),
                            backward_layer=L.GRU(2, return_sequences=True, go_backwards=True))
    x = rng.uniform(-2, 2, (B, T, F)).astype("float32")
    inp = keras.Input((T, F))
    model = keras.Model(inp, layer(inp))
    ws = rand_weights(layer, rng)
    y = model.predict(x, verbose=0)
    g.add(entry(name, "Bidirectional", {"layer": ["LSTM", {"units": U, "return_sequences": True}],
                                        "backward": ["GRU", {"units": 2, "return_sequences": True,
                                                             "go_backwards": True}],
                                        "masked": False}, "bidi", [x], ws, [y], layer),
          arrays([x], ws, [y]))
    name = "td_dense"
    K.clear_session()
    rng = rng_for("recurrent/" + name)
    layer = L.TimeDistributed(L.Dense(2, activation="tanh"))
    x = rng.uniform(-2, 2, (B, T, F)).astype("float32")
    inp = keras.Input((T, F))
    model = keras.Model(inp, layer(inp))
    ws = rand_weights(layer, rng)
    y = model.predict(x, verbose=0)
    g.add(entry(name, "TimeDistributed", {"layer": ["Dense", {"units": 2, "activation": "tanh"}],
                                          "masked": False}, "td", [x], ws, [y], layer),
          arrays([x], ws, [y]))


def make_wrappers_rnn_state(g):
    """Bidirectional with carried and given states, TimeDistributed around
    an RNN, and Bidirectional return_state under masking.

    - kind "bidi_stateful": ``Sequential([Bidirectional(inner(stateful=True),
      batch_input_shape=(B, T, F))])`` predicts x0 then x1 (states carried):
      y0, y1; then ``reset_states()`` and x1 again: y2. ``st0..`` are the
      halves' states after x1 (forward's then backward's).
    - kind "bidi_initial_state": ``Bidirectional(inner)(x0, initial_state=
      [x1, ...])`` through a functional model with Input states: forward's
      states then backward's (h, c for LSTM).
    - kind "td": TimeDistributed(LSTM/GRU) on a 4-D (B, outer, T, F) input.
    - kind "bidi" with ``masked``: return_state under Masking(0.).
    """
    for name, inner, ikw, kw in [
            ("bidi_lstm_stateful_seq", "LSTM", {"units": U, "return_sequences": True},
             {"merge_mode": "concat"}),
            ("bidi_gru_stateful_last", "GRU", {"units": U}, {"merge_mode": "sum"})]:
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        layer = L.Bidirectional(getattr(L, inner)(stateful=True, **ikw),
                                batch_input_shape=(B, T, F), **kw)
        model = keras.Sequential([layer])
        ws = rand_weights(layer, rng)
        x0 = rng.uniform(-2, 2, (B, T, F)).astype("float32")
        x1 = rng.uniform(-2, 2, (B, T, F)).astype("float32")
        y0 = model.predict(x0, batch_size=B, verbose=0)
        y1 = model.predict(x1, batch_size=B, verbose=0)
        states = [np.asarray(s) for half in (layer.forward_layer, layer.backward_layer)
                  for s in half.states]
        model.reset_states()
        y2 = model.predict(x1, batch_size=B, verbose=0)
        kwargs = dict(kw, layer=[inner, dict(ikw, stateful=True)], masked=False)
        g.add(entry(name, "Bidirectional", kwargs, "bidi_stateful", [x0, x1], ws,
                    [y0, y1, y2], layer,
                    notes="y2: x1 again after reset_states(); st*: states after x1"),
              arrays([x0, x1], ws, [y0, y1, y2],
                     **{f"st{i}": st for i, st in enumerate(states)}))
    for inner in ("LSTM", "GRU"):
        n_states = 2 if inner == "LSTM" else 1
        for seq in (False, True):
            name = f"bidi_{inner.lower()}_initial_state_{'seq' if seq else 'last'}"
            K.clear_session()
            rng = rng_for("recurrent/" + name)
            ikw = {"units": U, "return_sequences": seq}
            layer = L.Bidirectional(getattr(L, inner)(**ikw))
            inp = keras.Input((T, F))
            st = [keras.Input((U,)) for _ in range(2 * n_states)]
            model = keras.Model([inp] + st, layer(inp, initial_state=st))
            ws = rand_weights(layer, rng)
            x = rng.uniform(-2, 2, (B, T, F)).astype("float32")
            s0 = [rng.uniform(-1, 1, (B, U)).astype("float32") for _ in range(2 * n_states)]
            y = model.predict([x] + s0, verbose=0)
            kwargs = {"layer": [inner, ikw], "masked": False}
            g.add(entry(name, "Bidirectional", kwargs, "bidi_initial_state", [x] + s0, ws,
                        [y], layer, notes="states: forward's then backward's"),
                  arrays([x] + s0, ws, [y]))
    outer = 2
    for name, inner, ikw in [("td_lstm", "LSTM", {"units": U}),
                             ("td_gru_seq", "GRU", {"units": U, "return_sequences": True})]:
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        layer = L.TimeDistributed(getattr(L, inner)(**ikw))
        inp = keras.Input((outer, T, F))
        model = keras.Model(inp, layer(inp))
        ws = rand_weights(layer, rng)
        x = rng.uniform(-2, 2, (B, outer, T, F)).astype("float32")
        y = model.predict(x, verbose=0)
        g.add(entry(name, "TimeDistributed", {"layer": [inner, ikw], "masked": False}, "td",
                    [x], ws, [y], layer),
              arrays([x], ws, [y]))
    for name, inner, ikw, kw in [
            ("bidi_lstm_state_seq_masked", "LSTM",
             {"units": U, "return_state": True, "return_sequences": True}, {}),
            ("bidi_gru_state_ave_masked", "GRU", {"units": U, "return_state": True},
             {"merge_mode": "ave"})]:
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        layer = L.Bidirectional(getattr(L, inner)(**ikw), **kw)
        inp = keras.Input((T, F))
        model = keras.Model(inp, layer(L.Masking(0.0)(inp)))
        ws = rand_weights(layer, rng)
        x = padded_x(rng)
        ys = [np.asarray(y) for y in model.predict(x, verbose=0)]
        g.add(entry(name, "Bidirectional", dict(kw, layer=[inner, ikw], masked=True), "bidi",
                    [x], ws, ys, layer),
              arrays([x], ws, ys))


def make_batch1(g):
    """``batch1``: one sample through ``Input -> Masking(0.) -> LSTM(U, ...)``
    predicted as a model, large enough that ckeras splits each step
    between two threads (128 units: two 64-unit halves; 96: 48 each);
    weights in +-0.15 so that the gates do not saturate. The first two
    steps of the masked case are zero (pre-padded)."""
    T1, F1 = 12, 8
    for name, U1, kw, pad in [
            ("lstm_b1_wide_masked_seq", 128, {"return_sequences": True}, True),
            ("lstm_b1_wide_back_state", 96, {"go_backwards": True, "return_state": True},
             False)]:
        K.clear_session()
        rng = rng_for("recurrent/" + name)
        kwargs = dict(kw, units=U1)
        inp = keras.Input((T1, F1))
        layer = L.LSTM(**kwargs)
        out = layer(L.Masking(0.0)(inp))
        model = keras.Model(inp, out)
        ws = rand_weights(layer, rng, -0.15, 0.15)
        x = rng.uniform(-2, 2, (1, T1, F1)).astype("float32")
        if pad:
            x[0, :2] = 0.0
        ys = model.predict(x, verbose=0)
        ys = [np.asarray(y) for y in (ys if isinstance(ys, list) else [ys])]
        g.add(entry(name, "LSTM", kwargs, "batch1", [x], ws, ys, layer), arrays([x], ws, ys))


def main():
    g = Group("recurrent")
    make(g)
    make_wrappers(g)
    make_wrappers_rnn_state(g)
    make_batch1(g)
    g.close()


if __name__ == "__main__":
    main()

"""predict and evaluate over Dask collections: the in-memory results, exactly."""
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask_helpers import mlp, regression, two_in_two_out

from ckeras import Input, Model, Sequential, layers, metrics
from ckeras.distribute import inference, replica


def test_predict_ragged_chunks_is_lazy_and_exact(client):
    x, _ = regression(301)
    model = mlp()
    before = dict(replica.BUILDS)
    out = model.predict(da.from_array(x, chunks=((100, 1, 0, 150, 50), (4,))), batch_size=7)
    assert isinstance(out, da.Array) and out.shape == (301, 1)
    assert dict(replica.BUILDS) == before          # nothing ran yet
    np.testing.assert_allclose(out.compute(), model.predict(x, batch_size=7), rtol=1e-6,
                               atol=1e-6)


def test_predict_dataframe_unknown_chunks(client):
    x, _ = regression(97, seed=1)
    model = mlp()
    frame = dd.from_pandas(pd.DataFrame(x, columns=list("abcd")), npartitions=4)
    out = model.predict(frame)
    assert np.isnan(out.shape[0])          # unknown row count stays unknown
    np.testing.assert_allclose(out.compute(), model.predict(x), rtol=1e-6, atol=1e-6)


def test_predict_several_inputs_and_outputs(client):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(80, 3)).astype("float32")
    b = rng.normal(size=(80, 2)).astype("float32")
    model = two_in_two_out()
    reg, cls = model.predict({"a": da.from_array(a, chunks=30),
                              "b": da.from_array(b, chunks=25)})   # realigned to a's rows
    want = model.predict([a, b])
    np.testing.assert_allclose(reg.compute(), want[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(cls.compute(), want[1], rtol=1e-6, atol=1e-6)
    listed = model.predict([da.from_array(a, chunks=40), da.from_array(b, chunks=40)])
    np.testing.assert_allclose(listed[1].compute(), want[1], rtol=1e-6, atol=1e-6)


def test_model_shipped_once_per_worker_not_per_block(client):
    x, _ = regression(400, seed=3)
    model = mlp()
    before = dict(replica.BUILDS)
    model.predict(da.from_array(x, chunks=10)).compute()       # 40 blocks
    new = [n - before.get(t, 0) for t, n in replica.BUILDS.items()
           if n != before.get(t, 0)]
    assert len(new) == 1 and 1 <= new[0] <= 2          # one call, at most one per worker


def test_one_input_one_output_predict_is_one_task_per_block(client):
    x, _ = regression(50, seed=5)
    model = mlp()
    dx = da.from_array(x, chunks=(10, 4))                   # 5 blocks, 5 keys
    out = model.predict(dx, batch_size=4)
    # the input's 5 keys, the model's one key, one predict task per block
    assert len(dict(out.__dask_graph__())) == 5 + 1 + 5
    assert out.chunks == ((10,) * 5, (1,))
    np.testing.assert_allclose(out.compute(), model.predict(x, batch_size=4), rtol=1e-6,
                               atol=1e-6)


def test_evaluate_merges_sums_and_counts(client):
    # Uneven blocks (a mean of block means would be wrong), sample weights,
    # and metrics whose state is not a mean (AUC's confusion counts).
    rng = np.random.default_rng(4)
    x = rng.normal(size=(203, 4)).astype("float32")
    y = (x[:, :1] + 0.3 * rng.normal(size=(203, 1)) > 0).astype("float32")
    sw = rng.uniform(0.2, 3.0, size=203).astype("float32")
    model = mlp()
    model.compile("adam", "binary_crossentropy",
                  metrics=["accuracy", metrics.AUC(name="auc")],
                  weighted_metrics=["accuracy"])
    want = model.evaluate(x, y, sample_weight=sw, batch_size=16, verbose=0,
                          return_dict=True)
    chunks = ((3, 150, 20, 30),)
    got = model.evaluate(da.from_array(x, chunks=chunks + ((4,),)),
                         da.from_array(y, chunks=(97, 106)), sample_weight=sw,
                         batch_size=16, verbose=0, return_dict=True)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], rel=1e-5), k
    # the unweighted and weighted accuracies differ: the weights reached the workers
    assert abs(got["accuracy"] - got["weighted_accuracy"]) > 1e-4


def test_evaluate_dataframe_and_multi_output(client):
    rng = np.random.default_rng(5)
    a = rng.normal(size=(90, 3)).astype("float32")
    b = rng.normal(size=(90, 2)).astype("float32")
    reg = a.sum(1, keepdims=True)
    cls = np.eye(3, dtype="float32")[rng.integers(0, 3, 90)]
    model = two_in_two_out()
    model.compile("adam", ["mse", "categorical_crossentropy"],
                  metrics={"cls": ["accuracy"]})
    want = model.evaluate([a, b], [reg, cls], batch_size=8, verbose=0)
    got = model.evaluate([dd.from_pandas(pd.DataFrame(a), npartitions=4),
                          da.from_array(b, chunks=31)], [reg, da.from_array(cls, chunks=50)],
                         batch_size=8, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_evaluate_rejects_mismatched_lengths(client):
    x, y = regression(50)
    model = mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"x: \[50\].*y: \[49\]"):
        model.evaluate(da.from_array(x, chunks=10), da.from_array(y[:49], chunks=10))


def test_predict_rejects_steps_and_wrong_input_count(client):
    x, _ = regression(20)
    with pytest.raises(ValueError, match="lazy"):
        mlp().predict(da.from_array(x, chunks=10), steps=1)
    with pytest.raises(ValueError, match=r"expects 2 arrays.*received 3"):
        two_in_two_out().predict([da.from_array(x, chunks=10)] * 3)


def test_subclassed_model_is_refused(client):
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            return self.d(x)

    net = Net()
    x, _ = regression(8)
    net(x)
    with pytest.raises(ValueError, match="subclassed model has no config"):
        net.predict(da.from_array(x, chunks=4))


def _wide_mlp():
    np.random.seed(6)
    return Sequential([Input((32,)), layers.Dense(256, activation="relu"),
                       layers.Dense(128, activation="relu"), layers.Dense(10)])


def test_worker_batches_are_cache_sized_and_at_most_batch_size(monkeypatch):
    model = _wide_mlp()
    # the widest layer takes 256 floats a row and makes 128: 1536 bytes a row
    assert inference.tile_rows(model, 4096) == (2 << 20) // 1536 == 1365
    assert inference.tile_rows(model, 100) == 100
    # wider rows than the cache holds: the floor of 64 rows, unless batch_size is less
    flat = Sequential([Input((65536,)), layers.Activation("relu")])
    assert inference.tile_rows(flat, 4096) == 64
    assert inference.tile_rows(flat, 16) == 16
    sizes = []
    run = model.predict_on_batch
    monkeypatch.setattr(model, "predict_on_batch", lambda b: sizes.append(len(b)) or run(b))
    x = np.random.default_rng(7).normal(size=(3000, 32)).astype("float32")
    out = inference.predict_tiled(model, [x], 4096)
    assert sizes == [1365, 1365, 270]
    np.testing.assert_allclose(out[0], model.predict(x, batch_size=4096), rtol=1e-6,
                               atol=1e-6)
    sizes.clear()
    inference.predict_tiled(model, [x[:50]], 7)       # small blocks still honour batch_size
    assert sizes == [7] * 7 + [1]


def test_predict_in_cache_sized_batches_matches_one_process(client):
    model = _wide_mlp()
    x = np.random.default_rng(8).normal(size=(3001, 32)).astype("float32")
    out = model.predict(da.from_array(x, chunks=(1500, 32)), batch_size=4096)
    np.testing.assert_allclose(out.compute(), model.predict(x, batch_size=4096), rtol=1e-6,
                               atol=1e-6)

"""Data-parallel fit on Dask: exact against local fit on the same global batches."""
import gc
import time

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask_helpers import mlp, regression, two_in_two_out

from ckeras import Input, Sequential, callbacks, layers, optimizers, regularizers
from ckeras.callbacks import EarlyStopping
from ckeras.distribute import DaskStrategy, replica


def pair(strategy, build, compile_kwargs):
    """The same model twice: one plain, one compiled in the strategy scope."""
    local = build()
    local.compile(**compile_kwargs())
    with strategy.scope():
        dist = build()
        dist.compile(**compile_kwargs())
    dist.set_weights(local.get_weights())
    return local, dist


def assert_same_weights(a, b, atol=1e-5):
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=atol)


def test_sync_fit_equals_local_fit(strategy):
    # Ragged chunks, a partial last batch (300 = 4*64 + 44), sample weights,
    # an L2 penalty (added once, not once per worker) and Adam's slots.
    x, y = regression(300)
    sw = np.linspace(0.5, 2.0, 300).astype("float32")
    def compile_kwargs():
        return dict(optimizer=optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    local, dist = pair(strategy, lambda: mlp(kernel_regularizer=regularizers.l2(0.01)),
                       compile_kwargs)
    h_local = local.fit(x, y, sample_weight=sw, batch_size=64, epochs=3, shuffle=False,
                        verbose=0)
    h_dist = dist.fit(da.from_array(x, chunks=(70, 4)), da.from_array(y, chunks=50),
                      sample_weight=da.from_array(sw, chunks=(90,)), batch_size=64,
                      epochs=3, shuffle=False, verbose=0)
    assert_same_weights(local, dist)
    assert h_dist.history.keys() == h_local.history.keys() == {"loss", "mae"}
    for key in h_local.history:
        np.testing.assert_allclose(h_dist.history[key], h_local.history[key], rtol=1e-5)
    assert int(dist.optimizer.iterations) == int(local.optimizer.iterations) == 15


def test_in_memory_arrays_and_validation(strategy):
    x, y = regression(200, seed=3)
    vx, vy = regression(90, seed=4)
    def compile_kwargs():
        return dict(optimizer="sgd", loss="mse", metrics=["mae"])
    local, dist = pair(strategy, mlp, compile_kwargs)
    h_local = local.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0,
                        validation_data=(vx, vy))
    h_dist = dist.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0,
                      validation_data=(da.from_array(vx, chunks=40),
                                       da.from_array(vy, chunks=40)))
    assert_same_weights(local, dist)
    np.testing.assert_allclose(h_dist.history["val_loss"], h_local.history["val_loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(h_dist.history["val_mae"], h_local.history["val_mae"],
                               rtol=1e-5)


def test_shuffle_permutes_global_batches_like_batch_shuffle(strategy):
    x, y = regression(160, seed=5)
    local, dist = pair(strategy, mlp, lambda: dict(optimizer="sgd", loss="mse"))
    np.random.seed(7)
    local.fit(x, y, batch_size=32, epochs=2, shuffle="batch", verbose=0)
    np.random.seed(7)
    dist.fit(da.from_array(x, chunks=50), da.from_array(y, chunks=50), batch_size=32,
             epochs=2, shuffle=True, verbose=0)
    assert_same_weights(local, dist)
    # and it is not the unshuffled run
    plain, _ = pair(strategy, mlp, lambda: dict(optimizer="sgd", loss="mse"))
    plain.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert max(np.abs(a - b).max() for a, b in zip(plain.get_weights(),
                                                    dist.get_weights())) > 1e-6


def test_dataframe_and_multi_input_output(strategy):
    rng = np.random.default_rng(8)
    a = rng.normal(size=(120, 3)).astype("float32")
    b = rng.normal(size=(120, 2)).astype("float32")
    reg = a.sum(1, keepdims=True)
    cls = np.eye(3, dtype="float32")[rng.integers(0, 3, 120)]
    def compile_kwargs():
        return dict(optimizer="adam", loss={"reg": "mse", "cls": "categorical_crossentropy"},
                    metrics={"cls": ["accuracy"]}, loss_weights=[0.5, 1.0])
    local, dist = pair(strategy, two_in_two_out, compile_kwargs)
    h_local = local.fit({"a": a, "b": b}, [reg, cls], batch_size=25, epochs=2,
                        shuffle=False, verbose=0)
    frame = dd.from_pandas(pd.DataFrame(a, columns=list("pqr")), npartitions=3)
    h_dist = dist.fit({"a": frame, "b": da.from_array(b, chunks=33)},
                      {"reg": reg, "cls": da.from_array(cls, chunks=60)}, batch_size=25,
                      epochs=2, shuffle=False, verbose=0)
    assert_same_weights(local, dist)
    for key in h_local.history:
        np.testing.assert_allclose(h_dist.history[key], h_local.history[key], rtol=1e-5)


def test_batchnorm_moving_mean_is_the_global_batch_mean(strategy):
    # With a zero learning rate nothing trains, so the moving statistics are
    # the only change: the moving mean of the shares' means is the moving
    # mean of the global batch (the documented rule).
    x, y = regression(128, seed=9)
    x[:64] += 3.0      # the two workers' shares have different means

    def build():
        np.random.seed(3)
        return Sequential([Input((4,)), layers.BatchNormalization(), layers.Dense(1)])
    local, dist = pair(strategy, build, lambda: dict(optimizer=optimizers.SGD(0.0),
                                                     loss="mse"))
    local.fit(x, y, batch_size=128, epochs=2, shuffle=False, verbose=0)
    dist.fit(da.from_array(x, chunks=64), da.from_array(y, chunks=64), batch_size=128,
             epochs=2, shuffle=False, verbose=0)
    bn_local, bn_dist = local.layers[0], dist.layers[0]
    np.testing.assert_allclose(bn_dist.moving_mean.value, bn_local.moving_mean.value,
                               rtol=1e-6, atol=1e-6)
    assert np.abs(bn_local.moving_mean.value).max() > 0.02


def test_callbacks_run_on_the_client(strategy):
    x, y = regression(96, seed=10)
    with strategy.scope():
        model = mlp()
        model.compile(optimizers.SGD(0.0), "mse")
    seen = []

    class Record(EarlyStopping):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    h = model.fit(da.from_array(x, chunks=40), da.from_array(y, chunks=40), batch_size=32,
                  epochs=10, shuffle=False, verbose=0,
                  callbacks=[Record(monitor="loss", patience=1)])
    # lr 0: the loss never improves, so EarlyStopping stops after 2 epochs
    assert len(h.history["loss"]) == 2
    assert seen[:3] == [(0, ["loss"]), (1, ["loss"]), (2, ["loss"])] and len(seen) == 6


def test_steps_per_sync_averages_local_sgd_replicas(client):
    x, y = regression(64, seed=11)
    strategy = DaskStrategy(client, steps_per_sync=2)
    with strategy.scope():
        dist = mlp()
        dist.compile(optimizers.SGD(0.1), "mse")
    start = dist.get_weights()
    dist.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    # By hand: each worker takes two SGD steps on its half of each batch
    # (rows 0-15 and 32-47 for worker 0), then the weights are averaged.
    replicas = []
    for rows in ([slice(0, 16), slice(32, 48)], [slice(16, 32), slice(48, 64)]):
        m = mlp()
        m.compile(optimizers.SGD(0.1), "mse")
        m.set_weights(start)
        for r in rows:
            m.train_on_batch(x[r], y[r])
        replicas.append(m.get_weights())
    for got, w0, w1 in zip(dist.get_weights(), *replicas):
        np.testing.assert_allclose(got, (w0 + w1) / 2, rtol=1e-5, atol=1e-6)


class _HalveFirstKernel(callbacks.Callback):
    """Writes weights mid-fit, as a user's callback does: halves the first
    Dense kernel at the start of epoch 1 (`Layer.set_weights`) and sets the
    last bias after batch 2 of every epoch (`Variable.assign`)."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            first = self.model.layers[0]
            first.set_weights([w * 0.5 if w.ndim == 2 else w for w in first.get_weights()])

    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            self.model.layers[-1].bias.assign(np.full((1,), 0.25, "float32"))


def test_weights_set_by_callbacks_reach_the_replicas(strategy):
    # Adam: the replicas train on from the written weights, so a write that
    # stayed on the client would change every later step (and the client's
    # weights are replaced by the replicas' at the end of each epoch).
    x, y = regression(200, seed=13)
    def compile_kwargs():
        return dict(optimizer=optimizers.Adam(0.01), loss="mse")
    local, dist = pair(strategy, mlp, compile_kwargs)
    h_local = local.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0,
                        callbacks=[_HalveFirstKernel()])
    h_dist = dist.fit(da.from_array(x, chunks=60), da.from_array(y, chunks=60),
                      batch_size=32, epochs=3, shuffle=False, verbose=0,
                      callbacks=[_HalveFirstKernel()])
    assert_same_weights(local, dist)
    np.testing.assert_allclose(h_dist.history["loss"], h_local.history["loss"], rtol=1e-5)


class _SetOnEpochBegin(callbacks.Callback):
    """Sets the first kernel to 0.25 everywhere at the start of epoch 1, with
    no batch hook (the client does not take the replicas' weights between
    steps)."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            kernel = self.model.layers[0].kernel
            self.model.layers[0].set_weights([np.full(kernel.shape, 0.25, "float32"),
                                              self.model.layers[0].bias.numpy()])


@pytest.mark.parametrize("steps_per_sync", [1, 2])
def test_weights_set_at_epoch_begin_reach_the_replicas(client, steps_per_sync):
    # Learning rate 0: training changes nothing, so after the fit the
    # kernel is what the callback set only if the replicas took it.
    x, y = regression(64, seed=14)
    strategy = DaskStrategy(client, steps_per_sync=steps_per_sync)
    with strategy.scope():
        dist = mlp()
        dist.compile(optimizers.SGD(0.0), "mse")
    dist.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
             callbacks=[_SetOnEpochBegin()])
    np.testing.assert_array_equal(dist.layers[0].kernel.numpy(), 0.25)


def test_model_shipped_once_per_worker(strategy):
    x, y = regression(256, seed=12)
    with strategy.scope():
        model = mlp()
        model.compile("sgd", "mse")
    before = dict(replica.BUILDS)
    model.fit(da.from_array(x, chunks=16), da.from_array(y, chunks=16), batch_size=32,
              epochs=2, verbose=0)
    new = {t: n - before.get(t, 0) for t, n in replica.BUILDS.items()
           if n != before.get(t, 0)}
    # 16 steps on 2 workers: one model build per worker, for the one call
    assert list(new.values()) == [2]


def test_checkpoint_and_progress_bar(strategy, tmp_path, capsys):
    from ckeras.callbacks import ModelCheckpoint
    from ckeras.models import load_model
    x, y = regression(64, seed=13)
    with strategy.scope():
        model = mlp()
        model.compile("adam", "mse")
    path = str(tmp_path / "best.h5")
    model.fit(da.from_array(x, chunks=20), da.from_array(y, chunks=20), batch_size=16,
              epochs=2, verbose=1, callbacks=[ModelCheckpoint(path)])
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "4/4" in out and "loss:" in out
    saved = load_model(path)
    for a, b in zip(saved.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def _settled(scheduler, quiet=0.3, timeout=10.0):
    """Waits until the scheduler makes no transition for `quiet` seconds
    (the releases of earlier tests' keys are done)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        count = scheduler.transition_counter
        time.sleep(quiet)
        if scheduler.transition_counter == count:
            return


def test_steps_are_actor_calls_not_task_graphs(strategy, client):
    # Between the end of the first step and the end of the last one, the
    # scheduler sees fewer new keys than there are steps (none): steps are
    # direct actor calls, not task graphs (a graph per step made 281
    # transitions in 15 steps). Transitions of keys the scheduler already
    # held (an earlier test's futures freed by the garbage collector
    # mid-fit) are not counted. The weights still match local fit.
    x, y = regression(256, seed=14)
    scheduler = client.cluster.scheduler
    marks = []

    class Count(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch in (0, 15):
                marks.append((scheduler.transition_counter, set(scheduler.tasks)))

    local, dist = pair(strategy, mlp, lambda: dict(optimizer="sgd", loss="mse"))
    gc.collect()
    _settled(scheduler)
    dist.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[Count()])
    local.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(local, dist)
    assert len(marks) == 2
    (first, known), (last, _) = marks
    window = list(scheduler.transition_log)[-(last - first):] if last > first else []
    new_keys = {t.key for t in window} - known
    assert len(new_keys) < 15, sorted(map(str, new_keys))


def test_pack_round_trips_mixed_shapes_and_dtypes():
    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=(3, 4)).astype("float32"), np.arange(5, dtype="float32"),
              np.float32(rng.normal(size=())).reshape(()), np.zeros((2, 0), "float32")]
    flat = replica.pack(arrays)
    assert flat.dtype == np.float32 and flat.shape == (18,) and flat.flags.c_contiguous
    for a, b in zip(arrays, replica.unpack(flat, arrays)):
        assert b.dtype == a.dtype and b.shape == a.shape
        np.testing.assert_array_equal(a, b)
    scaled = replica.pack(arrays, scale=0.25)
    np.testing.assert_array_equal(scaled, flat * np.float32(0.25))
    wide = replica.pack([np.ones(2, "float32"), np.full(3, 1 / 3)])     # float64 wins
    assert wide.dtype == np.float64
    back = replica.unpack(wide, [np.ones(2, "float32"), np.ones(3)])
    assert back[0].dtype == np.float32 and back[1][0] == 1 / 3

"""Gradients summed among the workers: exact, identical on every replica,
and the client's messages stay a few bytes whatever the model's size."""
import pickle

import dask.array as da
import numpy as np
import pytest
from dask_helpers import mlp, regression
from distributed import Client, LocalCluster

from ckeras import Input, Sequential, callbacks, layers, optimizers, regularizers
from ckeras.distribute import DaskStrategy, allreduce, training


@pytest.fixture(scope="module")
def client3():
    cluster = LocalCluster(n_workers=3, threads_per_worker=1, processes=False,
                           dashboard_address=":0")
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def pair(strategy, build, compile_kwargs):
    local = build()
    local.compile(**compile_kwargs())
    with strategy.scope():
        dist = build()
        dist.compile(**compile_kwargs())
    dist.set_weights(local.get_weights())
    return local, dist


@pytest.fixture
def replica_states(monkeypatch):
    """Every rank's weights and optimizer state at the end of each fit
    (read just before the fit releases its actors)."""
    seen = []
    close = training._Cluster.close

    def recording_close(self):
        seen.append([h.state().result() for h in self.handles])
        close(self)

    monkeypatch.setattr(training._Cluster, "close", recording_close)
    return seen


def assert_bit_identical(states):
    assert len(states) >= 2
    flat0, opt0 = states[0]
    for flat, opt in states[1:]:
        np.testing.assert_array_equal(flat, flat0)
        assert len(opt) == len(opt0)
        for a, b in zip(opt, opt0):
            np.testing.assert_array_equal(a, b)


def test_three_replicas_equal_local_fit_and_each_other(client3, replica_states):
    # 250 rows in batches of 48: the last batch (10 rows) is cut 4/3/3 and
    # the buffer (8*4+8+8+1 = 49 floats) into chunks of 17/16/16.
    x, y = regression(250, seed=31)
    def compile_kwargs():
        return dict(optimizer=optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    local, dist = pair(DaskStrategy(client3),
                       lambda: mlp(kernel_regularizer=regularizers.l2(0.01)), compile_kwargs)
    h_local = local.fit(x, y, batch_size=48, epochs=3, shuffle=False, verbose=0)
    h_dist = dist.fit(da.from_array(x, chunks=60), da.from_array(y, chunks=60),
                      batch_size=48, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(local.get_weights(), dist.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h_dist.history[key], h_local.history[key], rtol=1e-5)
    # the client took rank 0's optimizer state at the end: 3 epochs x 6 steps
    assert int(dist.optimizer.iterations) == 18
    for a, b in zip(local.optimizer.get_weights(), dist.optimizer.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    (states,) = replica_states
    assert len(states) == 3
    assert_bit_identical(states)
    np.testing.assert_array_equal(states[0][0], np.concatenate(
        [w.ravel() for w in dist.get_weights()]))


def test_batchnorm_replicas_stay_identical(client3, replica_states):
    # The moving statistics travel in the same buffer as the gradients.
    x, y = regression(96, seed=32)
    x[:32] += 2.0

    def build():
        np.random.seed(4)
        return Sequential([Input((4,)), layers.Dense(5), layers.BatchNormalization(),
                           layers.Dense(1)])
    local, dist = pair(DaskStrategy(client3), build,
                       lambda: dict(optimizer=optimizers.SGD(0.0), loss="mse"))
    local.fit(x, y, batch_size=96, epochs=3, shuffle=False, verbose=0)
    dist.fit(x, y, batch_size=96, epochs=3, shuffle=False, verbose=0)
    bn_local, bn_dist = local.layers[1], dist.layers[1]
    np.testing.assert_allclose(bn_dist.moving_mean.value, bn_local.moving_mean.value,
                               rtol=1e-5, atol=1e-6)
    assert np.abs(bn_dist.moving_mean.value).max() > 0.01
    assert_bit_identical(replica_states[0])


def _client_traffic(monkeypatch):
    """Pickled bytes of every step message the client sends and of every
    result it receives, per step."""
    sent, received = [], []
    call = training._Cluster._call

    def measured(self, method, args_of, common):
        sent.append(sum(len(pickle.dumps((self.seq + 1, [args_of(k) for k in ks], *common)))
                        for ks in self.members))
        out = call(self, method, args_of, common)
        received.append(sum(len(pickle.dumps(v)) for v in out.values()))
        return out

    monkeypatch.setattr(training._Cluster, "_call", measured)
    return sent, received


@pytest.mark.parametrize("k", [1, 2])
def test_client_bytes_per_step_do_not_grow_with_the_model(client, monkeypatch, k):
    # A 4-8-1 MLP (49 parameters) and a 4-2048-1 one (12k parameters): the
    # client's messages are the same size; the workers exchange the rest.
    x, y = regression(128, seed=33)
    sent, received = _client_traffic(monkeypatch)
    per_model = []
    for width in (8, 2048):
        strategy = DaskStrategy(client, steps_per_sync=k)
        np.random.seed(5)
        with strategy.scope():
            model = Sequential([Input((4,)), layers.Dense(width, activation="tanh"),
                                layers.Dense(1)])
            model.compile(optimizers.Adam(0.01), "mse", metrics=["mae"])
        del sent[:], received[:]
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
        params = sum(w.size for w in model.get_weights())
        assert len(sent) == 4 // k
        per_model.append((max(sent), max(received), params))
    (s_small, r_small, p_small), (s_big, r_big, p_big) = per_model
    assert p_big > 200 * p_small
    assert s_big == s_small and s_big < 600            # two ranks' step messages
    assert r_big == r_small and r_big < 2500           # two ranks' metric states
    assert r_big < 4 * p_big / 10                       # a tenth of one copy of the weights


def test_workers_send_their_share_of_the_ring(client3, monkeypatch):
    # Each rank sends (W-1)/W of the buffer in the reduce-scatter and its
    # chunk to W-1 ranks in the all-gather: 2 (W-1)/W of the buffer per step.
    x, y = regression(96, seed=34)
    traffic = []
    close = training._Cluster.close

    def recording_close(self):
        traffic.append(self.traffic())
        close(self)

    monkeypatch.setattr(training._Cluster, "close", recording_close)
    with DaskStrategy(client3).scope():
        model = Sequential([Input((4,)), layers.Dense(300), layers.Dense(1)])
        model.compile("sgd", "mse")
    model.fit(x, y, batch_size=24, epochs=1, shuffle=False, verbose=0)
    n = sum(w.size for w in model.get_weights())        # 1801 floats: chunks 601/600/600
    chunks = [601, 600, 600]
    expected = [4 * 4 * (n - c + 2 * c) for c in chunks]    # 4 steps, float32
    assert traffic == [expected]
    assert abs(sum(expected) / 3 / 4 / (4 * n) - 2 * 2 / 3) < 0.01


def test_two_workers_swap_whole_buffers(client, monkeypatch):
    # Two ranks: one round, each sends its whole buffer (the same bytes as
    # the two rounds of reduce-scatter and all-gather) once per step.
    x, y = regression(96, seed=37)
    traffic = []
    close = training._Cluster.close

    def recording_close(self):
        traffic.append(self.traffic())
        close(self)

    monkeypatch.setattr(training._Cluster, "close", recording_close)
    local, dist = pair(DaskStrategy(client), mlp,
                       lambda: dict(optimizer=optimizers.Adam(0.01), loss="mse"))
    local.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    dist.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(local.get_weights(), dist.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert traffic == [[6 * 4 * 49, 6 * 4 * 49]]       # 6 steps, 49 float32


def test_allreduce_sums_in_rank_order_whatever_the_arrival_order():
    # In float32 (1e8 + -1e8) + 1 = 1 but (1 + -1e8) + 1e8 = 0: the owner
    # adds rank 0, 1, 2 in that order though rank 2's part came first.
    parts = [np.array([1e8], "float32"), np.array([-1e8], "float32"),
             np.array([1.0], "float32")]
    box = allreduce.Mailbox()
    box.put((7, 0, 2), parts[2])
    box.put((7, 0, 1), parts[1])
    got = dict(zip([1, 2], box.take([(7, 0, 1), (7, 0, 2)], [])))
    got[0] = parts[0]
    assert allreduce.rank_sum([got[r] for r in range(3)], np.float32)[0] == 1.0
    assert allreduce.rank_sum(parts[::-1], np.float32)[0] == 0.0
    assert allreduce.chunk_bounds(49, 3) == [(0, 17), (17, 33), (33, 49)]
    assert allreduce.chunk_bounds(1, 2) == [(0, 1), (1, 1)]


def test_mailbox_abort_wakes_a_waiting_rank():
    import threading
    box = allreduce.Mailbox()
    errors = []

    def wait():
        try:
            box.take([(1, 0, 1)], [])
        except allreduce.Aborted as e:
            errors.append(str(e))

    t = threading.Thread(target=wait)
    t.start()
    box.abort("rank 1 died")
    t.join(5)
    assert errors == ["rank 1 died"]


def test_which_callbacks_read_the_weights_between_steps(tmp_path):
    read = training.reads_weights_per_batch

    class Peek(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    class EpochOnly(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    assert read(Peek()) and not read(EpochOnly())
    assert read(callbacks.LambdaCallback(on_batch_end=lambda b, logs: None))
    assert not read(callbacks.LambdaCallback(on_epoch_end=lambda e, logs: None))
    assert not read(callbacks.History()) and not read(callbacks.TerminateOnNaN())
    assert not read(callbacks.ProgbarLogger())
    path = str(tmp_path / "m.h5")
    assert read(callbacks.ModelCheckpoint(path, save_freq=2))
    assert not read(callbacks.ModelCheckpoint(path))
    assert not read(callbacks.EarlyStopping())


def test_a_batch_callback_sees_each_steps_weights(strategy):
    x, y = regression(128, seed=35)
    local, dist = pair(strategy, mlp, lambda: dict(optimizer=optimizers.Adam(0.01),
                                                   loss="mse"))

    class Record(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(self.model.get_weights())

    on_local, on_dist = Record(), Record()
    local.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[on_local])
    dist.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[on_dist])
    assert len(on_dist.seen) == 4
    for ws_local, ws_dist in zip(on_local.seen, on_dist.seen):
        for a, b in zip(ws_local, ws_dist):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # each step changed them
    assert np.abs(on_dist.seen[0][0] - on_dist.seen[1][0]).max() > 1e-6


def test_learning_rate_set_by_a_callback_reaches_the_replicas(strategy):
    x, y = regression(128, seed=36)
    local, dist = pair(strategy, mlp, lambda: dict(optimizer=optimizers.SGD(0.1),
                                                   loss="mse"))
    def schedule():
        return callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.1 ** epoch)
    local.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, callbacks=[schedule()])
    dist.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, callbacks=[schedule()])
    for a, b in zip(local.get_weights(), dist.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # and with a constant 0.1 the weights would differ
    const, _ = pair(strategy, mlp, lambda: dict(optimizer=optimizers.SGD(0.1), loss="mse"))
    const.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    assert max(np.abs(a - b).max() for a, b in zip(const.get_weights(),
                                                    dist.get_weights())) > 1e-4


def test_four_replicas_halve_and_double(replica_states, monkeypatch):
    # W = 4, a power of two: recursive halving then doubling. Exact against
    # local fit, the replicas bit-identical, and each rank sends halves and
    # quarters: 2 (W-1)/W of the 1500-float buffer per step.
    cluster = LocalCluster(n_workers=4, threads_per_worker=1, processes=False,
                           dashboard_address=":0")
    client4 = Client(cluster)
    traffic = []
    close = training._Cluster.close

    def recording_close(self):
        traffic.append(self.traffic())
        close(self)

    monkeypatch.setattr(training._Cluster, "close", recording_close)
    try:
        x, y = regression(200, seed=38)

        def build():
            np.random.seed(6)
            return Sequential([Input((4,)), layers.Dense(300, activation="tanh",
                                                         use_bias=False),
                               layers.Dense(1, use_bias=False)])
        local, dist = pair(DaskStrategy(client4), build,
                           lambda: dict(optimizer=optimizers.Adam(0.01), loss="mse"))
        local.fit(x, y, batch_size=40, epochs=2, shuffle=False, verbose=0)
        dist.fit(x, y, batch_size=40, epochs=2, shuffle=False, verbose=0)
        for a, b in zip(local.get_weights(), dist.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        (states,) = replica_states[-1:]
        assert len(states) == 4
        assert_bit_identical(states)
        assert traffic[-1] == [10 * 4 * (750 + 375 + 375 + 750)] * 4    # 10 steps
    finally:
        client4.close()
        cluster.close()


def picky_mse(y_true, y_pred):
    """MSE that refuses targets above 1e5 (a step that fails on one worker)."""
    from ckeras import losses
    if np.max(np.asarray(getattr(y_true, "value", y_true))) > 1e5:
        raise ValueError("picky_mse: a target above 1e5")
    return losses.mean_squared_error(y_true, y_pred)


def test_a_step_failing_on_one_worker_leaves_the_last_complete_step(client):
    # Row 100 is in worker 0's half of batch 3: worker 0 raises, worker 1 is
    # told to abandon the step; the error is worker 0's and the model holds
    # the weights and optimizer state after batches 0-2.
    x, y = regression(160, seed=39)
    y[100] = 1e6
    strategy = DaskStrategy(client, custom_objects={"picky_mse": picky_mse})
    local = mlp()
    local.compile(optimizers.Adam(0.01), picky_mse)
    with strategy.scope():
        dist = mlp()
        dist.compile(optimizers.Adam(0.01), picky_mse)
    dist.set_weights(local.get_weights())
    local.fit(x[:96], y[:96], batch_size=32, epochs=1, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="a target above 1e5"):
        dist.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(local.get_weights(), dist.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(dist.optimizer.iterations) == 3

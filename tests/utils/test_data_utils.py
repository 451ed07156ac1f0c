"""OrderedEnqueuer, GeneratorEnqueuer, and fit/evaluate/predict with
`workers`, `use_multiprocessing` and `max_queue_size`."""
import threading

import numpy as np
import pytest

from ckeras.layers import Dense
from ckeras.models import Sequential
from ckeras.utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence


class Numbered(Sequence):
    """Batch i holds the value i; records the threads that built batches."""

    def __init__(self, n=6, rows=2):
        self.n, self.rows = n, rows
        self.threads = set()
        self.epochs_ended = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.threads.add(threading.get_ident())
        x = np.full((self.rows, 3), float(i), "float32")
        return x, x[:, :1] * 2

    def on_epoch_end(self):
        self.epochs_ended += 1


class Failing(Numbered):
    def __getitem__(self, i):
        if i == 2:
            raise KeyError("batch 2 is broken")
        return super().__getitem__(i)


def test_ordered_enqueuer_keeps_the_order_with_several_threads():
    seq = Numbered(n=8)
    enqueuer = OrderedEnqueuer(seq)
    enqueuer.start(workers=3, max_queue_size=2)
    assert enqueuer.is_running()
    stream = enqueuer.get()
    firsts = [float(next(stream)[0][0, 0]) for _ in range(8 + 3)]
    enqueuer.stop()
    assert not enqueuer.is_running()
    assert firsts == [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2]
    assert threading.get_ident() not in seq.threads and seq.epochs_ended >= 1


def test_ordered_enqueuer_with_processes_gives_the_same_batches():
    enqueuer = OrderedEnqueuer(Numbered(n=4), use_multiprocessing=True)
    enqueuer.start(workers=2, max_queue_size=3)
    stream = enqueuer.get()
    values = [float(next(stream)[0][0, 0]) for _ in range(4)]
    enqueuer.stop()
    assert values == [0, 1, 2, 3]


def test_worker_errors_reach_the_consumer():
    enqueuer = OrderedEnqueuer(Failing())
    enqueuer.start(workers=2)
    stream = enqueuer.get()
    assert float(next(stream)[0][0, 0]) == 0.0
    next(stream)
    with pytest.raises(KeyError, match="batch 2 is broken"):
        next(stream)
    assert not enqueuer.is_running()


def test_generator_enqueuer_pulls_every_item_then_ends():
    def gen():
        for i in range(5):
            yield i

    enqueuer = GeneratorEnqueuer(gen())
    enqueuer.start(workers=2, max_queue_size=2)
    assert list(enqueuer.get()) == [0, 1, 2, 3, 4]
    enqueuer.stop()
    with pytest.raises(ValueError, match="cannot be shared between processes"):
        GeneratorEnqueuer(gen(), use_multiprocessing=True)


def test_start_arguments_are_checked():
    with pytest.raises(ValueError, match="workers"):
        OrderedEnqueuer(Numbered()).start(workers=0)
    with pytest.raises(ValueError, match="max_queue_size"):
        OrderedEnqueuer(Numbered()).start(workers=1, max_queue_size=0)


def _model():
    model = Sequential([Dense(1, input_shape=(3,), kernel_initializer="ones")])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("workers,multi", [(2, False), (3, False), (1, True)])
def test_fit_evaluate_predict_with_workers_equal_the_single_thread_run(workers, multi):
    threads_before = threading.active_count()
    ref, par = _model(), _model()
    seq = Numbered(n=5)
    h_ref = ref.fit(seq, epochs=3, verbose=0, shuffle=False)
    h_par = par.fit(Numbered(n=5), epochs=3, verbose=0, shuffle=False, workers=workers,
                    use_multiprocessing=multi, max_queue_size=2,
                    validation_data=Numbered(n=2))
    assert h_par.history["loss"] == h_ref.history["loss"]
    for a, b in zip(ref.get_weights(), par.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert ref.evaluate(seq, verbose=0) == par.evaluate(seq, verbose=0, workers=workers,
                                                        use_multiprocessing=multi)
    np.testing.assert_array_equal(ref.predict(seq), par.predict(seq, workers=workers,
                                                                use_multiprocessing=multi))
    # Nothing keeps running after the calls return.
    assert threading.active_count() == threads_before


def test_fit_with_a_generator_and_workers():
    def gen():
        while True:
            x = np.ones((2, 3), "float32")
            yield x, x[:, :1]

    model = _model()
    hist = model.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0, workers=2)
    assert len(hist.history["loss"]) == 2


def test_bad_feed_arguments_are_named():
    model = _model()
    with pytest.raises(ValueError, match="workers"):
        model.fit(Numbered(), epochs=1, verbose=0, workers=-1)
    with pytest.raises(ValueError, match="max_queue_size"):
        model.predict(Numbered(), max_queue_size=0)

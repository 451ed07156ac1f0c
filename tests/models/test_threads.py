"""Concurrent predict from threads gives the single-threaded results."""
import threading

import numpy as np

from ckeras.layers import Dense
from ckeras.models import Sequential


def test_two_threads_predict_correctly(rng):
    model = Sequential([Dense(64, activation="relu", input_shape=(32,)),
                        Dense(10, activation="softmax")])
    xs = [rng.standard_normal((64, 32)).astype("float32") for _ in range(4)]
    expected = [model.predict_on_batch(x) for x in xs]
    errors = []

    def worker(k):
        for _ in range(50):
            i = k % len(xs)
            if not np.allclose(model.predict_on_batch(xs[i]), expected[i], atol=1e-6):
                errors.append(i)
            k += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

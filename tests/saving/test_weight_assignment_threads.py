"""set_weights / load_weights while another thread predicts (issue #19, item 11):
each predict batch computes with the old weights or the new ones, never a mix."""
import sys
import threading

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Model, Sequential


class Gate(L.Layer):
    """Multiplies by its weight; once armed, waits for `release` first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.armed = False
        self.started = threading.Event()
        self.release = threading.Event()

    def build(self, input_shape):
        self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        if self.armed:
            self.started.set()
            assert self.release.wait(30)
        return x * self.w.value

    def compute_output_shape(self, input_shape):
        return input_shape


def _gate_model():
    x = L.Input((3,), name="x")
    gate = Gate(name="gate")
    return Model(x, gate(x)), gate


@pytest.mark.parametrize("how", ["set_weights", "load_weights"])
def test_assignment_waits_for_the_running_batch(tmp_path, how):
    model, gate = _gate_model()
    new = [np.full(3, 5.0, "float32")]
    if how == "load_weights":
        donor, _ = _gate_model()
        donor.set_weights(new)
        donor.save_weights(tmp_path / "w.h5")
    x = np.ones((2, 3), "float32")
    gate.armed = True
    result = {}
    reader = threading.Thread(target=lambda: result.update(y=model.predict_on_batch(x)))
    reader.start()
    assert gate.started.wait(30)
    if how == "set_weights":
        writer = threading.Thread(target=model.set_weights, args=(new,))
    else:
        writer = threading.Thread(target=model.load_weights, args=(tmp_path / "w.h5",))
    writer.start()
    writer.join(0.3)
    still_waiting = writer.is_alive()
    gate.release.set()
    reader.join(30)
    writer.join(30)
    assert still_waiting, "the assignment did not wait for the running predict batch"
    np.testing.assert_array_equal(result["y"], x)          # the old weights, all of them
    np.testing.assert_array_equal(model.get_weights()[0], new[0])


def test_concurrent_predict_never_sees_a_mix():
    rng = np.random.default_rng(0)
    model = Sequential([L.Input((64,))] + [L.Dense(64, activation="tanh", name=f"d{i}")
                                           for i in range(12)])
    sets = [[rng.standard_normal(w.shape).astype("float32") * 0.2
             for w in model.get_weights()] for _ in range(2)]
    x = rng.standard_normal((4, 64)).astype("float32")
    refs = []
    for weights in sets:
        model.set_weights(weights)
        refs.append(model.predict_on_batch(x))
    assert np.abs(refs[0] - refs[1]).max() > 0.1
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            model.set_weights(sets[i % 2])
            i += 1

    torn = []
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)     # interleave the threads as often as possible
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(400):
            y = model.predict_on_batch(x)
            if not any(np.array_equal(y, r) for r in refs):
                torn.append(y)
    finally:
        stop.set()
        thread.join(30)
        sys.setswitchinterval(old_interval)
    assert not torn, f"{len(torn)} of 400 predictions mixed old and new weights"

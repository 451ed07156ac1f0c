"""Fixtures shared by the model tests."""
import pytest

from ckeras.engine import dense_replay


class _InferSpy(list):
    """Whether each inference batch ran on the kernels directly (one bool a
    batch); `called(fn, ...)` runs `fn` through the model's own call, the
    path `dense_replay.infer` replaces."""

    off = False

    def called(self, fn, *args, **kwargs):
        self.off = True
        try:
            return fn(*args, **kwargs)
        finally:
            self.off = False


@pytest.fixture
def infer_spy(monkeypatch):
    """An _InferSpy on `dense_replay.infer` for the test's duration."""
    used = _InferSpy()
    original = dense_replay.infer

    def spy(model, arrays):
        if used.off:
            return None
        out = original(model, arrays)
        used.append(out is not None)
        return out
    monkeypatch.setattr(dense_replay, "infer", spy)
    return used


@pytest.fixture
def replay_spy(monkeypatch):
    """Whether each training step a `DenseReplay` was asked for ran on it
    (one bool a step; a plan that is `Taped` adds nothing)."""
    used = []
    original = dense_replay.DenseReplay.run

    def spy(self, *args):
        out = original(self, *args)
        used.append(out is not None)
        return out
    monkeypatch.setattr(dense_replay.DenseReplay, "run", spy)
    return used

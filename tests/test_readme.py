"""Every Python block of the README runs, and the asserts written in it hold."""
import hashlib
import io
import os
import re

import numpy as np
import pytest

from ckeras.datasets import remote

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 6


@pytest.fixture
def offline_mnist(tmp_path, monkeypatch):
    """mnist.load_data() without the network: a small file in mnist.npz's
    format, served from a file:// origin into an empty Keras cache."""
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    np.savez(buf, x_train=rng.integers(0, 256, (256, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 256, dtype=np.uint8),
             x_test=rng.integers(0, 256, (16, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 16, dtype=np.uint8))
    source = tmp_path / "mnist.npz"
    source.write_bytes(buf.getvalue())
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setitem(remote.REMOTE_FILES, "mnist.npz",
                        (source.as_uri(), hashlib.sha256(buf.getvalue()).hexdigest()))


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block(index, capsys, offline_mnist):
    namespace = {"__name__": "readme"}
    exec(compile(BLOCKS[index], f"README block {index}", "exec"), namespace)
    if "sorted(hist.history)" in BLOCKS[index]:
        assert "['accuracy', 'loss', 'val_accuracy', 'val_loss']" in capsys.readouterr().out

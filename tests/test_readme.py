"""Every Python block of the README runs, and the asserts written in it hold."""
import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block(index, capsys):
    namespace = {"__name__": "readme"}
    exec(compile(BLOCKS[index], f"README block {index}", "exec"), namespace)
    if "sorted(hist.history)" in BLOCKS[index]:
        assert "['accuracy', 'loss', 'val_accuracy', 'val_loss']" in capsys.readouterr().out

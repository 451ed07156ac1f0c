"""The main job: the demo trains on the bundled digits and reports metrics."""
import re

import numpy as np
import pytest

from ckeras.__main__ import main
from ckeras.datasets import digits


def test_bundled_digits_load_and_split():
    (xt, yt), (xv, yv) = digits.load_data(test_split=0.2)
    assert xt.shape[1:] == (8, 8) and len(xt) + len(xv) == 1797
    assert len(xv) == 359 and xt.max() == 16 and set(np.unique(yt)) == set(range(10))
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=1.5)


def test_demo_trains_and_reports_accuracy(capsys):
    assert main(["demo", "--epochs", "3", "--verbose", "2", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "Total params: 4810 (18.79 KB)" in out and "Epoch 3/3" in out
    acc = float(re.search(r"digits: test loss \S+ - test accuracy (\d\.\d+)", out).group(1))
    assert acc > 0.5  # chance is 0.1
    again = float(re.search(r"reloaded - test accuracy (\d\.\d+)", out).group(1))
    assert again == acc
    text_acc = float(re.search(r"reviews: test loss \S+ - test accuracy (\d\.\d+)", out).group(1))
    assert text_acc > 0.7
    assert re.search(r"done in \d+\.\d\d s", out)


def test_demo_help_lists_options(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    for flag in ("--epochs", "--units", "--batch-size", "--seed", "--verbose"):
        assert flag in out
    with pytest.raises(SystemExit):
        main(["demo", "--epochs", "0"])

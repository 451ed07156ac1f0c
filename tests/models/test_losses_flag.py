"""`Layer.losses` skips its walk over the layers until some layer holds a
loss; every way a loss arrives must switch the walk on. A fresh interpreter,
since the switch is process-wide and stays on once set."""
import subprocess
import sys

SCRIPT = r"""
import numpy as np
from ckeras import regularizers
from ckeras.layers import Dense, Layer
from ckeras.models import Sequential
x = np.ones((2, 3), np.float32)
plain = Sequential([Dense(2, input_shape=(3,))])
plain(x)
assert plain.losses == [], plain.losses

class Activity(Layer):
    def call(self, inputs):
        self.add_loss(inputs.sum() * 0 + 1.5)
        return inputs

m = Sequential([Activity(input_shape=(3,))])
m(x)
assert [float(np.asarray(getattr(l, "value", l))) for l in m.losses] == [1.5], m.losses
print("ok")
"""

SCRIPT_REG = r"""
import numpy as np
from ckeras import regularizers
from ckeras.layers import Dense
from ckeras.models import Sequential
m = Sequential([Dense(2, input_shape=(3,), kernel_regularizer=regularizers.l2(1.0))])
assert len(m.losses) == 1
lam = Sequential([Dense(2, input_shape=(3,))])
lam.add_loss(lambda: np.float32(2.0))
assert [float(l) for l in lam.losses] == [2.0]
print("ok")
"""


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_losses_recorded_in_a_call_are_seen_in_a_fresh_process():
    _run(SCRIPT)


def test_regularizers_and_callable_losses_are_seen_in_a_fresh_process():
    _run(SCRIPT_REG)

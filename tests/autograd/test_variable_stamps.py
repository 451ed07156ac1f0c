"""Write stamps of Variables: what DaskStrategy's fit reads to find the
weights a callback set on the client (Variable.version, Variable.clock)."""
import numpy as np

from ckeras import Input, Sequential, layers
from ckeras import backend as K
from ckeras.autograd.tensor import Variable


def test_variable_writes_are_stamped():
    """Every way of writing a weight stamps it with a new, larger version,
    and `Variable.clock` is the newest stamp; reads stamp nothing."""
    model = Sequential([Input((4,)), layers.Dense(8), layers.Dense(1)])
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    assert kernel.version == 0     # made, not written
    stamps = []
    for write in (lambda: kernel.assign(np.zeros(kernel.shape)),
                  lambda: kernel.assign_add(np.ones(kernel.shape)),
                  lambda: kernel.assign_sub(np.ones(kernel.shape)),
                  lambda: model.layers[0].set_weights([np.ones(kernel.shape),
                                                       np.ones(bias.shape)]),
                  lambda: K.set_value(kernel, np.zeros(kernel.shape)),
                  lambda: model.set_weights(model.get_weights())):
        write()
        assert (stamps[-1] if stamps else 0) < kernel.version <= Variable.clock
        stamps.append(kernel.version)
    versions = [v.version for v in model.weights]
    before = Variable.clock
    model.get_weights()
    model.predict(np.zeros((2, 4), "float32"), verbose=0)
    assert Variable.clock == before and [v.version for v in model.weights] == versions

"""Finite-difference gradient checks for Functions (float64)."""
import numpy as np

from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import Tensor


def gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, seed=0, wrt=None):
    """Checks the taped gradient of `fn` against central differences.

    Uses a random direction per input (Chainer-style directional check): the
    analytic directional derivative <grad, v> must match
    (f(x + eps v) - f(x - eps v)) / 2 eps, where f is <fn(x), w> for a fixed
    random projection w of the outputs.

    Args:
        fn: callable taking Tensors and returning a Tensor or a tuple of them.
        inputs: list of float64 arrays (or other values passed through).
        eps, atol, rtol: finite-difference step and tolerances.
        seed: seed for the random directions.
        wrt: indices of the inputs to check (default: every float array).

    Returns:
        True; raises AssertionError with the mismatch otherwise.
    """
    rng = np.random.default_rng(seed)
    inputs = list(inputs)
    if wrt is None:
        wrt = [i for i, x in enumerate(inputs)
               if isinstance(x, np.ndarray) and x.dtype == np.float64]
    for i in wrt:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 inputs; input {i} is {inputs[i].dtype}")

    def run(values):
        args = [Tensor(v, requires_grad=(j in wrt)) if j in wrt else v
                for j, v in enumerate(values)]
        out = fn(*args)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        return args, outs

    args, outs = run(inputs)
    outs = [o for o in outs if isinstance(o, Tensor) and o.requires_grad]
    if not outs:
        raise AssertionError("gradcheck: the function produced no taped output")
    weights = [rng.standard_normal(o.shape) for o in outs]
    analytic = grad(outs, [args[i] for i in wrt], grad_outputs=weights)

    def projected(values):
        _, os = run(values)
        os = [o for o in os if isinstance(o, Tensor) and o.requires_grad]
        return sum(float(np.sum(o.value * w)) for o, w in zip(os, weights))

    for k, i in enumerate(wrt):
        v = rng.standard_normal(inputs[i].shape)
        plus, minus = list(inputs), list(inputs)
        plus[i] = inputs[i] + eps * v
        minus[i] = inputs[i] - eps * v
        numeric = (projected(plus) - projected(minus)) / (2 * eps)
        exact = float(np.sum(analytic[k] * v))
        if not abs(numeric - exact) <= atol + rtol * abs(numeric):
            raise AssertionError(
                f"gradcheck failed for input {i}: analytic {exact!r}, "
                f"numeric {numeric!r}")
    return True

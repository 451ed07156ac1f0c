"""NumPy references of the optimizer updates (``ckeras._ext._optim``).

Same signatures and errors as the C twins, and the operations in the same
order and precision, so both give the same bits, except that the C updates
run with flush-to-zero/denormals-are-zero (csrc/ck_optim.h) and these
keep denormals. Everything is updated in place; see ck_optim.h for the
formulas.
"""
import numpy as np

from ckeras.kernels.checks import check_array

__all__ = ["adam_update", "adam_update_many", "rmsprop_update", "sgd_update"]


def _check(w, g, slots, names):
    check_array(w, "variable")
    dt = w.dtype
    check_array(g, "gradient", None, dt)
    if g.shape != w.shape:
        raise ValueError(f"gradient has shape {g.shape}, expected {w.shape}")
    for a, name in zip((w,) + slots, ("variable",) + names):
        if a is None:
            continue
        check_array(a, name, None, dt)
        if a.shape != w.shape:
            raise ValueError(f"{name} has shape {a.shape}, expected {w.shape}")
        if not a.flags.writeable:
            raise ValueError(f"{name} must be writable")


def adam_update(w, g, m, v, vhat, b1c, b2c, alpha, eps):
    """Adam's update of w, m, v (and vhat, or None) in place."""
    _check(w, g, (m, v, vhat), ("m", "v", "vhat"))
    if m is None or v is None:
        raise ValueError("adam_update needs the m and v slots")
    t = np.empty_like(w)
    np.subtract(g, m, out=t)
    t *= b1c
    m += t
    np.multiply(g, g, out=t)
    t -= v
    t *= b2c
    v += t
    if vhat is not None:
        np.maximum(vhat, v, out=vhat)
        v = vhat
    np.sqrt(v, out=t)
    t += eps
    np.divide(m, t, out=t)
    t *= alpha
    w -= t


def adam_update_many(ws, gs, ms, vs, vhats, b1c, b2c, alpha, eps):
    """`adam_update` of every variable of a step (lists of one length;
    vhats None, or a list for AMSGrad), every array checked first."""
    n = len(ws)
    if len(gs) != n or len(ms) != n or len(vs) != n or (vhats is not None and len(vhats) != n):
        raise ValueError(f"adam_update_many needs lists of one length; got {len(ws)} "
                         f"variables, {len(gs)} gradients, {len(ms)} m and {len(vs)} v")
    hats = [None] * n if vhats is None else vhats
    for w, g, m, v, h in zip(ws, gs, ms, vs, hats):
        _check(w, g, (m, v, h), ("m", "v", "vhat"))
        if m is None or v is None:
            raise ValueError("adam_update needs the m and v slots")
        if w.dtype != ws[0].dtype:
            raise ValueError("adam_update_many needs variables of one dtype")
    for args in zip(ws, gs, ms, vs, hats):
        adam_update(*args, b1c, b2c, alpha, eps)
    return 0


def rmsprop_update(w, g, v, a, mom, rc, momentum, lr, eps, eps_outside):
    """RMSprop's update of w, v (a when centered, mom with momentum) in place."""
    _check(w, g, (v, a, mom), ("velocity", "average_gradient", "momentum"))
    if v is None:
        raise ValueError("rmsprop_update needs the velocity slot")
    t = np.empty_like(w)
    np.multiply(g, g, out=t)
    t -= v
    t *= rc
    v += t
    if a is not None:
        np.subtract(g, a, out=t)
        t *= rc
        a += t
        np.multiply(a, a, out=t)
        np.subtract(v, t, out=t)
    else:
        t[...] = v
    if eps_outside and mom is None:
        np.sqrt(t, out=t)
        t += eps
    else:
        t += eps
        np.sqrt(t, out=t)
    np.divide(g, t, out=t)
    t *= lr
    if mom is not None:
        mom *= momentum
        mom += t
        w -= mom
    else:
        w -= t


def sgd_update(w, g, m, lr, momentum, nesterov):
    """SGD's update of w (and the momentum slot m, or None) in place."""
    _check(w, g, (m,), ("m",))
    if m is None:
        w -= g * w.dtype.type(lr)
        return
    if momentum == 0.0:
        np.multiply(g, -lr, out=m)
        w += m
        return
    t = np.multiply(g, lr)
    m *= momentum
    m -= t
    if nesterov:
        w -= t
        np.multiply(m, momentum, out=t)
        w += t
    else:
        w += m

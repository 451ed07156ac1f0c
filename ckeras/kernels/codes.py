"""Named codes of the C kernels, mirroring the enums of their headers.

Each enum's member names are the Keras names upper-cased, so a Keras string
maps to its code with ``Act[name.upper()]``; ``tests/kernels/test_enums.py``
checks every value against the ``ENUMS`` dict the extension modules build
from the C enums.
"""
import enum

__all__ = ["Act", "Merge", "Pool", "Fill", "SplineBoundary", "Interp", "RECURRENT_ACTS"]


class Act(enum.IntEnum):
    """Activations fused into the kernels (csrc/ck_act.h)."""
    LINEAR = 0
    RELU = 1
    SIGMOID = 2
    TANH = 3
    SOFTMAX = 4        # row-wise over the last axis
    HARD_SIGMOID = 5   # clip(0.2 * x + 0.5, 0, 1), the Keras 2 definition


class Merge(enum.IntEnum):
    """Bidirectional merge modes (csrc/ck_bidirectional.h); None needs no kernel."""
    CONCAT = 0
    SUM = 1
    MUL = 2
    AVE = 3


class Pool(enum.IntEnum):
    """Pooling modes (csrc/ck_conv.h)."""
    MAX = 0
    AVG = 1


class Fill(enum.IntEnum):
    """Fill modes of the affine resampler (csrc/ck_image.h), SciPy's meanings."""
    NEAREST = 0
    WRAP = 1
    REFLECT = 2
    CONSTANT = 3


class Interp(enum.IntEnum):
    """Interpolations of the projective kernel (csrc/ck_image.h)."""
    NEAREST = 0
    BILINEAR = 1


class SplineBoundary(enum.IntEnum):
    """Boundary rules of the spline prefilter (csrc/ck_image.h)."""
    MIRROR = 0
    REFLECT = 1


# Softmax has no per-unit meaning inside a recurrent gate.
RECURRENT_ACTS = frozenset(a for a in Act if a is not Act.SOFTMAX)

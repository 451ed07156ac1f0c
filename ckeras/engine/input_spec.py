"""InputSpec: what a layer accepts (rank, fixed axes), checked on every call."""


class InputSpec:
    """Constraints on a layer input.

    Args:
        dtype: expected dtype, or None.
        shape: full expected shape (None entries are free), or None.
        ndim: exact rank, or None.
        max_ndim: largest rank, or None.
        min_ndim: smallest rank, or None.
        axes: dict {axis: size} of fixed sizes.
        allow_last_axis_squeeze: accepted for compatibility.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None,
                 min_ndim=None, axes=None, allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.name = name

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim,
                "axes": self.axes}

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in self.get_config().items() if v]
        return "InputSpec(" + ", ".join(parts) + ")"


def assert_input_compatibility(specs, shapes, layer_name):
    """Raises ValueError when `shapes` violate `specs` (lists, aligned)."""
    if specs is None:
        return
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    if len(shapes) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
            f"received {len(shapes)} input tensors.")
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is not None:
            _check_one(spec, shape, f'Input {i} of layer "{layer_name}" is incompatible '
                                    "with the layer")


def _check_one(spec, shape, where):
    rank = len(shape)
    for bound, want, bad in (
            ("ndim", spec.ndim, spec.ndim is not None and rank != spec.ndim),
            ("max_ndim", spec.max_ndim, spec.max_ndim is not None and rank > spec.max_ndim),
            ("min_ndim", spec.min_ndim, spec.min_ndim is not None and rank < spec.min_ndim)):
        if bad:
            raise ValueError(f"{where}: expected {bound}={want}, found ndim={rank}. "
                             f"Full shape received: {shape}")
    for axis, size in spec.axes.items():
        if size is None or rank == 0:
            continue
        actual = shape[axis] if -rank <= axis < rank else None
        if actual is not None and actual != size:
            raise ValueError(
                f"{where}: expected axis {axis} of input shape to have value "
                f"{size}, but received input with shape {shape}")
    if spec.shape is not None:
        for want, got in zip(spec.shape, shape):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{where}: expected shape={spec.shape}, "
                                 f"found shape={shape}")

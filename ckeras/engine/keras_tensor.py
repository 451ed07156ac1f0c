"""KerasTensor: a symbolic placeholder in the functional graph.

It carries a shape (None for unknown dimensions), a dtype and the record of
which layer call produced it (`_keras_history`). No value, no kernel runs.
"""
import numpy as np

from ckeras.autograd.operators import install_operators
from ckeras.autograd.tensor import SymbolicTensor


class KerasTensor(SymbolicTensor):
    """Symbolic tensor returned by `Input()` and by layers called on one.

    Attributes:
        shape: tuple with None for unknown dimensions (batch first).
        dtype: NumPy dtype name, e.g. 'float32'.
        name: a readable name (`'dense/BiasAdd:0'`-like), informational.
    """

    __slots__ = ("shape", "dtype", "name", "_keras_history", "_maybe_masked",
                 "__weakref__")

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        # String tensors (Keras dtype "string") hold NumPy str/bytes/object arrays.
        self.dtype = np.dtype(object if dtype == "string" else dtype).name
        self.name = name
        self._keras_history = history
        self._maybe_masked = False

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        return (f"<KerasTensor: shape={self.shape} dtype={self.dtype}"
                + (f" (created by layer '{self._keras_history[0].name}')>"
                   if self._keras_history else ">"))

    def __len__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError("len() of a KerasTensor with an unknown first dimension")
        return self.shape[0]

    def __iter__(self):
        raise TypeError(
            "Iterating over a symbolic KerasTensor is not supported; "
            "index it explicitly or use a Lambda layer.")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def numpy(self):
        raise ValueError(
            "A KerasTensor is a symbolic placeholder and has no value. Call the "
            "model on data (model.predict(x)) or use K.function to evaluate it.")


install_operators(KerasTensor)

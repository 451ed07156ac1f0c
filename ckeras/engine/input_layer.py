"""InputLayer and Input(): the entry points of a functional graph."""
import numpy as np

from ckeras._internal import config, naming
from ckeras.engine.base_layer import Layer
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.node import Node


class InputLayer(Layer):
    """Layer that holds the placeholder of a model input.

    Args:
        input_shape: shape without the batch dimension.
        batch_size: optional fixed batch size.
        dtype: input dtype (default floatx).
        name: layer name (default 'input_1', 'input_2', ...).
        batch_input_shape: full shape, batch included (alternative to
            input_shape + batch_size).
    """

    _default_name_zero_based = False

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=None, name=None, ragged=None, batch_input_shape=None, **kwargs):
        if name is None:
            name = naming.unique_name("input", zero_based=False)
        if "batch_shape" in kwargs:
            batch_input_shape = kwargs.pop("batch_shape")
        kwargs.pop("trainable", None)
        kwargs.pop("optional", None)  # tf-keras 2.21 / Keras 3 configs write it
        if kwargs:
            raise TypeError(f"Keyword argument not understood by InputLayer: "
                            f"{sorted(kwargs)}")
        if input_tensor is not None:
            batch_input_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer needs an `input_shape` or a "
                                 "`batch_input_shape` argument.")
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size,) + tuple(input_shape)
        elif input_shape is not None:
            raise ValueError("Only provide the `input_shape` OR `batch_input_shape` "
                             "argument to InputLayer, not both.")
        super().__init__(name=name, dtype=dtype or config.floatx())
        self._batch_input_shape = tuple(None if d is None else int(d)
                                        for d in batch_input_shape)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.is_placeholder = True
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, self._dtype, name=self.name)
        Node(self, ([],), {}, tensor)

    @property
    def input_shape(self):
        return self._batch_input_shape

    @property
    def output_shape(self):
        return self._batch_input_shape

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None,
          ragged=None, type_spec=None, batch_shape=None, **kwargs):
    """Creates a symbolic input tensor for a functional model.

    Args:
        shape: shape tuple without the batch dimension, e.g. `(784,)`.
        batch_size: optional fixed batch size.
        name: optional name of the InputLayer.
        dtype: input dtype (default floatx); use 'int32' for Embedding ids.
        batch_shape: the full shape including the batch dimension (instead of
            shape + batch_size).

    Returns:
        A KerasTensor.

    Example:
        >>> x = Input(shape=(784,))
        >>> y = Dense(10, activation='softmax')(x)
        >>> model = Model(x, y)
    """
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise TypeError(f"Input() got unexpected keyword arguments: {sorted(kwargs)}")
    if shape is not None and batch_shape is not None:
        raise ValueError("Only provide the `shape` OR `batch_shape` argument to "
                         "Input, not both at the same time.")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input a `shape` or a `tensor` argument. "
                         "Note that `shape` does not include the batch dimension.")
    if shape is not None:
        if isinstance(shape, (int, np.integer)):
            shape = (shape,)
        batch_shape = (batch_size,) + tuple(shape)
    layer = InputLayer(batch_input_shape=batch_shape, name=name, dtype=dtype,
                       sparse=sparse, ragged=ragged, input_tensor=tensor)
    return layer._inbound_nodes[0].outputs

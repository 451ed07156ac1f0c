"""Keras 2's `keras.engine.topology` import path (`from keras.engine.topology
import Layer, Input, ...`): the same objects as their tf-keras homes.

`Network`, the graph base of Keras 2's `Model`, is `Model` itself here, as
every ckeras model (functional, Sequential or subclassed) is one:
`Network(inputs, outputs)` builds a functional model and
`isinstance(model, Network)` holds for each.
"""
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_layer import Input, InputLayer
from ckeras.engine.input_spec import InputSpec
from ckeras.engine.node import Node
from ckeras.engine.training import Model as Network
from ckeras.utils.layer_utils import get_source_inputs

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "Network", "Node", "get_source_inputs"]

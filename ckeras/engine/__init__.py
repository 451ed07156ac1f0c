"""The graph engine: Layer, KerasTensor/Node, Functional and Sequential models."""
from ckeras.engine import op_layer  # noqa: F401 (installs the symbolic op handler)
from ckeras.engine.base_layer import Layer
from ckeras.engine.functional import Functional
from ckeras.engine.input_layer import Input, InputLayer
from ckeras.engine.input_spec import InputSpec
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.sequential import Sequential
from ckeras.engine.training import Model

__all__ = ["Functional", "Input", "InputLayer", "InputSpec", "KerasTensor", "Layer", "Model",
           "Sequential"]

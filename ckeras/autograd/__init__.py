"""Tape-based reverse-mode autodiff over coarse, fused Functions."""
from ckeras.autograd.function import (
                                      Function,
                                      enable_grad,
                                      grad_enabled,
                                      no_grad,
                                      recording,
                                      swap_mode,
)
from ckeras.autograd.gradcheck import gradcheck
from ckeras.autograd.gradient_tape import GradientTape, UnconnectedGradients
from ckeras.autograd.operators import install_methods, install_operators
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import SymbolicTensor, Tensor, Variable, convert_to_tensor

install_operators(Tensor)
install_methods(Tensor)

__all__ = ["Function", "Tensor", "Variable", "SymbolicTensor", "grad", "gradcheck",
           "GradientTape", "UnconnectedGradients", "convert_to_tensor",
           "no_grad", "enable_grad", "grad_enabled", "recording", "swap_mode"]

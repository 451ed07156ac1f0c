"""The Keras 2 backend API (`from ckeras import backend as K`)."""
from ckeras.backend.config import (
    clear_session, epsilon, floatx, image_data_format,
    set_epsilon, set_floatx, set_image_data_format, set_learning_phase)
from ckeras.backend.graph import function, gradients, learning_phase, placeholder

# Ops (each accepts NumPy arrays, autograd Tensors and symbolic KerasTensors).
# The function `shape` (imported last) shadows the submodule `ckeras.backend.shape` as a
# package attribute: import that module's names with `from ckeras.backend.shape import ...`.
from ckeras.backend.math import (  # noqa: E402
    abs, all, any, arange, argmax, argmin, batch_dot, cast, clip, cos, cumprod, cumsum, dot,
    equal, exp, foldl, foldr, greater, greater_equal, less, less_equal, log, log1p, logsumexp,
    map_fn, max, maximum, mean, min, minimum, not_equal, pow, print_tensor, prod,
    random_bernoulli, random_binomial, random_normal, random_normal_variable, random_uniform,
    random_uniform_variable, round, sign, sin, sqrt, square, std, stop_gradient, sum,
    truncated_normal, var)
from ckeras.backend.shape import (  # noqa: E402
    batch_flatten, concatenate, expand_dims, flatten, gather, one_hot, permute_dimensions,
    repeat, repeat_elements, reshape, reverse, squeeze, stack, tile, transpose)
from ckeras.backend.nn import (  # noqa: E402
    bias_add, binary_crossentropy, categorical_crossentropy, conv1d, conv2d, conv3d, dropout,
    elu, hard_sigmoid, in_test_phase, in_train_phase, l2_normalize, pool2d, pool3d, relu, rnn,
    sigmoid, softmax, softplus, softsign, sparse_categorical_crossentropy, switch, tanh)
from ckeras.backend.variables import (  # noqa: E402
    batch_get_value, batch_set_value, cast_to_floatx, constant, count_params, dtype, eval,
    eye, get_value, identity, int_shape, is_keras_tensor, is_sparse, moving_average_update,
    name_scope, ndim, ones, ones_like, set_value, shape, update, update_add, update_sub,
    variable, zeros, zeros_like)

"""Utilities: summaries, model plots, progress bars, Sequence, one-hot encoding, custom
objects, `get_file`, image files, and the `*_dataset_from_directory`
batch providers."""
import importlib

from ckeras.saving.object_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ckeras.saving.serialization import deserialize_keras_object, serialize_keras_object
from ckeras.utils.data_utils import Sequence
from ckeras.utils.generic_utils import Progbar
from ckeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from ckeras.utils.layer_utils import get_source_inputs, print_summary
from ckeras.utils.np_utils import normalize, to_categorical, to_ordinal
from ckeras.utils.random import set_random_seed
from ckeras.utils.sequence_utils import pad_sequences
from ckeras.utils.threads import (
    get_blas_threads,
    get_kernel_threads,
    set_blas_threads,
    set_kernel_threads,
)
from ckeras.utils.vis_utils import model_to_dot, plot_model

# Loaded on first use: downloads and directory datasets are not needed at startup.
_LAZY = {"get_file": "ckeras.utils.file_utils",
         "image_dataset_from_directory": "ckeras.utils.image_dataset",
         "text_dataset_from_directory": "ckeras.utils.text_dataset",
         "timeseries_dataset_from_array": "ckeras.utils.timeseries_dataset",
         "GeneratorEnqueuer": "ckeras.utils.enqueuers",
         "OrderedEnqueuer": "ckeras.utils.enqueuers",
         "SequenceEnqueuer": "ckeras.utils.enqueuers"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ckeras.utils' has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(module), name)
    return value


__all__ = ["custom_object_scope", "CustomObjectScope", "GeneratorEnqueuer", "get_blas_threads",
           "get_custom_objects", "get_file", "OrderedEnqueuer", "SequenceEnqueuer",
           "get_kernel_threads", "get_registered_name", "get_source_inputs", "normalize",
           "model_to_dot", "plot_model",
           "image_dataset_from_directory", "img_to_array", "load_img", "array_to_img",
           "save_img", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "pad_sequences", "print_summary", "Progbar", "register_keras_serializable", "Sequence",
           "set_blas_threads", "set_kernel_threads", "set_random_seed", "to_categorical",
           "to_ordinal", "get_registered_object", "serialize_keras_object",
           "deserialize_keras_object"]

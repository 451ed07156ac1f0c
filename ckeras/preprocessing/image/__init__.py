"""Image preprocessing: real-time data augmentation and image file helpers.

The Keras 2 `keras.preprocessing.image` API: `ImageDataGenerator` (with
`flow`, `flow_from_directory` and `flow_from_dataframe`), the
`NumpyArrayIterator`, `DirectoryIterator` and `DataFrameIterator` batch
providers (all `ckeras.utils.Sequence`s, so `fit`/`evaluate`/`predict`
accept them), the transform helpers
(`apply_affine_transform`, `apply_channel_shift`, `apply_brightness_shift`,
`flip_axis`), the random augmentations of one image built on them
(`random_rotation`, `random_shift`, `random_shear`, `random_zoom`,
`random_channel_shift`, `random_brightness`) and `array_to_img` /
`img_to_array` / `load_img` / `save_img`.

The affine resampling runs in the image kernels (`ckeras.kernels`, family
"image"), which give the results of `scipy.ndimage.affine_transform` for
spline orders 0..5 and the fill modes 'nearest', 'reflect', 'wrap' and
'constant' without needing SciPy. Reading and writing image files needs Pillow
(`pip install "ckeras[image]"`); everything that works on arrays, brightness
shifts included, does not. pandas is never imported: `flow_from_dataframe`
only indexes the dataframe by column name.
"""
from ckeras.preprocessing.image.affine import (
    FILL_MODES,  # noqa: F401 (not Keras API)
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    flip_axis,
    transform_matrix_offset_center,
)
from ckeras.preprocessing.image.dataframe_iterator import DataFrameIterator
from ckeras.preprocessing.image.directory_iterator import DirectoryIterator
from ckeras.preprocessing.image.image_data_generator import ImageDataGenerator
from ckeras.preprocessing.image.iterator import Iterator
from ckeras.preprocessing.image.numpy_array_iterator import NumpyArrayIterator
from ckeras.preprocessing.image.random_transforms import (
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
)
from ckeras.preprocessing.image.utils import array_to_img, img_to_array, load_img, save_img

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
    "DataFrameIterator",
    "array_to_img", "img_to_array", "load_img", "save_img",
    "apply_affine_transform", "apply_channel_shift",
    "apply_brightness_shift", "flip_axis", "transform_matrix_offset_center",
    "random_rotation", "random_shift", "random_shear", "random_zoom",
    "random_channel_shift", "random_brightness",
]

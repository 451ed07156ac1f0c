"""`ImageDataGenerator`: real-time data augmentation and normalisation of
image batches."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ckeras.backend import floatx, image_data_format
from ckeras.preprocessing.image.affine import (
    FILL_MODES,
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    check_interpolation_order,
)
from ckeras.preprocessing.image.dataframe_iterator import DataFrameIterator
from ckeras.preprocessing.image.directory_iterator import DirectoryIterator
from ckeras.preprocessing.image.numpy_array_iterator import NumpyArrayIterator

if TYPE_CHECKING:
    from ckeras._internal.types import ArrayLike, FilePath

__all__ = ["ImageDataGenerator"]


def _truthy(v):
    """Keras tests shift ranges by truthiness; arrays by being non-empty."""
    return v.size > 0 if isinstance(v, np.ndarray) else bool(v)


class ImageDataGenerator:
    """Generates batches of image data with real-time data augmentation.

    Args:
        featurewise_center: Set the dataset mean (per channel, from `fit`) to 0.
        samplewise_center: Set each sample's mean to 0.
        featurewise_std_normalization: Divide by the dataset std (per
            channel, from `fit`); turns `featurewise_center` on.
        samplewise_std_normalization: Divide each sample by its std; turns
            `samplewise_center` on.
        zca_whitening: Apply ZCA whitening (from `fit`); turns
            `featurewise_center` on and `featurewise_std_normalization` off.
        zca_epsilon: Epsilon of the ZCA whitening.
        rotation_range: Degrees; the angle is drawn from U(-r, r).
        width_shift_range: Horizontal shift (moves the image along its
            columns). float < 1: fraction of the width; float >= 1: pixels,
            drawn from U(-r, r); int: integer pixels from
            `choice(r) * choice([-1, 1])`; 1-D array-like: a random element
            times a random sign.
        height_shift_range: Vertical shift (along the rows), same forms.
            Note: tf.keras 2.x (tf_keras included) swaps the two shift axes,
            so there height_shift_range moves the image horizontally and
            width_shift_range vertically; ckeras implements the documented
            meaning, as classic Keras did.
        brightness_range: Tuple or list of two floats; the brightness factor
            is drawn from U(a, b).
        shear_range: Shear angle in degrees, drawn from U(-s, s).
        zoom_range: Float z for [1 - z, 1 + z], or `[lower, upper]`; the
            horizontal and vertical zooms are drawn independently.
        channel_shift_range: Intensity drawn from U(-c, c) added to every
            channel, clipped to the image's range.
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`:
            how points outside the image are filled.
        cval: Fill value for `fill_mode='constant'`.
        horizontal_flip: Randomly flip images horizontally (p = 0.5).
        vertical_flip: Randomly flip images vertically (p = 0.5).
        rescale: Factor multiplied into the data before any other
            standardisation (None or 0: none).
        preprocessing_function: Function applied to each image (rank 3) after
            augmentation and before the rest of `standardize`.
        data_format: `"channels_first"` or `"channels_last"`; None means
            `ckeras.backend.image_data_format()`.
        validation_split: Fraction of the data reserved for validation
            (strictly between 0 and 1), selected with `subset=`.
        interpolation_order: Spline order of the affine transform, an int in
            [0, 5] (0 nearest neighbour, 1 linear, 2..5 B-splines), with
            the results of `scipy.ndimage.affine_transform` at that order.
        dtype: Dtype of the generated arrays; None means `floatx()`.

    Example:
        >>> datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
        >>> datagen.fit(x_train)
        >>> model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=5)
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0,
                 fill_mode="nearest", cval=0.0, horizontal_flip=False, vertical_flip=False,
                 rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or floatx()
        self.interpolation_order = check_interpolation_order(interpolation_order,
                                                             "interpolation_order")

        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        if data_format is None:
            data_format = image_data_format()
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             f"Received: {data_format}")
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1. "
                             f" Received: {validation_split}")
        self._validation_split = validation_split

        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None

        if isinstance(zoom_range, (float, int)) and not isinstance(zoom_range, bool):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif (len(zoom_range) == 2
              and all(isinstance(v, (float, int)) for v in zoom_range)):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two "
                             f"floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of `featurewise_std_normalization`.", stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError("`brightness_range should be tuple or list of two floats. "
                                 f"Received: {brightness_range}")
        self.brightness_range = brightness_range

    # -- batch providers ---------------------------------------------------

    def flow(self, x: Any, y: ArrayLike | None = None, batch_size: int = 32,
             shuffle: bool = True, sample_weight: ArrayLike | None = None,
             seed: int | None = None, save_to_dir: FilePath | None = None,
             save_prefix: str = "", save_format: str = "png",
             ignore_class_split: bool = False,
             subset: str | None = None) -> NumpyArrayIterator:
        """Takes data & label arrays, generates batches of augmented data.

        Args:
            x: Images (rank 4), or a tuple `(images, misc)` whose misc array(s)
                pass through unchanged.
            y: Labels or None.
            batch_size: Size of a batch (default 32).
            shuffle: Whether to shuffle (default True).
            sample_weight: Sample weights or None.
            seed: Random seed.
            save_to_dir: Optional directory where the augmented images are
                saved.
            save_prefix: File name prefix for saved images.
            save_format: File format for saved images ("png", "jpeg", ...).
            ignore_class_split: Skip the same-classes check of `subset`.
            subset: `"training"` or `"validation"` (needs `validation_split`).

        Returns:
            A `NumpyArrayIterator` yielding `x`, `(x, y)` or
            `(x, y, sample_weight)` batches.
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory: FilePath,
                            target_size: tuple[int, int] = (256, 256),
                            color_mode: str = "rgb", classes: list[str] | None = None,
                            class_mode: str | None = "categorical", batch_size: int = 32,
                            shuffle: bool = True, seed: int | None = None,
                            save_to_dir: FilePath | None = None, save_prefix: str = "",
                            save_format: str = "png", follow_links: bool = False,
                            subset: str | None = None, interpolation: str = "nearest",
                            keep_aspect_ratio: bool = False) -> DirectoryIterator:
        """Takes the path to a directory and generates batches of augmented data.

        See `DirectoryIterator` for the arguments. Needs Pillow.

        Returns:
            A `DirectoryIterator` yielding `(x, y)` batches (`x` only when
            `class_mode` is None).
        """
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
            save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset, interpolation=interpolation,
            dtype=self.dtype)

    def flow_from_dataframe(self, dataframe: Any, directory: FilePath | None = None,
                            x_col: str = "filename", y_col: str | list[str] = "class",
                            weight_col: str | None = None,
                            target_size: tuple[int, int] = (256, 256),
                            color_mode: str = "rgb", classes: list[str] | None = None,
                            class_mode: str | None = "categorical", batch_size: int = 32,
                            shuffle: bool = True, seed: int | None = None,
                            save_to_dir: FilePath | None = None, save_prefix: str = "",
                            save_format: str = "png", subset: str | None = None,
                            interpolation: str = "nearest",
                            validate_filenames: bool = True,
                            **kwargs: Any) -> DataFrameIterator:
        """Takes a dataframe of image file names (and targets) and generates
        batches of augmented data.

        `dataframe` may be a pandas DataFrame or any object whose
        `dataframe[column]` gives the column's values (e.g. a dict of
        lists); pandas is not needed. See `DataFrameIterator` for the
        arguments. Needs Pillow.

        Deprecated tf-keras keywords are accepted with a DeprecationWarning
        and no effect (`has_ext`, `sort`, `drop_duplicates`), and
        `class_mode="other"` means `"raw"`.

        Returns:
            A `DataFrameIterator` yielding `(x, y)` batches, `(x, y,
            sample_weight)` with a `weight_col`, or `x` when `class_mode` is
            None.
        """
        for key, what in (("has_ext", "has_ext is deprecated, filenames in the dataframe "
                                      "have to match the exact filenames in disk."),
                          ("sort", "sort is deprecated, batches will be created in the same "
                                   "order than the filenames provided if shuffle is set to "
                                   "False."),
                          ("drop_duplicates", "drop_duplicates is deprecated, you can drop "
                                              "duplicates by using the "
                                              "pandas.DataFrame.drop_duplicates method.")):
            if key in kwargs:
                kwargs.pop(key)
                warnings.warn(what, DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError("flow_from_dataframe() got unexpected keyword argument(s): "
                            f"{', '.join(sorted(kwargs))}")
        if class_mode == "other":
            warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` "raw".',
                          DeprecationWarning, stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)

    # -- normalisation -----------------------------------------------------

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Applies the normalization configuration to a batch or an image.

        Order: `preprocessing_function`, `rescale`, samplewise centre,
        samplewise std, featurewise centre, featurewise std, ZCA. Unlike
        Keras (which works in place), the argument is never modified: a new
        array is returned.

        Args:
            x: Batch of inputs (or a single image) to be normalized.

        Returns:
            The inputs, normalized.
        """
        return self._standardize(np.array(x, dtype=np.result_type(np.asarray(x).dtype,
                                                                  np.float32)))

    def _standardize(self, x):
        """`standardize` working in place on an array it owns."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies "
                              "`featurewise_std_normalization`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, np.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.", stacklevel=2)
        return x

    # -- augmentation ------------------------------------------------------

    @staticmethod
    def _draw_shift(value, size):
        try:  # int or 1-D array-like
            s = np.random.choice(value)
            s *= np.random.choice([-1, 1])
        except ValueError:  # float
            s = np.random.uniform(-value, value)
        if np.max(value) < 1:
            s *= size
        return s

    def get_random_transform(self, img_shape, seed=None):
        """Generates random parameters for a transformation.

        Draws from `np.random` in Keras' order, so a seed gives Keras'
        parameters.

        Args:
            img_shape: Shape of the image (rank 3).
            seed: Random seed.

        Returns:
            A dict with keys `'theta'` (degrees), `'tx'` (vertical shift, from
            height_shift_range), `'ty'` (horizontal shift, from
            width_shift_range), `'shear'`, `'zx'`, `'zy'`, `'flip_horizontal'`,
            `'flip_vertical'`, `'channel_shift_intensity'`, `'brightness'`.
        """
        if len(img_shape) != 3:
            raise ValueError(f"img_shape must be the shape of one image (rank 3), got {img_shape}")
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = (np.random.uniform(-self.rotation_range, self.rotation_range)
                 if self.rotation_range else 0)
        tx = (self._draw_shift(self.height_shift_range, img_shape[img_row_axis])
              if _truthy(self.height_shift_range) else 0)
        ty = (self._draw_shift(self.width_shift_range, img_shape[img_col_axis])
              if _truthy(self.width_shift_range) else 0)
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range,
                                                        self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def _check_image(self, x):
        x = np.asarray(x)
        if x.ndim != 3:
            layout = "(H, W, C)" if self.data_format == "channels_last" else "(C, H, W)"
            raise ValueError(f"Expected a single image of rank 3 {layout}, got an array of "
                             f"shape {x.shape}")
        return x

    def apply_transform(self, x, transform_parameters):
        """Applies a transformation to an image according to given parameters.

        Order: affine (rotation, shift, shear, zoom about the centre), channel
        shift, horizontal flip, vertical flip, brightness.

        Args:
            x: 3D array, a single image.
            transform_parameters: Dict as returned by `get_random_transform`
                (missing keys mean "no change"): `'theta'` degrees, `'tx'`
                vertical shift in pixels, `'ty'` horizontal shift in pixels,
                `'shear'` degrees, `'zx'`/`'zy'` horizontal/vertical zoom,
                `'flip_horizontal'`, `'flip_vertical'`,
                `'channel_shift_intensity'`, `'brightness'`.

        Returns:
            A transformed copy of the input (same shape); `x` is not modified.
        """
        x = self._check_image(x)
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(
            x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
            p.get("zx", 1), p.get("zy", 1), row_axis=img_row_axis, col_axis=img_col_axis,
            channel_axis=img_channel_axis, fill_mode=self.fill_mode, cval=self.cval,
            order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], img_channel_axis)
        if p.get("flip_horizontal", False):
            x = np.flip(x, img_col_axis)
        if p.get("flip_vertical", False):
            x = np.flip(x, img_row_axis)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False, img_channel_axis)
        return np.ascontiguousarray(x)

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Applies a random transformation to an image.

        Args:
            x: 3D array, a single image.
            seed: Random seed.

        Returns:
            A randomly transformed copy of the input (same shape).
        """
        x = self._check_image(x)
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x: np.ndarray, augment: bool = False, rounds: int = 1,
            seed: int | None = None) -> None:
        """Fits the data generator to some sample data.

        Computes the statistics of `featurewise_center`,
        `featurewise_std_normalization` and `zca_whitening`; `rescale` is
        applied first (`preprocessing_function` is not).

        Args:
            x: Sample data of rank 4 (1, 3 or 4 channels expected).
            augment: Whether to fit on randomly augmented samples.
            rounds: Number of augmentation passes when `augment`.
            seed: Random seed.

        Raises:
            ValueError: if `x` is not rank 4.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(
                "Expected input to be images (as Numpy array) following the data format "
                f'convention "{self.data_format}" (channels on axis {self.channel_axis}), i.e. '
                f"expected either 1, 3 or 4 channels on axis {self.channel_axis}. However, it "
                f"was passed an array with shape {x.shape} ({x.shape[self.channel_axis]} "
                "channels).", stacklevel=2)
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat_x = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)

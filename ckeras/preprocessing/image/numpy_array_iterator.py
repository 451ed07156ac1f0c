"""`NumpyArrayIterator`: augmented batches from NumPy arrays."""
import warnings

import numpy as np

from ckeras.backend import floatx
from ckeras.preprocessing.image.iterator import Iterator
from ckeras.preprocessing.image.utils import check_data_format

__all__ = ["NumpyArrayIterator"]


class NumpyArrayIterator(Iterator):
    """Iterator yielding augmented batches from NumPy arrays.

    Args:
        x: Images, rank 4; or a tuple `(images, misc)` where `misc` is an
            array or a list of arrays passed through untouched (batches then
            hold `[images, *misc]`).
        y: Targets or None.
        image_data_generator: The `ImageDataGenerator` to use.
        batch_size: Size of a batch.
        shuffle: Whether to shuffle every epoch.
        sample_weight: Per-sample weights or None.
        seed: Random seed.
        data_format: `"channels_first"` or `"channels_last"`.
        save_to_dir: Optional directory where the augmented images are saved
            (needs Pillow).
        save_prefix: File name prefix of the saved images.
        save_format: File format of the saved images.
        subset: `"training"` or `"validation"` when the generator has a
            `validation_split`: validation is the FIRST `int(n * split)`
            samples, training the rest.
        ignore_class_split: Skip the check that both subsets hold the same
            classes.
        dtype: Dtype of the generated arrays.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype=None):
        data_format = check_data_format(data_format)
        self.dtype = dtype or floatx()
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError("`x` must be an array of images (rank 4) or a pair "
                                 "`(images, misc)` whose misc is an array or a list of arrays; "
                                 f"got a {type(x).__name__} of {len(x)} items")
            misc = x[1]
            x_misc = [np.asarray(a) for a in misc] if isinstance(misc, list) else [np.asarray(misc)]
            x = x[0]
            for a in x_misc:
                if len(x) != len(a):
                    raise ValueError("All of the arrays in `x` should have the same length. "
                                     f"Found a pair with: len(x[0]) = {len(x)}, "
                                     f"len(x[?]) = {len(a)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {np.shape(x)}, y.shape = {np.shape(y)}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {np.shape(x)}, "
                             f"sample_weight.shape = {np.shape(sample_weight)}")
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or '
                                 '"validation".')
            split_idx = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(np.asarray(y)[:split_idx]),
                                           np.unique(np.asarray(y)[split_idx:]))):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted "
                                 "by the label, you might want to shuffle them.")
            sl = slice(0, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[sl]
            x_misc = [a[sl] for a in x_misc]
            if y is not None:
                y = y[sl]
            if sample_weight is not None:
                sample_weight = sample_weight[sl]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. You "
                             f"passed an array with shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                f"(channels on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels "
                f"on axis {channels_axis}. However, it was passed an array with shape "
                f"{self.x.shape} ({self.x.shape[channels_axis]} channels).", stacklevel=2)
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._augment(self.x[j])
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10000)
        misc = [a[index_array] for a in self.x_misc]
        out_x = batch_x if not misc else [batch_x] + misc
        if self.y is None:
            return out_x
        if self.sample_weight is None:
            return out_x, self.y[index_array]
        return out_x, self.y[index_array], self.sample_weight[index_array]

"""The base of the image batch iterators: `Iterator` (a
`ckeras.utils.Sequence`) and `BatchFromFilesMixin`, the batches of image
files that `DirectoryIterator` and `DataFrameIterator` share."""
import os
import threading

import numpy as np

from ckeras.backend import floatx
from ckeras.preprocessing.image.utils import array_to_img, img_to_array, load_img
from ckeras.utils.data_utils import Sequence

__all__ = ["Iterator", "BatchFromFilesMixin"]


class Iterator(Sequence):
    """Base class of the image batch iterators (a `ckeras.utils.Sequence`).

    `len(it)` is `ceil(n / batch_size)`; `it[i]` is batch `i` of the current
    index order (a permutation when `shuffle`, re-drawn by `on_epoch_end`);
    `next(it)` walks the batches forever, wrapping after the last partial
    batch. With a `seed`, `np.random` is seeded with `seed +
    total_batches_seen` before every batch, so the same seed gives the same
    batches (and the same random augmentations).

    Args:
        n: Number of samples.
        batch_size: Size of a batch.
        shuffle: Whether to shuffle the order every epoch.
        seed: Random seed (int or None).
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self) or idx < -len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has "
                             f"length {len(self)}")
        if idx < 0:
            idx += len(self)
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """Returns the next batch (iteration never ends)."""
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _augment(self, x):
        """x through a random transform of the generator, then standardized."""
        generator = self.image_data_generator
        params = generator.get_random_transform(x.shape)
        x = generator.apply_transform(x, params)
        return generator._standardize(x)

    def _save_batch(self, batch_x, index_array, hash_range):
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = "{prefix}_{index}_{hash}.{format}".format(
                prefix=self.save_prefix, index=j, hash=np.random.randint(hash_range),
                format=self.save_format)
            img.save(os.path.join(self.save_to_dir, fname))


class BatchFromFilesMixin:
    """What `DirectoryIterator` and `DataFrameIterator` share, mixed into an
    `Iterator`: the reading settings, and batches of loaded, augmented and
    standardized images with targets per `class_mode`.

    Subclasses set `class_mode`, `classes` (a class index per sample, or a
    list of indices for multi-label samples), `class_indices`, the
    `filepaths`/`labels`/`sample_weight` properties, then call
    `Iterator.__init__`.
    """

    def _set_reading_attrs(self, image_data_generator, target_size, color_mode, data_format,
                           save_to_dir, save_prefix, save_format, subset, interpolation,
                           keep_aspect_ratio, dtype):
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", '
                             'or "grayscale".')
        if len(tuple(target_size)) != 2:
            raise ValueError(f"target_size must be (height, width), got {target_size!r}")
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(v) for v in target_size)
        self.color_mode = color_mode
        self.keep_aspect_ratio = keep_aspect_ratio
        self.data_format = data_format
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if data_format == "channels_last"
                            else (channels,) + self.target_size)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.dtype = dtype or floatx()
        self.subset = subset
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or '
                                 '"validation"')
            v = image_data_generator._validation_split if image_data_generator else 0.0
            self.split = (0, v) if subset == "validation" else (v, 1)
        else:
            self.split = None

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        filepaths = self.filepaths
        for i, j in enumerate(index_array):
            img = load_img(filepaths[j], color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            if hasattr(img, "close"):
                img.close()
            if self.image_data_generator:
                x = self._augment(x)
            batch_x[i] = x
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, int(1e7))
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in {"binary", "sparse"}:
            batch_y = np.array([self.classes[j] for j in index_array], dtype=self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0  # a list of indices: multi-hot
        elif self.class_mode == "multi_output":
            batch_y = [target[index_array] for target in self.labels]
        elif self.class_mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]

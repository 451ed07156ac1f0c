"""`DirectoryIterator`: augmented batches of the images in a directory
with one subdirectory per class."""
import os

import numpy as np

from ckeras.preprocessing.image.iterator import BatchFromFilesMixin, Iterator
from ckeras.preprocessing.image.utils import check_data_format, iter_valid_files

__all__ = ["DirectoryIterator"]


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Iterator yielding augmented batches of images read from a directory.

    `directory` holds one subdirectory per class; every png/jpg/jpeg/bmp/ppm/
    tif/tiff file below it (recursively, sorted) is a sample of that class.
    Needs Pillow.

    Args:
        directory: Path to the directory.
        image_data_generator: The `ImageDataGenerator` to use (or None).
        target_size: `(height, width)` every image is resized to.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3 or 4 channels).
        classes: Optional list of class subdirectories (default: all, sorted).
        class_mode: `"categorical"` (one-hot), `"binary"`/`"sparse"` (1-D
            float labels), `"input"` (the images themselves) or None (no
            labels).
        batch_size: As in `Iterator`.
        shuffle: As in `Iterator`.
        seed: As in `Iterator`.
        data_format: `"channels_first"` or `"channels_last"`.
        save_to_dir: Optionally save the augmented images in this folder.
        save_prefix: File name prefix of the saved images.
        save_format: File format of the saved images.
        follow_links: Whether to follow symbolic links.
        subset: `"training"` or `"validation"`: per class, validation is the
            first `int(n * validation_split)` files, training the rest.
        interpolation: Resampling used to reach `target_size`.
        keep_aspect_ratio: Centre-crop to the target aspect ratio first.
        dtype: Dtype of the generated arrays.

    Attributes:
        filenames: The image file names, relative to `directory`.
        filepaths: Their full paths.
        classes: Class index per sample (int32).
        samples: Number of images.
        num_classes: Number of classes.
        class_indices: Class name -> index.
        labels: The labels `class_mode` yields.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        data_format = check_data_format(data_format)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: directory not found: {directory!r}")
        self._set_reading_attrs(image_data_generator, target_size, color_mode, data_format,
                                save_to_dir, save_prefix, save_format, subset, interpolation,
                                keep_aspect_ratio, dtype)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: "
                             '"categorical", "binary", "sparse", "input", None')
        self.directory = directory
        self.class_mode = class_mode
        if not classes:
            classes = [d for d in sorted(os.listdir(directory))
                       if os.path.isdir(os.path.join(directory, d))]
        else:
            for c in classes:
                if not os.path.isdir(os.path.join(directory, c)):
                    raise FileNotFoundError(f"class directory not found: "
                                            f"{os.path.join(directory, c)!r}")
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for name in classes:
            sub = os.path.join(directory, name)
            files = list(iter_valid_files(sub, self.white_list_formats, follow_links))
            if self.split:
                n = len(files)
                files = files[int(self.split[0] * n):int(self.split[1] * n)]
            for root, fname in files:
                self.filenames.append(os.path.join(
                    name, os.path.relpath(os.path.join(root, fname), sub)))
                labels.append(self.class_indices[name])
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """List of the paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """Class index of every sample."""
        return self.classes

    @property
    def sample_weight(self):
        return None

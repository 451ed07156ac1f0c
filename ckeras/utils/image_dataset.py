"""`image_dataset_from_directory`: a folder of images (one sub-folder per
class) as batches of float32 arrays."""
import numpy as np

from ckeras.backend import resize
from ckeras.kernels import kernels
from ckeras.utils import dataset_utils

__all__ = ["image_dataset_from_directory", "resize_image", "smart_crop_box"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_PIL_FORMATS = ("JPEG", "PNG", "GIF", "BMP")
# TensorFlow's PNG decoder turns RGB into gray with libpng's fixed-point
# weights of 0.299/0.587/0.114 out of 2**15, truncated (measured bit-exact
# on random images); PIL's "L" rounds differently, off by one on most pixels.
_GRAY_WEIGHTS = np.array([9797, 19234, 3737], dtype=np.int64)
def resize_image(image, size, interpolation="bilinear"):
    """Resizes a (height, width, channels) image as `tf.image.resize` does
    (half-pixel centres, no antialiasing), in float32, through the C
    `resize_taps` kernel.

    Args:
        image: array (height, width, channels).
        size: `(height, width)` of the result.
        interpolation: one of `tf.image.resize`'s methods ("bilinear",
            "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
            "mitchellcubic").

    Returns:
        float32 array of shape `size + (channels,)`.

    Raises:
        ValueError: an unknown interpolation.
    """
    if interpolation not in resize.METHODS:
        raise ValueError(f"Unknown interpolation {interpolation!r}; expected one of "
                         f"{sorted(resize.METHODS)}.")
    image = np.asarray(image, dtype=np.float32)
    return resize.resize(image[None], int(size[0]), int(size[1]), interpolation)[0]


def smart_crop_box(height, width, size):
    """`(top, left, crop_height, crop_width)`: the largest centred crop with
    the aspect ratio of `size`, computed as tf-keras's `smart_resize`
    (float32 divisions truncated to int)."""
    th, tw = size
    crop_h = min(height, int(np.float32(width * th) / np.float32(tw)))
    crop_w = min(width, int(np.float32(height * tw) / np.float32(th)))
    top = int(np.float32(height - crop_h) / np.float32(2))
    left = int(np.float32(width - crop_w) / np.float32(2))
    return top, left, crop_h, crop_w


def _image_loader(paths, image_size, color_mode, interpolation, crop_to_aspect_ratio):
    """`load_into(i, out)`: image `i` decoded and resized into the float32
    slot `out` (height, width, channels). The 8-bit pixels go from Pillow's
    memory straight into the resize kernel (no array copy, no float image),
    with the GIL released in both the decoder and the kernel, so the worker
    threads of DatasetSequence run in parallel."""
    from PIL import Image  # lazy: heavy
    mode = "RGBA" if color_mode == "rgba" else "RGB"

    def pixels(path):
        try:
            # only the formats tf-keras reads are tried (Pillow's slowest
            # step after decoding is probing every format it knows)
            with Image.open(path, formats=_PIL_FORMATS) as img:
                img.load()
                if img.mode != mode:
                    img = img.convert(mode)
                return kernels().pillow_pixels(img)
        except (OSError, ValueError, SyntaxError) as e:  # PIL's errors on a bad file
            raise ValueError(f"image_dataset_from_directory could not decode the image file "
                             f"{path!r}: {type(e).__name__}: {e}") from None

    def load_into(i, out):
        x = pixels(paths[i])
        if color_mode == "grayscale":
            gray = x[:, :, :3].astype(np.int64) @ _GRAY_WEIGHTS >> 15
            x = gray.astype(np.uint8)[:, :, None]
        if crop_to_aspect_ratio:
            top, left, ch, cw = smart_crop_box(x.shape[0], x.shape[1], image_size)
            x = x[top:top + ch, left:left + cw]
        ri, rw = resize.taps(x.shape[0], image_size[0], interpolation)
        ci, cw = resize.taps(x.shape[1], image_size[1], interpolation)
        kernels().resize_u8(x, ri, rw, ci, cw, out)
    return load_into


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, **kwargs):
    """Batches of images from a folder tree, as tf-keras's function of the
    same name, returned as a `DatasetSequence` (no tf.data).

    With `labels="inferred"`, `directory` holds one sub-folder per class:

    ```
    main_directory/
    ...class_a/
    ......a_image_1.jpg
    ...class_b/
    ......b_image_1.jpg
    ```

    Files are listed, shuffled and split exactly as tf-keras does (sorted,
    then one `np.random.RandomState(seed)` shuffle), so the same `seed`
    gives the same `file_paths` and the same training/validation subsets.
    Supported formats: bmp, gif (first frame), jpeg, png.

    Args:
        directory: the folder.
        labels: `"inferred"`, None, or a list/tuple of integer labels, one
            per image file in alphanumeric order of the paths.
        label_mode: `"int"`, `"categorical"` (float32 one-hot), `"binary"`
            (float32 (n, 1), for two classes) or None (images only).
        class_names: the class sub-folders, in label order
            (`labels="inferred"` only).
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3, 4 channels).
        batch_size: images per batch; None yields single images.
        image_size: `(height, width)` every image is resized to.
        shuffle: shuffle the files (and reshuffle at every epoch end).
        seed: seed of the shuffles (required with `validation_split` and
            `shuffle`).
        validation_split: fraction of the files for validation.
        subset: `"training"`, `"validation"` or `"both"` (a list of the two).
        interpolation: a method of `tf.image.resize` ("bilinear",
            "nearest", "bicubic", "area", "lanczos3", "lanczos5",
            "gaussian", "mitchellcubic"), computed as TensorFlow does.
        follow_links: follow symbolic links to sub-folders.
        crop_to_aspect_ratio: crop the largest centred window of the target
            aspect ratio before resizing (tf-keras's `smart_resize`).

    Returns:
        A `DatasetSequence` whose items are float32 batches
        `(batch, height, width, channels)` (with their labels unless
        `label_mode` is None), with `class_names` and `file_paths`; a list
        `[training, validation]` of two for `subset="both"`.

    Raises:
        ValueError: bad arguments, a `labels` list of the wrong length, or
            no image files found.
        NotImplementedError: an unknown interpolation (tf-keras' error).

    Example:
        >>> train, val = image_dataset_from_directory(  # doctest: +SKIP
        ...     "flowers", validation_split=0.2, subset="both", seed=1,
        ...     image_size=(180, 180))
        >>> model.fit(train, validation_data=val, epochs=3)  # doctest: +SKIP
    """
    if "smart_resize" in kwargs:
        crop_to_aspect_ratio = kwargs.pop("smart_resize")
    if kwargs:
        raise TypeError(f"Unknown keywords argument(s): {tuple(kwargs.keys())}")
    labels, label_mode = dataset_utils.check_labels_args(labels, label_mode, class_names,
                                                         "image")
    if color_mode not in _CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    interpolation = str(interpolation).lower()
    if interpolation not in resize.METHODS:
        raise NotImplementedError(f"Value not recognized for `interpolation`: {interpolation}. "
                                  f"Supported values are: {sorted(resize.METHODS)}")
    if len(image_size) != 2 or min(int(s) for s in image_size) < 1:
        raise ValueError(f"`image_size` must be (height, width) of positive integers; "
                         f"received {image_size!r}")
    image_size = (int(image_size[0]), int(image_size[1]))
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=ALLOWLIST_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")

    def make(subset_name):
        sub_paths, sub_labels = dataset_utils.get_training_or_validation_split(
            paths, labels, validation_split, subset_name)
        if not sub_paths:
            what = {"training": "training images", "validation": "validation images"}.get(
                subset_name, "images")
            raise ValueError(f"No {what} found in directory {directory}. "
                             f"Allowed formats: {ALLOWLIST_FORMATS}")
        load_into = _image_loader(sub_paths, image_size, color_mode, interpolation,
                                  crop_to_aspect_ratio)
        encoded = dataset_utils.encode_labels(sub_labels, label_mode, len(class_names))
        return dataset_utils.DatasetSequence(
            len(sub_paths), None, encoded, batch_size,
            # tf-keras leaves the validation half of subset="both" unshuffled
            shuffle and not (subset == "both" and subset_name == "validation"), seed,
            class_names=class_names,
            file_paths=list(sub_paths),
            load_into=(load_into, image_size + (_CHANNELS[color_mode],), np.float32))

    if subset == "both":
        return [make("training"), make("validation")]
    return make(subset)

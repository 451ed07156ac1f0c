"""`ckeras.utils.load_img`, `img_to_array`, `array_to_img`, `save_img`: the
TF2 aliases of `ckeras.preprocessing.image`'s functions, imported on first
call so that `import ckeras` does not load the preprocessing package (and
Pillow)."""

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image into PIL format.

    Same function as `ckeras.preprocessing.image.load_img` (see there for
    every argument and error).

    Example:
        >>> img = load_img("cat.jpg", target_size=(224, 224))  # doctest: +SKIP
    """
    from ckeras.preprocessing.image.utils import load_img as _load_img  # lazy: E6
    return _load_img(path, grayscale=grayscale, color_mode=color_mode, target_size=target_size,
                     interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio)


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL Image instance to a NumPy array.

    Same function as `ckeras.preprocessing.image.img_to_array`.

    Example:
        >>> x = img_to_array(load_img("cat.jpg"))  # doctest: +SKIP
    """
    from ckeras.preprocessing.image.utils import img_to_array as _img_to_array  # lazy: E6
    return _img_to_array(img, data_format=data_format, dtype=dtype)


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3D NumPy array to a PIL Image instance.

    Same function as `ckeras.preprocessing.image.array_to_img`.

    Example:
        >>> img = array_to_img(np.zeros((8, 8, 3)))  # doctest: +SKIP
    """
    from ckeras.preprocessing.image.utils import array_to_img as _array_to_img  # lazy: E6
    return _array_to_img(x, data_format=data_format, scale=scale, dtype=dtype)


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image stored as a NumPy array to a path or file object.

    Same function as `ckeras.preprocessing.image.save_img`.

    Example:
        >>> save_img("out.png", np.zeros((8, 8, 3)))  # doctest: +SKIP
    """
    from ckeras.preprocessing.image.utils import save_img as _save_img  # lazy: E6
    return _save_img(path, x, data_format=data_format, file_format=file_format, scale=scale,
                     **kwargs)

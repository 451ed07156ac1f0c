"""Image files and arrays: `load_img`, `save_img`, `array_to_img`,
`img_to_array` (Pillow, an optional dependency, is imported when a function
needs it), and the listing of image files for the iterators."""
from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ckeras.backend import floatx, image_data_format

if TYPE_CHECKING:
    from ckeras._internal.types import ArrayLike, DTypeLike, FilePath

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]


def _pil_image():
    try:
        from PIL import Image  # lazy: heavy
    except ImportError:
        raise ImportError(
            "Reading and writing image files requires Pillow, which is an optional "
            "dependency of ckeras: install it with `pip install \"ckeras[image]\"` "
            "(or `pip install Pillow`).") from None
    return Image


def _interpolation_methods():
    Image = _pil_image()
    res = getattr(Image, "Resampling", Image)
    return {"nearest": res.NEAREST, "bilinear": res.BILINEAR, "bicubic": res.BICUBIC,
            "hamming": res.HAMMING, "box": res.BOX, "lanczos": res.LANCZOS}


def check_data_format(data_format):
    """`data_format`, or the backend's default for None; ValueError for
    anything but "channels_first"/"channels_last"."""
    if data_format is None:
        data_format = image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError('`data_format` should be "channels_last" or "channels_first". '
                         f"Received: {data_format!r}")
    return data_format


def array_to_img(x: ArrayLike, data_format: str | None = None, scale: bool = True,
                 dtype: DTypeLike | None = None) -> Any:
    """Converts a 3D NumPy array to a PIL Image instance.

    Args:
        x: Input array of rank 3 (a single image).
        data_format: `"channels_first"` or `"channels_last"`; None means
            `ckeras.backend.image_data_format()`.
        scale: Whether to rescale the values to [0, 255] (min to 0, max to
            255) before conversion.
        dtype: Dtype the array is first cast to; None means `floatx()`.

    Returns:
        A PIL Image: mode "RGBA" (4 channels), "RGB" (3) or "L"/"I" (1).

    Raises:
        ImportError: if Pillow is not installed.
        ValueError: for an array of the wrong rank or channel count.
    """
    Image = _pil_image()
    data_format = check_data_format(data_format)
    arr = np.array(x, dtype=dtype or floatx())  # a copy: the input is never modified
    if arr.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {arr.shape}")
    if data_format == "channels_first":
        arr = arr.transpose(1, 2, 0)
    if scale:
        arr = arr - np.min(arr)
        x_max = np.max(arr)
        if x_max != 0:
            arr /= x_max
        arr *= 255
    channels = arr.shape[2]
    if channels == 4:
        return Image.fromarray(arr.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(arr.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(arr) > 255:  # 32-bit signed integer grayscale
            return Image.fromarray(arr[:, :, 0].astype("int32"), "I")
        return Image.fromarray(arr[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4)")


def img_to_array(img: Any, data_format: str | None = None,
                 dtype: DTypeLike | None = None) -> np.ndarray:
    """Converts a PIL Image instance to a NumPy array.

    Args:
        img: PIL Image instance.
        data_format: `"channels_first"` or `"channels_last"`; None means
            `ckeras.backend.image_data_format()`.
        dtype: Dtype of the result; None means `floatx()`.

    Returns:
        A 3D NumPy array (`(H, W, C)` or `(C, H, W)`).

    Raises:
        ValueError: for an invalid `img` or `data_format`.
    """
    data_format = check_data_format(data_format)
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path: FilePath | Any, x: ArrayLike, data_format: str | None = None,
             file_format: str | None = None, scale: bool = True, **kwargs: Any) -> None:
    """Saves an image stored as a NumPy array to a path or file object.

    Args:
        path: Path or file object.
        x: NumPy array of rank 3.
        data_format: `"channels_first"` or `"channels_last"`.
        file_format: Optional file format (else taken from the file name).
        scale: Whether to rescale the values to [0, 255].
        **kwargs: Passed on to `PIL.Image.save()`.
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format in ("jpg", "jpeg") or (
            file_format is None and isinstance(path, (str, os.PathLike))
            and str(path).lower().endswith((".jpg", ".jpeg")))):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path: FilePath | Any, grayscale: bool = False, color_mode: str = "rgb",
             target_size: tuple[int, int] | None = None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False) -> Any:
    """Loads an image into PIL format.

    Args:
        path: Path to the image file (str, bytes, `pathlib.Path`) or an
            `io.BytesIO`.
        grayscale: Deprecated, use `color_mode="grayscale"`.
        color_mode: One of `"grayscale"`, `"rgb"`, `"rgba"`.
        target_size: None (original size) or `(height, width)`.
        interpolation: Resampling method when resizing: `"nearest"`,
            `"bilinear"`, `"bicubic"`, `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: Crop the centre to the target aspect ratio before
            resizing.

    Returns:
        A PIL Image instance.

    Raises:
        ImportError: if Pillow is not installed.
        ValueError: for an unknown color_mode or interpolation.
    """
    Image = _pil_image()
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"', stacklevel=2)
        color_mode = "grayscale"
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; got {color_mode!r}')
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))  # PIL: (width, height)
        if img.size != size:
            methods = _interpolation_methods()
            if interpolation not in methods:
                raise ValueError(f"Invalid interpolation method {interpolation!r} specified. "
                                 f"Supported methods are {', '.join(methods)}")
            resample = methods[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * size[1]) // size[0])
                crop_w = min(width, (height * size[0]) // size[1])
                h0 = (height - crop_h) // 2
                w0 = (width - crop_w) // 2
                img = img.resize(size, resample, box=[w0, h0, w0 + crop_w, h0 + crop_h])
            else:
                img = img.resize(size, resample)
    return img


def iter_valid_files(directory, white_list_formats, follow_links):
    """(root, file name) of every file below `directory`, sorted, whose
    extension is in `white_list_formats`."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda t: t[0]):
        for fname in sorted(files):
            low = fname.lower()
            if low.endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              "Please verify your output.", stacklevel=2)
            if low.endswith(tuple("." + e for e in white_list_formats)):
                yield root, fname


def validate_filename(filename, white_list_formats):
    """Whether `filename` names an existing file with an extension of
    `white_list_formats` (case-insensitive)."""
    return (filename.lower().endswith(tuple("." + e for e in white_list_formats))
            and os.path.isfile(filename))

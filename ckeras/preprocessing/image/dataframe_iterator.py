"""`DataFrameIterator`: augmented batches of the image files listed in a
dataframe (indexed by column name only: pandas is never imported)."""
import os
import warnings

import numpy as np

from ckeras.preprocessing.image.iterator import BatchFromFilesMixin, Iterator
from ckeras.preprocessing.image.utils import check_data_format, validate_filename

__all__ = ["DataFrameIterator"]


def _df_column(df, col):
    """Column `col` of a DataFrame-like object (anything with `df[col]`)."""
    try:
        return df[col]
    except (KeyError, IndexError, TypeError):
        raise KeyError(f"Column {col!r} not found in the dataframe.") from None


def _column_list(column):
    """A column's values as a Python list (pandas' `tolist()` when present)."""
    tolist = getattr(column, "tolist", None)
    return list(tolist()) if callable(tolist) else list(column)


def _column_array(column):
    """A column's values as an array (pandas' `.values` when present)."""
    values = getattr(column, "values", None)
    if values is not None and not callable(values):
        return np.asarray(values)
    return np.asarray(_column_list(column))


def _column_is_numeric(column):
    dtype = getattr(column, "dtype", None)
    if dtype is None:
        dtype = _column_array(column).dtype
    return issubclass(getattr(dtype, "type", object), np.number)


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Iterator yielding augmented batches of images listed in a dataframe.

    The dataframe is only indexed by column name (`dataframe[col]`, then
    `tolist()`/`.values` or plain iteration), so a pandas DataFrame works
    and so does e.g. a dict of equal-length lists; pandas is never imported.
    Rows keep the dataframe's order (shuffled per epoch when `shuffle`).
    Needs Pillow to read the images.

    Args:
        dataframe: The table of samples.
        directory: Directory the file names are relative to, or None when
            `x_col` holds absolute paths (an absolute path is used as is
            either way).
        image_data_generator: The `ImageDataGenerator` to use (or None).
        x_col: Column of file names (strings).
        y_col: Column of targets, or a list of columns (`"raw"`,
            `"multi_output"`).
        weight_col: Optional column of (numeric) sample weights; batches
            then carry them as a third element (not with `class_mode=None`).
        target_size: `(height, width)` every image is resized to.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
        classes: Optional list of classes to keep, in class-index order;
            rows whose label is not among them are dropped (and labels
            outside them removed from multi-label rows). Default: the sorted
            unique labels.
        class_mode: How `y_col` becomes targets:
            `"categorical"` (default): one-hot float rows; a label may be a
                string or a list/tuple of strings (multi-hot).
            `"binary"`: float 0/1 class index of string labels, exactly two
                classes.
            `"sparse"`: float class index of string labels.
            `"raw"`: the values of `y_col` (one column or several) as is.
            `"multi_output"`: a list with one array per column of `y_col`
                (which must be a list).
            `"input"`: the images themselves. None: images only.
        batch_size: As in `Iterator`.
        shuffle: As in `Iterator`.
        seed: As in `Iterator`.
        data_format: `"channels_first"` or `"channels_last"`.
        save_to_dir: Optionally save the augmented images in this folder.
        save_prefix: File name prefix of the saved images.
        save_format: File format of the saved images.
        subset: `"training"` or `"validation"`: validation is the first
            `int(n * validation_split)` rows (after filtering), training the
            rest.
        interpolation: Resampling used to reach `target_size`.
        keep_aspect_ratio: Centre-crop to the target aspect ratio first.
        dtype: Dtype of the generated arrays.
        validate_filenames: Drop (with a warning) rows whose file does not
            exist or does not end in a supported image extension
            (png/jpg/jpeg/bmp/ppm/tif/tiff, case-insensitive; tf-keras does
            not require the dot before the extension, ckeras does).

    Attributes:
        filenames: The file names of the kept rows.
        filepaths: Their full paths.
        samples: Number of kept rows.
        classes: Class index, or list of indices, per sample; None without
            classes.
        class_indices: Class name -> index; empty without classes.
        labels: `classes`, or the targets of `"raw"`/`"multi_output"`.
        sample_weight: The weights of `weight_col`, or None.

    Raises:
        ValueError: for an unknown class_mode/color_mode/subset, or not two
            classes with `"binary"`.
        TypeError: for non-string file names, labels of the wrong type for
            the class_mode, a non-list `y_col` with `"multi_output"`, or
            non-numeric weights.
        KeyError: for a missing column.
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse",
                           None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                 seed=None, data_format="channels_last", save_to_dir=None, save_prefix="",
                 save_format="png", subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype="float32", validate_filenames=True):
        data_format = check_data_format(data_format)
        self._set_reading_attrs(image_data_generator, target_size, color_mode, data_format,
                                save_to_dir, save_prefix, save_format, subset, interpolation,
                                keep_aspect_ratio, dtype)
        self.directory = directory or ""
        self.class_mode = class_mode
        with_classes = class_mode not in ("input", "multi_output", "raw", None)
        fnames, labels, weights = self._read_columns(dataframe, x_col, y_col, weight_col,
                                                     classes)
        rows = list(range(len(fnames)))
        if validate_filenames:
            rows = [r for r in rows if validate_filename(
                os.path.join(self.directory, fnames[r]), self.white_list_formats)]
            n_invalid = len(fnames) - len(rows)
            if n_invalid:
                warnings.warn(f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". '
                              "These filename(s) will be ignored.", stacklevel=2)
        if with_classes:
            rows, labels, classes = self._filter_classes(rows, labels, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        else:
            self.class_indices = {}
        if self.split:
            n = len(rows)
            rows = rows[int(self.split[0] * n):int(self.split[1] * n)]
        if with_classes:
            self.classes = [[self.class_indices[c] for c in labels[r]]
                            if isinstance(labels[r], (list, tuple))
                            else self.class_indices[labels[r]] for r in rows]
        else:
            self.classes = None
        self.filenames = [fnames[r] for r in rows]
        self._sample_weight = None if weights is None else weights[rows]
        self._targets = None
        if class_mode == "multi_output":
            self._targets = [np.array([col[r] for r in rows]) for col in labels]
        elif class_mode == "raw":
            self._targets = labels[rows]
        self.samples = len(self.filenames)
        state = "validated" if validate_filenames else "non-validated"
        if with_classes:
            print(f"Found {self.samples} {state} image filenames belonging to "
                  f"{len(classes)} classes.")
        else:
            print(f"Found {self.samples} {state} image filenames.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _read_columns(self, df, x_col, y_col, weight_col, classes):
        """Checks the arguments against the dataframe (tf-keras' checks, in
        its order) and returns file names, labels and weights."""
        mode = self.class_mode
        if mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {mode!r}; expected one of: "
                             '"binary", "categorical", "input", "multi_output", "raw", '
                             '"sparse", None')
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="{mode}", y_col must be a list. '
                            f"Received {type(y_col).__name__}.")
        fnames = _column_list(_df_column(df, x_col))
        if not all(isinstance(f, str) for f in fnames):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        n = len(fnames)
        labels = None
        if mode in {"binary", "sparse", "categorical"}:
            labels = _column_list(_df_column(df, y_col))
            if mode in {"binary", "sparse"} and not all(isinstance(v, str) for v in labels):
                raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must '
                                "be strings.")
            if mode == "binary":
                if classes:
                    if len(set(classes)) != 2:
                        raise ValueError('If class_mode="binary" there must be 2 classes. '
                                         f"{len(set(classes))} class/es were given.")
                elif len(set(labels)) != 2:
                    raise ValueError('If class_mode="binary" there must be 2 classes. '
                                     f"Found {len(set(labels))} classes.")
            if mode == "categorical" and not all(isinstance(v, (str, list, tuple))
                                                 for v in labels):
                raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must '
                                "be type string, list or tuple.")
        elif mode == "multi_output":
            labels = [_column_list(_df_column(df, c)) for c in y_col]
        elif mode == "raw":
            if isinstance(y_col, (list, tuple)):
                labels = np.stack([_column_array(_df_column(df, c)) for c in y_col], axis=1)
            else:
                labels = _column_array(_df_column(df, y_col))
        if classes and mode in {"input", "multi_output", "raw", None}:
            warnings.warn(f'`classes` will be ignored given the class_mode="{mode}"', stacklevel=2)
        weights = None
        if weight_col:
            column = _df_column(df, weight_col)
            if not _column_is_numeric(column):
                raise TypeError(f"Column weight_col={weight_col} must be numeric.")
            weights = _column_array(column)
        for name, vals in (("y_col", labels if mode != "multi_output" else None),
                           ("weight_col", weights)):
            if vals is not None and len(vals) != n:
                raise ValueError(f"Column {name} has {len(vals)} values, x_col={x_col!r} "
                                 f"has {n}.")
        if mode == "multi_output" and any(len(v) != n for v in labels):
            raise ValueError(f"The y_col columns must have {n} values like x_col={x_col!r}.")
        return fnames, labels, weights

    @staticmethod
    def _filter_classes(rows, labels, classes):
        """Restrict the labels to `classes` (dropping rows left without one)
        or collect the sorted unique labels; returns rows, labels, classes."""
        if classes:
            classes = list(dict.fromkeys(classes))
            keep = set(classes)
            labels = list(labels)
            kept = []
            for r in rows:
                if isinstance(labels[r], (list, tuple)):
                    labels[r] = [c for c in labels[r] if c in keep]
                    if not labels[r]:
                        continue
                elif labels[r] not in keep:
                    continue
                kept.append(r)
            return kept, labels, classes
        found = set()
        for r in rows:
            if isinstance(labels[r], (list, tuple)):
                found.update(labels[r])
            else:
                found.add(labels[r])
        return rows, labels, sorted(found)

    @property
    def filepaths(self):
        """List of the paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """`classes`, or the targets of class_mode "raw"/"multi_output"."""
        if self.class_mode in {"multi_output", "raw"}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight

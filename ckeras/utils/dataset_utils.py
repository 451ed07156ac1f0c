"""What the `*_dataset_from_directory` functions share: listing a folder
tree in tf-keras's order, the training/validation split, label encodings,
and `DatasetSequence`, the batch provider they return (ckeras has no
`tf.data`)."""
import concurrent.futures
import os

import numpy as np

from ckeras.utils.data_utils import Sequence

__all__ = ["DatasetSequence", "check_validation_split_arg", "get_training_or_validation_split",
           "index_directory", "encode_labels"]


def _iter_valid_files(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda t: t[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """Lists the files of `directory` as tf-keras does: class folders sorted
    by name, files sorted (walking down sorted sub-folders), then one seeded
    `np.random.RandomState` shuffle of the paths and the same shuffle of the
    labels.

    Args:
        directory: the folder.
        labels: `"inferred"` (label = index of the class folder), None (no
            labels: the files directly in `directory` and below), or a
            list/tuple of labels, one per file in sorted order.
        formats: tuple of accepted lower-case extensions (`(".txt",)`).
        class_names: the class folders, in label order (`"inferred"` only).
        shuffle: shuffle the files.
        seed: seed of the shuffle; None draws one.
        follow_links: follow symbolic links to folders.
        verbose: print Keras' "Found N files ..." line.

    Returns:
        `(file_paths, labels, class_names)`.

    Raises:
        ValueError: the folder does not exist, `class_names` do not match
            the sub-folders, or `labels` is not one label per file.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder; received {directory!r}, "
                         "which is not one.")
    if labels != "inferred":
        subdirs = [""]
        class_names = subdirs
    else:
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if not class_names:
            class_names = subdirs
        elif set(class_names) != set(subdirs):
            raise ValueError("The `class_names` passed did not match the names of the "
                             f"subdirectories of the target directory. Expected: {subdirs}, "
                             f"but received: {class_names}")
    class_indices = {name: i for i, name in enumerate(class_names)}
    filenames, found_labels = [], []
    for subdir in subdirs:
        folder = os.path.join(directory, subdir)
        for root, fname in _iter_valid_files(folder, follow_links, formats):
            filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, fname),
                                                                  folder)))
            found_labels.append(class_indices[subdir])
    if labels not in ("inferred", None):
        if len(labels) != len(filenames):
            raise ValueError("Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(filenames)} files in directory {directory}.")
        class_names = sorted(set(labels))
        labels = list(labels)
    else:
        labels = np.array(found_labels, dtype="int32")
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras' checks of `validation_split`/`subset` (ValueError)."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def get_training_or_validation_split(samples, labels, validation_split, subset,
                                     verbose=True):
    """The last `int(validation_split * n)` samples are the validation
    subset, the others the training subset (tf-keras's split)."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        if verbose:
            print(f"Using {len(samples) - num_val} files for training.")
        cut = slice(None, len(samples) - num_val)
    elif subset == "validation":
        if verbose:
            print(f"Using {num_val} files for validation.")
        cut = slice(len(samples) - num_val, None)
    else:
        raise ValueError('`subset` must be either "training" or "validation", '
                         f"received: {subset}")
    return samples[cut], (labels[cut] if labels is not None else None)


def check_labels_args(labels, label_mode, class_names, what):
    """Keras' checks of `labels`/`label_mode`/`class_names`; returns the
    `(labels, label_mode)` to use (both None when either is None)."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of "
                             f"the same size as the number of {what} files in the target "
                             "directory. If you wish to infer the labels from the "
                             'subdirectory names in the target directory, pass `labels='
                             '"inferred"`. If you wish to get a dataset that only contains '
                             f"{what} files (no labels), pass `labels=None`. Received: "
                             f"labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def encode_labels(labels, label_mode, num_classes):
    """Labels as tf-keras's datasets yield them: int (as given), binary
    (float32 of shape (n, 1)) or categorical (float32 one-hot)."""
    if label_mode is None:
        return None
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels.astype("int64")]
    return labels


_POOL = None
_WORKERS = max(1, min(4, os.cpu_count() or 1))


def _pool():
    global _POOL
    if _POOL is None:
        _POOL = concurrent.futures.ThreadPoolExecutor(_WORKERS)
    return _POOL


def _fill_run(fill, indices, out):
    for k, i in enumerate(indices):
        fill(i, out[k])


class DatasetSequence(Sequence):
    """The batches of a `*_dataset_from_directory` (or
    `timeseries_dataset_from_array`) call: a `ckeras.utils.Sequence` that
    `fit`/`evaluate`/`predict` accept, and that can be iterated.

    Item `i` is batch `i`: `x` (or `(x, y)` when there are labels). With
    `batch_size=None` an item is one sample. This is not a `tf.data`
    dataset: there is no `.batch`/`.map`/`.prefetch`; batches are loaded on
    demand, files decoded on worker threads.

    The first epoch follows tf-keras's file order (`file_paths`); with
    `shuffle=True`, the order is shuffled again at every `on_epoch_end`
    (tf-keras reshuffles within a buffer through tf.data, which cannot be
    reproduced without TensorFlow).

    Attributes:
        class_names: the class names, in label order (None without labels).
        file_paths: the files, in the order of the first epoch.
    """

    def __init__(self, num_samples, load_sample, labels, batch_size, shuffle, seed,
                 class_names=None, file_paths=None, threaded=True, load_into=None):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"`batch_size` must be a positive integer or None; received "
                             f"{batch_size!r}")
        self._n = int(num_samples)
        self._load = load_sample
        # (fill(i, out), sample shape, dtype): samples written straight into
        # their batch's slot, with no per-sample array and no stacking copy
        self._load_into = load_into
        if load_into is not None:
            self._load = self._load_one
        self._labels = labels
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self._rng = np.random.RandomState(seed)
        self._order = np.arange(self._n)
        self._threaded = threaded
        self.class_names = class_names
        self.file_paths = file_paths

    def __len__(self):
        if self.batch_size is None:
            return self._n
        return -(-self._n // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            i = self._order[index]
            x = self._load(i)
            return x if self._labels is None else (x, self._labels[i])
        if self._threaded:
            return self._assemble(*self._submit(index))
        idx = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        return self._assemble(idx, [self._load(i) for i in idx])

    def __iter__(self):
        """The batches in order; while one is handed out, the worker threads
        already decode the next (as tf.data's prefetch)."""
        if not self._threaded or self.batch_size is None:
            yield from super().__iter__()
            return
        pending = self._submit(0) if len(self) else None
        for index in range(len(self)):
            ahead = self._submit(index + 1) if index + 1 < len(self) else None
            yield self._assemble(*pending)
            pending = ahead

    def _load_one(self, i):
        fill, shape, dtype = self._load_into
        out = np.empty(shape, dtype)
        fill(i, out)
        return out

    def _submit(self, index):
        """(the sample indices of batch `index`, futures of their samples;
        with `load_into`, the batch they fill and the futures of the fills)."""
        idx = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        if self._load_into is None:
            return idx, [_pool().submit(self._load, i) for i in idx]
        fill, shape, dtype = self._load_into
        batch = np.empty((len(idx),) + tuple(shape), dtype)
        # two runs of consecutive samples per worker: each task, and each
        # wait for one, is a thread wake-up, which costs milliseconds on a
        # busy machine, so a batch is not split into one task per sample
        step = -(-len(idx) // (2 * _WORKERS))
        return idx, (batch, [_pool().submit(_fill_run, fill, idx[k:k + step], batch[k:k + step])
                             for k in range(0, len(idx), step)])

    def _assemble(self, idx, samples):
        """Batch of the samples (or futures of them) of indices `idx`."""
        if isinstance(samples, tuple):
            batch, fills = samples
            for f in fills:
                f.result()
            return batch if self._labels is None else (batch, self._labels[idx])
        samples = [s.result() if isinstance(s, concurrent.futures.Future) else s
                   for s in samples]
        if isinstance(samples[0], bytes):
            x = np.empty(len(samples), dtype=object)
            x[:] = samples
        else:
            x = np.stack(samples)
        return x if self._labels is None else (x, self._labels[idx])

    def on_epoch_end(self):
        """Shuffles the sample order for the next epoch (`shuffle=True`)."""
        if self.shuffle:
            self._rng.shuffle(self._order)

"""`text_dataset_from_directory`: a folder of `.txt` files (one sub-folder
per class) as batches of byte strings."""
import numpy as np

from ckeras.utils import dataset_utils

__all__ = ["text_dataset_from_directory"]


def _text_loader(paths, max_length):
    def load(i):
        with open(paths[i], "rb") as f:
            return f.read() if max_length is None else f.read(max_length)
    return load


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False):
    """Batches of texts from a folder tree of `.txt` files, as tf-keras's
    function of the same name, returned as a `DatasetSequence` (no tf.data).

    Files are listed, shuffled and split exactly as tf-keras does, so the
    same `seed` gives the same `file_paths` and subsets. Each text is the
    file's raw bytes (as tf-keras's string tensors hold them): a batch `x`
    is a 1-D object array of `bytes`.

    Args:
        directory: the folder (one sub-folder per class with
            `labels="inferred"`).
        labels: `"inferred"`, None, or a list/tuple of integer labels, one
            per file in alphanumeric order of the paths.
        label_mode: `"int"`, `"categorical"`, `"binary"` or None.
        class_names: the class sub-folders, in label order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep at most this many bytes of each file.
        shuffle: shuffle the files (and reshuffle at every epoch end).
        seed: seed of the shuffles.
        validation_split: fraction of the files for validation.
        subset: `"training"`, `"validation"` or `"both"`.
        follow_links: follow symbolic links to sub-folders.

    Returns:
        A `DatasetSequence` (`class_names`, `file_paths`), or a list of two
        for `subset="both"`.

    Raises:
        ValueError: bad arguments, a `labels` list of the wrong length, or
            no `.txt` files found.

    Example:
        >>> train = text_dataset_from_directory("aclImdb/train", seed=1)  # doctest: +SKIP
    """
    labels, label_mode = dataset_utils.check_labels_args(labels, label_mode, class_names,
                                                         "text")
    if max_length is not None and (not isinstance(max_length, (int, np.integer))
                                   or max_length < 0):
        raise ValueError(f"`max_length` must be a non-negative integer or None; received "
                         f"{max_length!r}")
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=(".txt",), class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")

    def make(subset_name):
        sub_paths, sub_labels = dataset_utils.get_training_or_validation_split(
            paths, labels, validation_split, subset_name)
        if not sub_paths:
            what = {"training": "training text files",
                    "validation": "validation text files"}.get(subset_name, "text files")
            raise ValueError(f"No {what} found in directory {directory}. "
                             "Allowed format: .txt")
        return dataset_utils.DatasetSequence(
            len(sub_paths), _text_loader(sub_paths, max_length),
            dataset_utils.encode_labels(sub_labels, label_mode, len(class_names)), batch_size,
            shuffle and not (subset == "both" and subset_name == "validation"), seed,
            class_names=class_names, file_paths=list(sub_paths), threaded=False)

    if subset == "both":
        return [make("training"), make("validation")]
    return make(subset)

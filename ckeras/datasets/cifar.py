"""The CIFAR python batches, read without unpickling (see pickle_reader)."""
import numpy as np

from ckeras.datasets.pickle_reader import read_pickle

__all__ = ["load_batch"]


def load_batch(fpath, label_key="labels"):
    """Reads one CIFAR batch file.

    Args:
        fpath: path of the batch (a Python 2 pickle of a dict).
        label_key: `"labels"` (CIFAR-10), `"fine_labels"` or
            `"coarse_labels"` (CIFAR-100).

    Returns:
        `(data, labels)`: uint8 images of shape (n, 3, 32, 32) and the list
        of labels.

    Raises:
        ValueError: the file is not a CIFAR batch.
    """
    with open(fpath, "rb") as f:
        batch = read_pickle(f.read())
    if not isinstance(batch, dict):
        raise ValueError(f"{fpath!r} is not a CIFAR batch: it holds a "
                         f"{type(batch).__name__}, not a dict.")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"{fpath!r} is not a CIFAR batch with {label_key!r}: its keys are "
                         f"{sorted(batch)}.")
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.size % 3072:
        raise ValueError(f"{fpath!r}: 'data' is not an array of 32x32x3 images.")
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]

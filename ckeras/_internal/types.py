"""Aliases for the type hints of ckeras' public signatures.

Annotation-only: modules import these under `typing.TYPE_CHECKING` (with
`from __future__ import annotations`), so `import ckeras` does not pay for
`numpy.typing`.
"""
import os
from typing import Any, Union

from numpy.typing import ArrayLike, DTypeLike

# A file name as Keras takes it: a str or a pathlib.Path.
FilePath = Union[str, "os.PathLike[str]"]
# An open h5py File or Group, which the HDF5 entry points also take (h5py
# is imported lazily, so it is not named here).
H5Group = Any
# Model inputs and targets: an array, a list or dict of arrays (one per
# model input/output), a generator or a `ckeras.utils.Sequence`.
ModelData = Any
# A shape with unknown (None) dimensions allowed, batch dimension included.
Shape = tuple[Union[int, None], ...]

__all__ = ["ArrayLike", "DTypeLike", "FilePath", "H5Group", "ModelData", "Shape"]

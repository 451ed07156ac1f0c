"""Scaling out on Dask (`pip install ckeras[dask]`).

`DaskStrategy` trains a model compiled in its `scope()` on a Dask cluster
(synchronous data parallelism, exact); `fit`, `evaluate` and `predict`
take Dask arrays and DataFrames. Dask is imported only when one of these
runs; `import ckeras` never loads this package.
"""
from ckeras.distribute.dask_strategy import DaskStrategy
from ckeras.distribute.inference import evaluate, predict

__all__ = ["DaskStrategy", "evaluate", "predict"]

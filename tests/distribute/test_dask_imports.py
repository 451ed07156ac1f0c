"""Dask loads only for Dask data or a strategy; ordinary calls never import it."""
import subprocess
import sys

from ckeras._internal.distribution import holds_dask, is_dask_collection


def test_plain_fit_predict_never_import_dask():
    code = (
        "import sys, numpy as np\n"
        "from ckeras import Sequential, Input, layers\n"
        "m = Sequential([Input((3,)), layers.Dense(2)])\n"
        "m.compile('sgd', 'mse')\n"
        "m.fit(np.ones((8, 3)), np.ones((8, 2)), verbose=0)\n"
        "m.evaluate(np.ones((8, 3)), np.ones((8, 2)), verbose=0)\n"
        "m.predict(np.ones((4, 3)))\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] in "
        "('dask', 'distributed') or k.startswith('ckeras.distribute')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_ckeras_distribute_loads_on_first_access():
    code = ("import sys, ckeras\n"
            "assert 'ckeras.distribute' not in sys.modules\n"
            "print(ckeras.distribute.DaskStrategy.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "DaskStrategy"


def test_dask_collections_are_told_by_their_module():
    import dask.array as da
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd
    x = da.zeros((4, 2), chunks=2)
    frame = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0]}), npartitions=1)
    assert is_dask_collection(x) and is_dask_collection(frame)
    assert not is_dask_collection(np.zeros(2)) and not is_dask_collection([x])
    assert holds_dask({"a": np.zeros(2), "b": x}) and holds_dask(None, [np.zeros(1), frame])
    assert not holds_dask(np.zeros(2), {"a": np.zeros(1)}, [np.zeros(1)], None)

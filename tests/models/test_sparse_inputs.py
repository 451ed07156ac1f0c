"""SciPy sparse matrices as fit/evaluate/predict inputs: densified batch by
batch (Keras 2), recognised by their interface so SciPy is never imported.
The duck-typed `CSR` below runs everywhere; the SciPy test runs where SciPy
is installed."""
import sys

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Model, Sequential


class CSR:
    """The part of scipy.sparse.csr_matrix's interface that ckeras uses:
    tocsr, toarray, nnz, shape, ndim, dtype, astype, row indexing. Records
    the densified sizes so the test can see that no batch grew to the
    whole matrix."""

    densified = []

    def __init__(self, dense):
        self._dense = np.asarray(dense)

    shape = property(lambda self: self._dense.shape)
    dtype = property(lambda self: self._dense.dtype)
    ndim = 2
    nnz = property(lambda self: int(np.count_nonzero(self._dense)))

    def tocsr(self):
        return self

    def astype(self, dtype):
        return CSR(self._dense.astype(dtype))

    def toarray(self):
        CSR.densified.append(len(self._dense))
        return self._dense.copy()

    def __getitem__(self, index):
        return CSR(self._dense[index])

    def __array__(self, *args, **kwargs):
        raise AssertionError("a sparse matrix must not be densified as a whole")


def _data(n=10):
    rng = np.random.default_rng(0)
    dense = (rng.random((n, 6)) > 0.7) * rng.random((n, 6))
    return dense.astype("float64"), rng.random((n, 1)).astype("float32")


def _model():
    model = Sequential([L.Dense(2, input_shape=(6,), activation="relu"), L.Dense(1)])
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32")
                       for w in model.get_weights()])
    model.compile("sgd", "mse")
    return model


def test_sparse_inputs_train_and_predict_like_their_dense_arrays():
    dense, y = _data()
    a, b = _model(), _model()
    CSR.densified = []
    ha = a.fit(CSR(dense), y, batch_size=4, epochs=2, shuffle=True, verbose=0,
               validation_split=0.2)
    np.random.seed(0)
    assert max(CSR.densified) <= 4          # batch by batch, never the whole matrix
    hb = b.fit(dense.astype("float32"), y, batch_size=4, epochs=2, shuffle=False, verbose=0,
               validation_split=0.2)
    assert sorted(ha.history) == sorted(hb.history)
    a2, b2 = _model(), _model()
    a2.fit(CSR(dense), y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    b2.fit(dense.astype("float32"), y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a2.get_weights(), b2.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a2.predict(CSR(dense), batch_size=3),
                                  b2.predict(dense.astype("float32"), batch_size=3))
    assert a2.evaluate(CSR(dense), y, verbose=0) == b2.evaluate(dense, y, verbose=0)
    np.testing.assert_array_equal(a2.predict_on_batch(CSR(dense)),
                                  b2.predict_on_batch(dense.astype("float32")))
    assert a2.train_on_batch(CSR(dense), y) == b2.train_on_batch(dense.astype("float32"), y)


def test_sparse_input_of_the_wrong_width_is_named():
    dense, y = _data()
    with pytest.raises(ValueError, match="sparse matrix of shape=\\(10, 5\\)"):
        _model().predict(CSR(dense[:, :5]))


def test_sparse_inputs_reach_a_subclassed_model_dense():
    seen = []

    class Sub(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            seen.append(type(x).__name__)
            return self.d(x)

    dense, y = _data()
    model = Sub()
    model.compile("sgd", "mse")
    model.fit(CSR(dense), y, batch_size=5, epochs=1, verbose=0)
    assert model.predict(CSR(dense)).shape == (10, 1)
    assert "CSR" not in seen and seen   # dense arrays reach call


def test_scipy_sparse_matrices_when_scipy_is_installed():
    sparse = pytest.importorskip("scipy.sparse")
    dense, y = _data()
    a, b = _model(), _model()
    a.fit(sparse.csr_matrix(dense), y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    b.fit(dense, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_array_equal(a.predict(sparse.coo_matrix(dense)), b.predict(dense))


def test_ckeras_does_not_import_scipy_for_dense_data():
    import subprocess
    code = ("import numpy as np, sys; from ckeras.models import Sequential; "
            "from ckeras.layers import Dense; m = Sequential([Dense(1, input_shape=(2,))]); "
            "m.compile('sgd', 'mse'); m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0); "
            "m.predict(np.ones((2, 2))); print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"

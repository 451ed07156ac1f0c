"""One in-process Dask cluster (2 single-threaded workers) for the module."""
import pytest
from distributed import Client, LocalCluster

from ckeras.distribute import DaskStrategy


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=":0")
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def strategy(client):
    return DaskStrategy(client)

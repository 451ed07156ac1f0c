"""Where Model.fit/evaluate/predict hand over (engine -> distribute, E9)."""
from ckeras.distribute import inference, replica, training


def _strategy(model):
    return getattr(model, "_distribute_strategy", None)


def fit(model, **kwargs):
    """`Model.fit` of a model compiled in a strategy scope, or given Dask data."""
    strategy = _strategy(model)
    if strategy is None:
        raise ValueError(
            f"Model {model.name}: fit received Dask collections, which train on a Dask "
            "cluster: create and compile the model inside `with DaskStrategy(client)."
            "scope():` (ckeras.distribute), or compute the data into NumPy arrays.")
    replica.check_shippable(model)
    return training.fit(strategy, model, **kwargs)


def evaluate(model, **kwargs):
    """`Model.evaluate` over Dask collections."""
    replica.check_shippable(model)
    strategy = _strategy(model)
    if strategy is not None:
        strategy.workers()
    return inference.evaluate(model, client=None if strategy is None else strategy.client,
                              custom_objects=None if strategy is None
                              else strategy.custom_objects, **kwargs)


def predict(model, **kwargs):
    """`Model.predict` over Dask collections (lazy)."""
    replica.check_shippable(model)
    strategy = _strategy(model)
    return inference.predict(model, custom_objects=None if strategy is None
                             else strategy.custom_objects, **kwargs)


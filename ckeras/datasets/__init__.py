"""Keras' datasets (downloaded once into Keras' cache, `~/.keras/datasets`,
by `ckeras.utils.get_file`) and two small sets shipped in the package for
offline demos (`digits`, `reviews`)."""
from ckeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    digits,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
    reviews,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "digits",
           "fashion_mnist", "imdb", "mnist", "reuters", "reviews"]

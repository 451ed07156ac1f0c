"""Small datasets shipped inside the package (nothing is downloaded)."""
from ckeras.datasets import digits, reviews

__all__ = ["digits", "reviews"]

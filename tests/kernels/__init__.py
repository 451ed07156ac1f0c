"""Kernel tests, one module per kernel family (tests/kernels/test_<family>.py).

A package, so their names may repeat the public-API test modules of
tests/preprocessing (test_text, test_sequence, test_image)."""

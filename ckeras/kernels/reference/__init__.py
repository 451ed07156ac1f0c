"""NumPy references of the C kernels, one module per kernel family.

Each op has the signature, argument checks and errors of its C twin in
``ckeras._ext._<family>``; they are the oracle of ``tests/kernels`` and the
implementation when ``ckeras.kernels`` runs in NumPy mode. Only the
registry (``ckeras.kernels``) and the tests import these modules.
"""

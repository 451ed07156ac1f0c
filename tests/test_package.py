"""The top-level package: lazy submodules and a light import."""
import subprocess
import sys

import pytest


def test_lazy_submodules_load_on_attribute_access():
    code = ("import sys, ckeras; "
            "assert 'ckeras.optimizers' not in sys.modules; "
            "assert 'h5py' not in sys.modules and 'yaml' not in sys.modules; "
            "from ckeras import optimizers; "
            "assert ckeras.optimizers.Adam is optimizers.Adam; "
            "assert ckeras.preprocessing.sequence.pad_sequences([[1]], maxlen=2).tolist() "
            "== [[0, 1]]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_attribute_raises():
    import ckeras
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = ckeras.nope


def test_licence_is_apache_2_in_metadata_and_repo():
    import importlib.metadata
    import pathlib
    meta = importlib.metadata.metadata("ckeras")
    assert meta["License-Expression"].split(" AND ")[0] == "Apache-2.0"
    licence = pathlib.Path(__file__).resolve().parents[1] / "LICENSE"
    text = licence.read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_layers_all_lists_every_public_layer_and_function():
    import ckeras.layers as L
    public = {n for n, o in vars(L).items()
              if not n.startswith("_") and callable(o) and n != "module_objects"}
    # The lazy names (loaded on first access) count whether or not an
    # earlier test has touched them.
    public |= set(L._LAZY)
    assert set(L.__all__) == public
    assert {"Dense", "LSTM", "Bidirectional", "concatenate", "serialize", "Input"} <= public

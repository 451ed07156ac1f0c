"""Preprocessing runs on the active kernels (ckeras.kernels): in each mode,
pad_sequences, the text functions, the Tokenizer, apply_affine_transform and
the text and image preprocessing layers (TextVectorization, Hashing, Resizing,
RandomRotation) and image_dataset_from_directory call the ops of that mode and
no other, and CKERAS_KERNELS=numpy reaches them."""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from ckeras import kernels as registry
from ckeras.layers import HashedCrossing, Hashing, RandomRotation, Resizing, TextVectorization
from ckeras.preprocessing import image, sequence, text
from ckeras.utils import image_dataset_from_directory

FAMILIES = ("sequence", "text", "image")


@pytest.fixture
def spied(monkeypatch):
    """Wraps every preprocessing op of both implementations; returns the list
    of (module, op) calls."""
    calls = []

    def spy(module, op, fn):
        def wrapper(*args, **kwargs):
            calls.append((module.__name__, op))
            return fn(*args, **kwargs)
        return wrapper

    for family in FAMILIES:
        for module in (registry.c_module(family), registry.reference_module(family)):
            for op in registry.FAMILIES[family]:
                monkeypatch.setattr(module, op, spy(module, op, getattr(module, op)))
    return calls


def _run_everything(tag):
    """Calls that take every fast path once; `tag`, a character of its own,
    keeps the text functions off byte tables cached by other tests."""
    out = {"pad": sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()}
    filters = text.DEFAULT_FILTERS + tag
    out["words"] = text.text_to_word_sequence("The cat, the DOG!", filters=filters)
    out["md5"] = text.hashing_trick("the cat", 50, "md5", filters=filters)
    out["md5_tokens"] = text.hashing_trick("x y", 50, "md5", analyzer=str.split)
    out["hash"] = text.hashing_trick("the cat", 50, filters=filters)
    tok = text.Tokenizer(filters=filters)
    tok.fit_on_texts(["the cat sat", "the dog"])
    out["tok"] = (tok.word_index, tok.texts_to_sequences(["the dog sat on"]))
    x = np.arange(30, dtype=np.float32).reshape(5, 6, 1)
    out["affine"] = [image.apply_affine_transform(x, theta=30, row_axis=0, col_axis=1,
                                                  channel_axis=2, order=k).tolist()
                     for k in (0, 1, 3)]
    out["resizing"] = np.asarray(Resizing(3, 4)(x[None])).tolist()
    out["rotation"] = np.asarray(RandomRotation((0.1, 0.1))(x[None], training=True)).tolist()
    tv = TextVectorization(output_sequence_length=4)
    tv.adapt(["The cat sat.", "the dog!"])
    out["textvec"] = np.asarray(tv(np.array(["the cat ran"]))).tolist()
    bag = TextVectorization(output_mode="count", ngrams=2)
    bag.adapt(["The cat sat.", "the dog!"])
    out["textvec_count"] = np.asarray(bag(np.array(["the cat sat", "dog"]))).tolist()
    whole = TextVectorization(split=None)
    whole.adapt(["The cat sat.", "the dog!"])
    out["textvec_whole"] = np.asarray(whole(np.array(["the dog!", "a"]))).tolist()
    out["hashing"] = np.asarray(Hashing(num_bins=5, salt=1)(np.array(["a", "b"]))).tolist()
    out["crossing"] = np.asarray(HashedCrossing(num_bins=7)(
        [np.array(["a", "b"]), np.array([1, 2])])).tolist()
    from PIL import Image  # the decoder of image_dataset_from_directory
    with tempfile.TemporaryDirectory() as root, contextlib.redirect_stdout(io.StringIO()):
        os.makedirs(os.path.join(root, "a"))
        rgb = (np.arange(5 * 6 * 3) * 3 % 256).astype(np.uint8).reshape(5, 6, 3)
        Image.fromarray(rgb).save(os.path.join(root, "a", "x.png"))
        ds = image_dataset_from_directory(root, image_size=(3, 4), batch_size=1,
                                          shuffle=False, label_mode=None)
        out["dataset"] = np.asarray(ds[0]).tolist()
    return out


@pytest.mark.parametrize("mode", ["c", "numpy"])
def test_every_preprocessing_fast_path_runs_the_active_kernels(spied, mode):
    with registry.use_kernels(mode) as k:
        for family in FAMILIES:
            assert {k.implementation[op] for op in registry.FAMILIES[family]} == {mode}
        _run_everything(chr(0x2100 + len(mode)))
    modules = {m for m, _ in spied}
    if mode == "c":
        assert modules == {f"ckeras._ext._{f}" for f in FAMILIES}
    else:
        assert modules == {f"ckeras.kernels.reference.{f}" for f in FAMILIES}
    used = {op for _, op in spied}
    assert used == {op for f in FAMILIES for op in registry.FAMILIES[f]} - {"md5_int"}


def test_environment_variable_reaches_preprocessing():
    code = ("import json, sys\n"
            f"sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})\n"
            "from ckeras import kernels\n"
            "from test_kernel_modes import _run_everything\n"
            "k = kernels.kernels()\n"
            "mods = sorted({getattr(k, op).__module__ for f in ('sequence', 'text', 'image')\n"
            "               for op in kernels.FAMILIES[f]})\n"
            "print(json.dumps([k.name, mods, _run_everything('\\u2200')]))\n")
    env = dict(os.environ, CKERAS_KERNELS="numpy")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    name, mods, got = json.loads(r.stdout)
    assert name == "numpy"
    assert mods == [f"ckeras.kernels.reference.{f}" for f in ("image", "sequence", "text")]
    with registry.use_kernels("c"):
        want = json.loads(json.dumps(_run_everything("\u2200")))
    del got["hash"], want["hash"]  # Python's str hash is salted per process
    # float rounding differs between C and NumPy
    resampled = ("affine", "resizing", "rotation", "dataset")
    got_images = [got.pop(key) for key in resampled]
    want_images = [want.pop(key) for key in resampled]
    assert got == want
    for g, w in zip(got_images, want_images):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-5)

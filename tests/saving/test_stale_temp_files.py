"""Temporary files of saves that were killed are deleted by the next save to
the same folder (issue #19, item 11), and nothing else is."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Sequential, load_model


def _model():
    return Sequential([L.Dense(3, input_shape=(4,), name="d")], name="m")


def _root():
    import ckeras
    return os.path.dirname(os.path.dirname(os.path.abspath(ckeras.__file__)))


def _old(path, hours=1):
    t = time.time() - hours * 3600
    os.utime(path, (t, t))


def test_stale_temp_files_are_removed_and_others_kept(tmp_path):
    stale = [".m.h5.abcd1234.tmp", ".other.h5.x_9yz0k1.tmp"]
    kept = [".m.h5.tmp", "m.h5.abcd1234.tmp", ".m.h5.ABCD1234.tmp", ".m.h5.abc.tmp",
            ".m.h5.abcd1234.tmp.bak", "notes.txt"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"\x89HDF\r\n\x1a\npartial")
        _old(tmp_path / name)
    fresh = tmp_path / ".m.h5.fresh123.tmp"       # a save of this process, still running
    fresh.write_bytes(b"")
    folder = tmp_path / ".m.h5.dir12345.tmp"
    folder.mkdir()
    _old(folder)
    link = tmp_path / ".m.h5.link1234.tmp"
    link.symlink_to(tmp_path / "notes.txt")
    _model().save(tmp_path / "m.h5")
    left = set(os.listdir(tmp_path))
    assert not left & set(stale)
    assert set(kept) | {fresh.name, folder.name, link.name, "m.h5"} == left


def test_locked_temp_file_is_kept(tmp_path):
    """A file libhdf5 has open for writing (another save in progress) stays."""
    busy = tmp_path / ".m.h5.busy1234.tmp"
    with h5py.File(busy, "w") as f:
        f["x"] = np.zeros(3)
        _old(busy)
        _model().save(tmp_path / "m.h5")
        assert busy.exists()
    _old(busy)          # closing wrote to it
    _model().save(tmp_path / "m.h5")
    assert not busy.exists()


SLOW_SAVE = """
import sys, time
from ckeras import layers as L
from ckeras.models import Sequential
from ckeras.saving import hdf5_format

def stall(f, model):
    print("writing", flush=True)
    time.sleep(120)

hdf5_format.save_weights_to_hdf5_group = stall
Sequential([L.Dense(3, input_shape=(4,), name="d")]).save(sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_temp_file_of_a_killed_save_is_removed_by_the_next_process(tmp_path):
    env = dict(os.environ, PYTHONPATH=_root())
    target = tmp_path / "m.h5"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, str(target)], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
    finally:
        proc.kill()
        proc.wait(30)
    left = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(left) == 1 and not target.exists()
    code = textwrap.dedent(f"""
        from ckeras import layers as L
        from ckeras.models import Sequential
        Sequential([L.Dense(3, input_shape=(4,), name="d")]).save({str(target)!r})
    """)
    # The killed save's file predates the next process by less than the
    # rounding margin of /proc/stat: age it as if the crash were a while ago.
    _old(tmp_path / left[0])
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert os.listdir(tmp_path) == ["m.h5"]
    assert load_model(target).count_params() == 15

"""The kernels' one helper thread (ckeras._ext._threads, csrc/ck_threads.h):
every kernel that shares work (batch-1 LSTM inference, the first pass of
pad_rows) goes through the same helper, and set_kernel_threads governs all
of them."""
import os
import time

import numpy as np
import pytest

from ckeras.utils import get_kernel_threads, set_kernel_threads

threads = pytest.importorskip("ckeras._ext._threads")
rnn = pytest.importorskip("ckeras._ext._rnn")
sequence = pytest.importorskip("ckeras._ext._sequence")

TANH, SIGMOID = 3, 2


def _lstm_args(T=12, F=16, U=128, seed=0):
    """Batch-1 float32 LSTM inputs large enough for the two-thread split."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, T, F)).astype(np.float32)
    W = (rng.standard_normal((F, 4 * U)) / np.sqrt(F + U)).astype(np.float32)
    R = (rng.standard_normal((U, 4 * U)) / np.sqrt(F + U)).astype(np.float32)
    h0 = rng.standard_normal((1, U)).astype(np.float32)
    c0 = rng.standard_normal((1, U)).astype(np.float32)
    return x, W, R, None, h0, c0, None, False, TANH, SIGMOID, True, False


def _rows(n=6000, seed=1):
    """Enough items (>= 2**18 output items) for the two-thread padding pass."""
    rng = np.random.default_rng(seed)
    return [rng.integers(-9, 10_000, size=rng.integers(0, 90)).tolist() for _ in range(n)]


def _pad(seqs, maxlen=80):
    out = np.empty((len(seqs), maxlen), np.int32)
    sequence.pad_rows(seqs, out, np.full(1, -1, np.int32), 0, 1,
                      lambda i, s: pytest.fail("no row needs the slow path"))
    # every non-empty row belongs to the first, two-thread pass (an empty
    # list has no item array, so the second pass fills it)
    assert sequence.first_pass_left() == sum(len(s) == 0 for s in seqs)
    return out


def _pad_expected(seqs, maxlen=80):
    out = np.full((len(seqs), maxlen), -1, np.int32)
    for i, s in enumerate(seqs):
        kept = s[:maxlen]
        if kept:
            out[i, maxlen - len(kept):] = kept
    return out


@pytest.fixture
def kernel_threads():
    prev = get_kernel_threads()
    time.sleep(0.03)   # past the helper's back-off after overlapping calls
    yield
    set_kernel_threads(prev)


@pytest.mark.parametrize("items", ["ints", "numpy_scalars"])
def test_padding_pass_uses_the_helper_and_obeys_set_kernel_threads(kernel_threads, items):
    # NumPy scalars (`list(array)`) are immutable like ints: the first,
    # two-thread pass takes them too.
    seqs = _rows()
    if items == "numpy_scalars":
        seqs = [list(np.array(s, np.int64)) for s in seqs]
    want = _pad_expected(seqs)
    set_kernel_threads(1)
    jobs = threads.helper_jobs_taken()
    np.testing.assert_array_equal(_pad(seqs), want)
    assert threads.helper_jobs_taken() == jobs
    set_kernel_threads(2)
    # The caller may finish alone before the helper wakes; over a few calls
    # the helper takes part, and the result never depends on who did what.
    for _ in range(200):
        np.testing.assert_array_equal(_pad(seqs), want)
        if threads.helper_jobs_taken() > jobs:
            break
    assert threads.helper_jobs_taken() > jobs


def test_lstm_split_obeys_set_kernel_threads(kernel_threads):
    args = _lstm_args()
    prev_strict = rnn.set_split_strict(True)
    try:
        set_kernel_threads(1)
        assert not threads.helper_enabled()
        jobs = threads.helper_jobs_taken()
        one = rnn.lstm_infer(*args)
        assert threads.helper_jobs_taken() == jobs
        set_kernel_threads(2)
        assert threads.helper_enabled()
        two = rnn.lstm_infer(*args)
        assert threads.helper_jobs_taken() == jobs + 1
    finally:
        rnn.set_split_strict(prev_strict)
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)


def test_set_helper_enabled_returns_previous(kernel_threads):
    assert threads.set_helper_enabled(False) is True
    assert threads.helper_enabled() is False
    assert threads.set_helper_enabled(True) is False
    assert threads.helper_enabled() is True


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_one_helper_thread_for_every_kernel(kernel_threads):
    """_rnn and _sequence each compile the threading code, but attach to
    _threads' copy: using both adds at most one thread to the process."""
    def count():
        return len(os.listdir("/proc/self/task"))
    args = _lstm_args()
    seqs = _rows()
    prev_strict = rnn.set_split_strict(True)
    try:
        rnn.lstm_infer(*args)            # the helper exists from here on
        before = count()
        jobs = threads.helper_jobs_taken()
        for _ in range(5):
            threads.set_helper_enabled(True)   # clears a back-off after a late job
            rnn.lstm_infer(*args)
            _pad(seqs)
        assert count() == before
        assert threads.helper_jobs_taken() >= jobs + 5
    finally:
        rnn.set_split_strict(prev_strict)


# ------------------------------------------------------------- core budget
def _fake_root(tmp_path, cgroup, files):
    """A file system root with /proc/self/cgroup and files under /sys/fs/cgroup."""
    proc = tmp_path / "proc" / "self"
    proc.mkdir(parents=True)
    (proc / "cgroup").write_text(cgroup)
    for rel, text in files.items():
        path = tmp_path / "sys" / "fs" / "cgroup" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


@pytest.mark.parametrize("cgroup, files, want", [
    # cgroup v2: cpu.max "quota period"; the smallest along the path counts
    ("0::/app/worker\n", {"app/worker/cpu.max": "150000 100000\n"}, 1.5),
    ("0::/app/worker\n", {"app/worker/cpu.max": "max 100000\n", "app/cpu.max": "50000 100000"},
     0.5),
    ("0::/\n", {"cpu.max": "max 100000\n"}, None),
    ("0::/\n", {"cpu.max": "300000 100000\n"}, 3.0),
    ("0::/app\n", {"app/cpu.max": "garbage\n"}, None),
    # cgroup v1: cfs quota / period, -1 for none, under the cpu hierarchy
    ("4:cpu,cpuacct:/docker/abc\n2:memory:/docker/abc\n",
     {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000\n",
      "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n"}, 2.0),
    ("4:cpu,cpuacct:/\n", {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
                           "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, None),
    ("3:cpuacct,cpu:/x\n", {"cpu/x/cpu.cfs_quota_us": "100000\n",
                            "cpu/x/cpu.cfs_period_us": "100000\n"}, 1.0),
    ("2:memory:/x\n", {}, None),
])
def test_cgroup_cpu_limit(tmp_path, cgroup, files, want):
    assert threads.cgroup_cpu_limit(_fake_root(tmp_path, cgroup, files)) == want


def test_cgroup_cpu_limit_without_proc(tmp_path):
    assert threads.cgroup_cpu_limit(str(tmp_path)) is None


@pytest.mark.parametrize("cpus, quota, want", [
    ({0, 1, 2, 3}, "150000 100000", 2),   # quota rounds up
    ({0, 1, 2, 3}, "max 100000", 4),
    ({0}, "800000 100000", 1),            # affinity caps
    ({0, 1}, "10000 100000", 1),          # never below one
])
def test_core_budget(tmp_path, monkeypatch, cpus, quota, want):
    root = _fake_root(tmp_path, "0::/\n", {"cpu.max": quota})
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cpus, raising=False)
    assert threads.core_budget(root) == want


_ONE_CORE_CHILD = """
import os, sys
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from ckeras.utils import get_kernel_threads, set_kernel_threads
from ckeras._ext import _threads
assert _threads.core_budget() == 1
print(get_kernel_threads())
set_kernel_threads(2)     # the override still wins
print(get_kernel_threads())
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity")
def test_one_core_process_gets_no_helper_by_default():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-c", _ONE_CORE_CHILD], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "2"]


def test_nested_kernel_calls_count_once(kernel_threads):
    """A batch-32 LSTM inference (whose GEMMs announce themselves inside the
    LSTM call) leaves no 'overlapping calls' back-off: the batch-1 split
    right after it still gets the helper."""
    rng = np.random.default_rng(4)
    U = 128
    x = rng.standard_normal((32, 40, 64)).astype(np.float32)
    W = (rng.standard_normal((64, 4 * U)) * 0.1).astype(np.float32)
    R = (rng.standard_normal((U, 4 * U)) * 0.1).astype(np.float32)
    h0 = np.zeros((32, U), np.float32)
    args = _lstm_args()
    prev_strict = rnn.set_split_strict(True)
    try:
        # On a busy machine the batch-32 call's own split may find the helper
        # late, which is a back-off of its own: retry until it does not.
        for _ in range(50):
            set_kernel_threads(2)
            late = threads.helper_jobs_late()
            rnn.lstm_infer(x, W, R, None, h0, h0.copy(), None, False, TANH, SIGMOID, True,
                           False)
            if threads.helper_jobs_late() == late:
                break
        else:
            pytest.fail("the helper was late on every try")
        jobs = threads.helper_jobs_taken()
        rnn.lstm_infer(*args)
        assert threads.helper_jobs_taken() == jobs + 1
    finally:
        rnn.set_split_strict(prev_strict)

"""The kernels' helper thread (csrc/ck_threads.h): one per process, and
the core budget that decides whether kernels use it.

This module's copy of the C threading code is the one that runs; every
module whose kernels share work with the helper (_rnn: batch-1 LSTM
inference, _sequence: the first pass of pad_sequences) attaches to it at
import (``ck_threads.pxd: attach_threads``).
"""

import math
import os

from libc.stdint cimport uintptr_t

from ckeras._ext.ck_threads cimport (
    ck_threads_attach, ck_threads_enabled, ck_threads_jobs_late, ck_threads_jobs_taken,
    ck_threads_own,
    ck_threads_set_enabled)

ck_threads_attach(ck_threads_own())


def _read(path):
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _ancestors(base, rel):
    """base/rel, then each parent directory of it up to base: a cgroup's
    limit applies to every cgroup below it."""
    parts = [p for p in rel.split("/") if p]
    return [os.path.join(base, *parts[:i]) for i in range(len(parts), -1, -1)]


def _v2_limit(base, rel):
    limits = []
    for d in _ancestors(base, rel):
        fields = (_read(os.path.join(d, "cpu.max")) or "").split()
        if len(fields) == 2 and fields[0] != "max":
            try:
                limits.append(int(fields[0]) / int(fields[1]))
            except (ValueError, ZeroDivisionError):
                pass
    return min(limits) if limits else None


def _v1_limit(base, rel):
    limits = []
    for d in _ancestors(base, rel):
        try:
            quota = int(_read(os.path.join(d, "cpu.cfs_quota_us")) or "-1")
            period = int(_read(os.path.join(d, "cpu.cfs_period_us")) or "0")
        except ValueError:
            continue
        if quota > 0 and period > 0:
            limits.append(quota / period)
    return min(limits) if limits else None


def cgroup_cpu_limit(root="/"):
    """The CPU quota of this process's cgroup in cores (a float), or None
    when there is none: cgroup v2 ``cpu.max``, else v1
    ``cpu.cfs_quota_us / cpu.cfs_period_us``, the smallest along the path.

    Args:
        root: the file system root to read ``proc/self/cgroup`` and
            ``sys/fs/cgroup`` under (tests pass a fake one).
    """
    text = _read(os.path.join(root, "proc", "self", "cgroup"))
    if not text:
        return None
    cgroup = os.path.join(root, "sys", "fs", "cgroup")
    limits = []
    for line in text.splitlines():
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, rel = fields
        if controllers == "":
            limit = _v2_limit(cgroup, rel)
        elif "cpu" in controllers.split(","):
            # The v1 hierarchy may be mounted as cpu, cpu,cpuacct, ...
            limit = None
            for name in (controllers, "cpu", "cpu,cpuacct", "cpuacct,cpu"):
                mount = os.path.join(cgroup, name)
                if os.path.isdir(mount):
                    limit = _v1_limit(mount, rel)
                    break
        else:
            continue
        if limit is not None:
            limits.append(limit)
    return min(limits) if limits else None


def core_budget(root="/"):
    """How many cores this process may use at once: the CPUs of its
    affinity mask, capped by its cgroup's CPU quota (rounded up), at least 1.

    Kernels share work with the helper thread only when this is 2 or more
    (``set_kernel_threads`` overrides it).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    limit = cgroup_cpu_limit(root)
    if limit is not None:
        cores = min(cores, max(1, math.ceil(limit)))
    return max(1, cores)


# A process held to one core gets no helper: it would only take turns with
# the caller on that core.
ck_threads_set_enabled(1 if core_budget() >= 2 else 0)


def _table_address():
    """Address of the helper's function table, for attach_threads()."""
    return <uintptr_t> ck_threads_own()


def set_helper_enabled(bint on):
    """Whether kernels may share a call's work with the helper thread.
    Returns the previous setting."""
    return bool(ck_threads_set_enabled(1 if on else 0))


def helper_enabled():
    """Whether kernels may use the helper thread."""
    return bool(ck_threads_enabled())


def helper_jobs_taken():
    """How many jobs the helper thread has taken part in (tests)."""
    return ck_threads_jobs_taken()


def helper_jobs_late():
    """How many jobs were late (the helper, or the caller, lost its core to
    another thread for more than 0.5 ms, or the helper took more than 1 ms
    to start); after a second one among the last 16 jobs, chunked work
    stays on the caller for a while (csrc/ck_threads.h)."""
    return ck_threads_jobs_late()

"""Weight assignment that a concurrent predict never sees half done.

`set_weights` and `load_weights` copy many arrays into a model's variables in
place. Without coordination, a predict batch running in another thread at that
moment computes with some old and some new weights (a torn mix).

Each predict batch registers its thread as a reader (`begin_read` /
`end_read`); an assignment (`assign`) waits until no batch of another thread
is running and keeps new ones out while it copies. This is Dekker's protocol
over operations the GIL makes atomic (deque append/remove, a global read and
write), so a batch costs about 0.15 us and never waits unless an assignment
is in progress; an assignment waits for the batches already running (at most
one per thread), never the other way round. The thread assigning may itself
be inside a batch (a layer calling `set_weights`): it does not wait for itself
(two threads doing that to each other at once would wait for each other).

Not covered: reads outside `predict` / `predict_on_batch` (a direct
`model(x)`, a training step) and writes that bypass `set_weights` /
`load_weights` (`Variable.assign`, optimizer updates).
"""
import collections
import threading
import time

_get_ident = threading.get_ident
_readers = collections.deque()   # thread ids of the predict batches in progress
_write_lock = threading.RLock()
_writing = False


def begin_read():
    """Marks the start of a predict batch in this thread; returns its token."""
    t = _get_ident()
    _readers.append(t)
    if _writing:
        # An assignment is copying (or about to): step back until it is done.
        _readers.remove(t)
        with _write_lock:
            _readers.append(t)
    return t


# Marks the end of the batch started by `begin_read` (`end_read(token)`); the
# bound C method itself, as this runs once per predict batch.
end_read = _readers.remove


def assign(variables, arrays):
    """Copies each array into its variable as one update (shapes checked).

    Args:
        variables: the Variables to write.
        arrays: NumPy arrays of the same shapes (cast to each variable's
            dtype on copy).
    """
    global _writing
    with _write_lock:
        _writing = True
        try:
            me = _get_ident()
            while any(t != me for t in list(_readers)):
                time.sleep(1e-4)
            for v, a in zip(variables, arrays):
                v.value[...] = a
                v.mark_written()
        finally:
            _writing = False

"""The all-reduce among the step actors of a fit, worker to worker.

Every rank (one step actor per worker) holds a flat buffer per step;
`Peers.allreduce` returns, on every rank, the sum of all ranks' buffers,
bit-identical on every rank, without the client or the scheduler in the
path.

Pattern: reduce-scatter, then all-gather. The buffer is cut into W chunks
(`np.array_split` bounds); rank r owns chunk r. Every rank sends chunk r to
rank r, which adds the W contributions in rank order (0, 1, ..., W-1,
whatever order they arrived in, so the sum is that of the former client
loop and does not depend on timing); every owner then sends its summed
chunk to every other rank, and the ranks copy it in. Each rank sends and
receives 2 (W-1)/W of the buffer per step, as in a ring, but in two rounds
of W-1 concurrent messages instead of 2 (W-1) hops in sequence. Two ranks
swap whole buffers instead: the same bytes in one round; a power-of-two
number of ranks uses recursive halving and doubling: the same bytes again,
in 2 log2 W rounds of one message (see `Peers._halving_doubling`).

Transport: each worker gets an rpc handler (`ckeras_allreduce`) that drops
an incoming chunk into the mailbox of the rank it is addressed to; the
sending rank's thread hands the message to its worker's event loop and
goes on. Nothing is acknowledged: a message lost with its worker shows as
a failed send on the sender, and as the client's `abort` on everyone else.
"""
import asyncio
import threading

import numpy as np

HANDLER = "ckeras_allreduce"
# (group, rank) -> Mailbox of the ranks living in this process
_mailboxes = {}
_mailboxes_lock = threading.Lock()
# How often a waiting rank looks at its sends when no message comes.
_POLL = 0.5


class Aborted(RuntimeError):
    """The step was abandoned: a peer died, or the client said so."""


class Mailbox:
    """Chunks addressed to one rank, keyed by (step, phase, sender)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.items = {}
        self.reason = None

    def put(self, key, data):
        with self.cond:
            self.items[key] = data
            self.cond.notify_all()

    def abort(self, reason):
        with self.cond:
            self.reason = reason
            self.cond.notify_all()

    def take(self, keys, sends):
        """The chunks of `keys`, once all have come; Aborted if the client
        aborts the step or one of `sends` (futures of this rank's own
        messages) failed."""
        with self.cond:
            while True:
                if self.reason is not None:
                    raise Aborted(self.reason)
                if all(k in self.items for k in keys):
                    return [self.items.pop(k) for k in keys]
                for f in sends:
                    if f.done() and f.exception() is not None:
                        raise Aborted(f"a peer is unreachable: {f.exception()!r}")
                self.cond.wait(_POLL)


async def _deliver(group=None, rank=None, key=None, data=None):
    """The rpc handler: a chunk for rank `rank` of `group` (dropped when
    that rank is gone, e.g. a message of an abandoned step)."""
    box = _mailboxes.get((group, rank))
    if box is not None:
        box.put(tuple(key), data)


def rank_sum(parts, dtype):
    """parts[0] + parts[1] + ... in that order (float addition is not
    associative: a fixed order makes every run and every chunk owner add
    the same way)."""
    total = np.array(parts[0], dtype=dtype, copy=True)
    for part in parts[1:]:
        total += part
    return total


def chunk_bounds(n, ranks):
    """[lo, hi) of each rank's chunk of an n-element buffer."""
    edges = np.cumsum([0] + [len(c) for c in np.array_split(np.arange(n), ranks)])
    return [(int(edges[r]), int(edges[r + 1])) for r in range(ranks)]


class Peers:
    """One rank's end of the all-reduce: its mailbox on this worker and
    the addresses of every rank's worker.

    Args:
        group: a name shared by the ranks of one set of actors (a new one
            after a fault, so messages of abandoned steps go nowhere).
        rank: this actor's index in `addresses`.
        addresses: the worker address of each rank, one rank per worker.
    """

    def __init__(self, group, rank, addresses):
        from distributed import get_worker  # lazy: heavy
        self.group, self.rank, self.addresses = group, rank, list(addresses)
        self.worker = get_worker()
        # handlers are looked up per message, so adding one to a running
        # worker is enough; every rank of the group does it before any step
        self.worker.handlers.setdefault(HANDLER, _deliver)
        self.box = Mailbox()
        self.bytes_sent = 0
        with _mailboxes_lock:
            _mailboxes[(group, rank)] = self.box

    def abort(self, reason):
        self.box.abort(reason)

    def _send(self, to, key, data):
        self.bytes_sent += data.nbytes
        return asyncio.run_coroutine_threadsafe(
            self._post(self.addresses[to], to, key, data), self.worker.loop.asyncio_loop)

    async def _post(self, address, to, key, data):
        from distributed.protocol import to_serialize  # lazy: heavy
        await self.worker.rpc(address).ckeras_allreduce(
            group=self.group, rank=to, key=list(key), data=to_serialize(data), reply=False)

    def allreduce(self, flat, step):
        """The sum over ranks of each rank's `flat` (same size and dtype on
        every rank), identical on every rank; `step` numbers the call."""
        size = len(self.addresses)
        if size == 1:
            return flat
        me = self.rank
        if size == 2:
            return self._exchange(flat, step)
        if size & (size - 1) == 0:
            return self._halving_doubling(flat, step)
        bounds = chunk_bounds(len(flat), size)
        others = [r for r in range(size) if r != me]
        sends = [self._send(r, (step, 0, me), flat[slice(*bounds[r])]) for r in others]
        got = dict(zip(others, self.box.take([(step, 0, r) for r in others], sends)))
        got[me] = flat[slice(*bounds[me])]
        total = rank_sum([got[r] for r in range(size)], flat.dtype)
        sends += [self._send(r, (step, 1, me), total) for r in others]
        out = np.empty_like(flat)
        out[slice(*bounds[me])] = total
        for r, part in zip(others, self.box.take([(step, 1, r) for r in others], sends)):
            out[slice(*bounds[r])] = part
        return out


    def _exchange(self, flat, step):
        """Two ranks: each sends the other its whole buffer and both add
        rank 0's and rank 1's. Same bytes as the two rounds (the whole
        buffer each way), one round of messages instead of two."""
        other = 1 - self.rank
        sends = [self._send(other, (step, 0, self.rank), flat)]
        (theirs,) = self.box.take([(step, 0, other)], sends)
        return rank_sum([flat, theirs] if self.rank == 0 else [theirs, flat], flat.dtype)


    def _halving_doubling(self, flat, step):
        """W a power of two: recursive halving, then doubling. In round j
        rank r swaps with rank r ^ 2**j half of the segment it holds: it
        keeps the half its bit j picks and adds the partner's partial sum
        of it, the lower block of ranks' first, so every element is the
        same fixed tree of sums ((g0 + g1) + (g2 + g3)) + ... whichever
        rank computes it. After log2 W rounds each rank holds 1/W of the
        total; the same rounds backwards give every rank the rest. Bytes
        as in a ring, 2 log2 W messages instead of 2 (W-1)."""
        me, size = self.rank, len(self.addresses)
        part, lo, hi = flat, 0, len(flat)
        rounds, bit, n = [], 1, 0
        while bit < size:
            partner, mid = me ^ bit, (lo + hi) // 2
            low = not me & bit
            keep, give = ((lo, mid), (mid, hi)) if low else ((mid, hi), (lo, mid))
            sends = [self._send(partner, (step, n, me), part[give[0] - lo:give[1] - lo])]
            (theirs,) = self.box.take([(step, n, partner)], sends)
            mine = part[keep[0] - lo:keep[1] - lo]
            part = rank_sum([mine, theirs] if low else [theirs, mine], flat.dtype)
            rounds.append((partner, keep, give))
            (lo, hi), bit, n = keep, bit << 1, n + 1
        out = np.empty_like(flat)
        out[lo:hi] = part
        for partner, keep, give in reversed(rounds):
            sends = [self._send(partner, (step, n, me), out[keep[0]:keep[1]])]
            (theirs,) = self.box.take([(step, n, partner)], sends)
            out[give[0]:give[1]] = theirs
            n += 1
        return out


def release(group):
    """Drops this process's mailboxes of `group`."""
    with _mailboxes_lock:
        for key in [k for k in _mailboxes if k[0] == group]:
            del _mailboxes[key]

"""ckeras on a Dask LocalCluster of 2 single-threaded worker processes against
one single-threaded process (issue 14), side by side in one run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_dask.py \
        [--case predict_mlp fit_lstm sync_cost steps_per_sync] [--quick]

The cluster is the one `DaskStrategy(n_workers=2)` starts: worker processes
set up by its plugin (one BLAS and one kernel thread, malloc keeping batch
buffers) and a client that talks to the workers directly.

- predict_mlp: an MLP 32-256-128-10 over a 2-million-row Dask array (20 blocks)
  made on the workers and persisted before timing (data a user read in with
  Dask), against `predict` on the NumPy array in this process, both at
  batch_size 4096, in interleaved rounds. Timed: the predict graph persisted
  on the workers (the predictions stay there, to be written out or reduced,
  as when scoring more rows than one machine holds): rows/s and the ratio
  (target >= 1.7x), with the CPU time of the client+scheduler process and of
  each worker per call (and their idle background per second, which weighs
  more the longer load stretches a call) and the blocks each worker computed;
  also the same with the predictions gathered into the client (`.compute()`:
  80 MB more through the client), one process at the workers' batch size
  (they cut blocks into cache-sized batches, `inference.tile_rows`), and the
  overhead per block (a 200-block predict of one row per block).
- fit_lstm: LSTM(128)+Dense(1) on (16 x 256, 50, 32), synchronous DaskStrategy
  fit at global batch 256 against local fit(shuffle=False);
  samples/s of the epochs after the first (which places the shards), the ratio
  (target >= 1.5x), and the CPU per step of the one process, of the client
  and of each worker (one process's over the busiest worker's: the ratio
  two free cores would give, a load-robust check).
- sync_cost: the same model at a global batch of 2 rows (one per worker): the
  step time is then the synchronisation (the step call to each worker's
  actor, the gradients all-reduced among the workers, the update on each,
  the metric states back); ms per step, bytes per worker per step, and the
  CPU per step of the client and of each worker.
- steps_per_sync: samples/s of steps_per_sync 1 and 4 at global batches 8 to
  256; the crossover is the largest batch at which 4 gives 10% more samples/s.

Timings on the shared 2-core box mean nothing; the lead measures on a quiet
machine.
"""
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from peers import Results, Timing, main_parser, wanted  # noqa: E402

CASES = ("predict_mlp", "fit_lstm", "sync_cost", "steps_per_sync")
# steps_per_sync "pays off" from 10% more samples/s: a few percent is noise,
# and local SGD is only approximate.
PAYS_OFF = 1.10


def _single_thread():
    from ckeras.utils import set_blas_threads, set_kernel_threads
    set_blas_threads(1)
    set_kernel_threads(1)


def _mlp():
    from ckeras import Input, Sequential, layers
    return Sequential([Input((32,)), layers.Dense(256, activation="relu"),
                       layers.Dense(128, activation="relu"), layers.Dense(10)])


def _lstm():
    from ckeras import Input, Sequential, layers
    return Sequential([Input((50, 32)), layers.LSTM(128), layers.Dense(1)])


def _timed(fn, repeat):
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return Timing(runs)


def _cpu(client):
    """CPU seconds so far of this process (the client and, for the local
    cluster, the scheduler) and of each worker process."""
    return time.process_time(), client.run(time.process_time)


def _blocks_per_worker(client, out):
    """How many of the persisted array `out`'s blocks each worker holds."""
    counts = {}
    for holders in client.who_has(out).values():
        for w in holders:
            counts[w] = counts.get(w, 0) + 1
    return sorted(counts.values())


def bench_predict(client, results, quick, repeat):
    import dask.array as da
    from distributed import wait

    from ckeras.distribute.inference import tile_rows
    rows = 200_000 if quick else 2_000_000
    batch = 4096
    # The rows are made on the workers and persisted before any timing, as
    # data a user has read in with Dask: nothing travels from the client.
    dx = da.random.default_rng(0).standard_normal((rows, 32), chunks=(rows // 20, 32),
                                                   dtype="float32").persist()
    wait(dx)
    x = dx.compute()
    model = _mlp()
    tile = tile_rows(model, batch)
    spread = {}

    def local():
        model.predict(x, batch_size=batch)

    def local_tile():
        # one process cutting its batches as a worker does
        model.predict(x, batch_size=tile)

    def kept():
        # predictions persisted on the workers (to be written out or reduced
        # there, as when scoring more rows than the client holds)
        out = model.predict(dx, batch_size=batch).persist()
        wait(out)
        spread["blocks"] = _blocks_per_worker(client, out)

    def gathered():
        model.predict(dx, batch_size=batch).compute()

    # The processes' idle background (heartbeats, Dask's profiler), CPU
    # seconds per second, to set against the per-call CPU figures below.
    before = _cpu(client)
    t0 = time.perf_counter()
    time.sleep(2.0)
    after = _cpu(client)
    idle = time.perf_counter() - t0
    background = {"client+scheduler": (after[0] - before[0]) / idle,
                  "workers": sorted((after[1][w] - before[1][w]) / idle for w in after[1])}
    # Interleaved rounds (the first one untimed): load that comes and goes
    # on a shared machine weighs on every peer alike.
    walls = {f: [] for f in (local, local_tile, kept, gathered)}
    cpu = {"local": [], "client+scheduler": [], "workers": []}
    for r in range(repeat + 1):
        for fn in walls:
            before = _cpu(client) if fn is kept else (time.process_time(), None)
            t0 = time.perf_counter()
            fn()
            wall = time.perf_counter() - t0
            if r == 0:
                continue
            walls[fn].append(wall)
            if fn is local:
                cpu["local"].append(time.process_time() - before[0])
            elif fn is kept:
                after = _cpu(client)
                cpu["client+scheduler"].append(after[0] - before[0])
                cpu["workers"].append(sorted(after[1][w] - before[1][w] for w in after[1]))
    tiny = dx[:200].rechunk((1, 32)).persist()
    wait(tiny)
    per_block = _timed(lambda: wait(model.predict(tiny).persist()), repeat)
    t_local, t_tile, t_dist, t_gather = (Timing(walls[f]) for f in walls)
    label = f"MLP 32-256-128-10 predict over {rows} rows"
    results.record("predict_mlp", "ckeras", t_local,
                   label=label + f", one process, batch {batch}", note="rows/s = rows / time",
                   cpu=cpu["local"])
    results.record("predict_mlp", "ckeras-tile", t_tile,
                   label=label + f", one process, batch {tile} (the workers' batches)")
    results.record("predict_mlp", "ckeras-dask2", t_dist,
                   label=label + ", 2 Dask workers, predictions persisted on the workers",
                   cpu_client_scheduler=cpu["client+scheduler"], cpu_workers=cpu["workers"],
                   blocks_per_worker=spread.get("blocks"), worker_batch=tile,
                   idle_cpu_per_s=background)
    results.record("predict_mlp", "ckeras-dask2-gather", t_gather,
                   label=label + ", 2 Dask workers, predictions gathered into the client")
    ratio = t_local.median / t_dist.median
    results.record("predict_mlp_speedup", "ckeras", value=ratio, metric="speedup", unit="x",
                   label="2 workers / one process, predict throughput, predictions kept on "
                         "the workers (target >= 1.7)")
    results.record("predict_mlp_speedup_gather", "ckeras",
                   value=t_local.median / t_gather.median, metric="speedup", unit="x",
                   label="2 workers / one process, predict throughput, predictions gathered "
                         "into the client")
    results.record("predict_mlp_speedup_same_batch", "ckeras",
                   value=t_tile.median / t_dist.median, metric="speedup", unit="x",
                   label=f"2 workers / one process at the workers' batch of {tile} rows, "
                         "predictions kept on the workers")
    results.record("predict_block_overhead", "ckeras",
                   value=per_block.median / 200, unit="s",
                   label="overhead per predict block (200 one-row blocks, persisted)")
    med_cpu = float(np.median(cpu["client+scheduler"]))
    med_workers = np.median(np.array(cpu["workers"]), axis=0)
    print(f"predict: one process {rows / t_local.median:,.0f} rows/s at batch {batch}, "
          f"{rows / t_tile.median:,.0f} at batch {tile}; 2 workers "
          f"{rows / t_dist.median:,.0f} rows/s kept on the workers ({ratio:.2f}x; "
          f"{t_tile.median / t_dist.median:.2f}x of batch {tile}), "
          f"{rows / t_gather.median:,.0f} rows/s gathered "
          f"({t_local.median / t_gather.median:.2f}x); "
          f"{per_block.median / 200 * 1e3:.2f} ms per block")
    print(f"  CPU per kept predict: client+scheduler {med_cpu * 1e3:.0f} ms, workers "
          f"{', '.join(f'{c * 1e3:.0f}' for c in med_workers)} ms; one process "
          f"{np.median(cpu['local']) * 1e3:.0f} ms CPU, {t_local.median * 1e3:.0f} ms wall; "
          f"blocks per worker {spread.get('blocks')}; idle background (CPU s per s) "
          f"client+scheduler {background['client+scheduler']:.3f}, workers "
          f"{', '.join(f'{b:.3f}' for b in background['workers'])}")


def _fit_rate(model, x, y, batch, epochs, client=None, **kw):
    """Samples/s of the epochs after the first (timed by a callback), and
    the CPU seconds per epoch of this process and (with `client`) of each
    worker over those epochs (process_time: load inflates it far less than
    wall time)."""
    from ckeras.callbacks import Callback
    marks, cpu = [], []

    def mark():
        marks.append(time.perf_counter())
        workers = client.run(time.process_time) if client is not None else {}
        cpu.append((time.process_time(), [workers[a] for a in sorted(workers)]))

    class Clock(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            mark()

        def on_train_end(self, logs=None):
            mark()

    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[Clock()], **kw)
    per_epoch = np.diff(marks)[1:]
    n = len(per_epoch)
    own = (cpu[-1][0] - cpu[1][0]) / n
    workers = [(b - a) / n for a, b in zip(cpu[1][1], cpu[-1][1])]
    return (Timing(list(per_epoch)), x.shape[0] / float(np.median(per_epoch)),
            {"process": own, "workers": workers})


def _strategy_model(client, steps_per_sync=1):
    from ckeras.distribute import DaskStrategy
    strategy = DaskStrategy(client, steps_per_sync=steps_per_sync)
    with strategy.scope():
        model = _lstm()
        model.compile("adam", "mse")
    return model


def _sequences(n, seed):
    """(x, y) as Dask arrays made on the workers, persisted."""
    import dask.array as da
    rng = da.random.default_rng(seed)
    chunk = max(1, n // 4)
    x = rng.standard_normal((n, 50, 32), chunks=(chunk, 50, 32), dtype="float32")
    y = rng.standard_normal((n, 1), chunks=(chunk, 1), dtype="float32")
    return x.persist(), y.persist()


def bench_fit(client, results, quick, repeat):
    steps = 4 if quick else 16
    dx, dy = _sequences(256 * steps, 1)
    x, y = dx.compute(), dy.compute()
    local = _lstm()
    local.compile("adam", "mse")
    t_local, rate_local, cpu_local = _fit_rate(local, x, y, 256, repeat + 1)
    t_dist, rate_dist, cpu_dist = _fit_rate(_strategy_model(client), dx, dy, 256, repeat + 1,
                                            client=client)
    label = "LSTM(128)+Dense(1) on (256, 50, 32), Adam, one epoch"
    results.record("fit_lstm", "ckeras", t_local, label=label + ", one process",
                   cpu_per_step=cpu_local["process"] / steps)
    results.record("fit_lstm", "ckeras-dask2", t_dist, label=label + ", 2 Dask workers",
                   client_cpu_per_step=cpu_dist["process"] / steps,
                   worker_cpu_per_step=[c / steps for c in cpu_dist["workers"]])
    results.record("fit_lstm_speedup", "ckeras", value=rate_dist / rate_local,
                   metric="speedup", unit="x",
                   label="2 workers / one process, samples/s at global batch 256 "
                         "(target >= 1.5)")
    # What the ratio would be if each worker had its core to itself: one
    # process's CPU per step over the busiest worker's.
    cpu_ratio = cpu_local["process"] / max(cpu_dist["workers"])
    results.record("fit_lstm_cpu_ratio", "ckeras", value=cpu_ratio, metric="ratio", unit="x",
                   label="one process's CPU per step / the busiest worker's, global batch "
                         "256 (the speedup two free cores would give)")
    print(f"fit LSTM(128), batch 256: one process {rate_local:.0f} samples/s, 2 workers "
          f"{rate_dist:.0f} samples/s ({rate_dist / rate_local:.2f}x); CPU per step: one "
          f"process {cpu_local['process'] / steps * 1e3:.1f} ms, workers "
          f"{', '.join(f'{c / steps * 1e3:.1f}' for c in cpu_dist['workers'])} ms, client "
          f"{cpu_dist['process'] / steps * 1e3:.1f} ms ({cpu_ratio:.2f}x)")


def bench_sync(client, results, quick, repeat):
    steps = 8 if quick else 40
    x, y = _sequences(2 * steps, 2)
    model = _strategy_model(client)
    timing, _, cpu = _fit_rate(model, x, y, 2, repeat + 1, client=client)
    per_step = Timing([t / steps for t in timing.runs])
    params = sum(int(np.prod(w.shape)) for w in model.get_weights())
    workers = len(cpu["workers"])
    # each worker sends 2 (W-1)/W of the gradient buffer to its peers (the
    # whole buffer at W = 2) and receives as much; the client only step
    # numbers and metric states
    peer_bytes = 2 * (workers - 1) / workers * 4 * params
    results.record("sync_cost", "ckeras-dask2", per_step, number=steps,
                   label="one synchronous step at 1 row per worker (the sync cost: "
                         "the all-reduce among the workers and the update on each)",
                   bytes_per_step_per_worker=peer_bytes, params=params,
                   client_cpu_per_step=cpu["process"] / steps,
                   worker_cpu_per_step=[c / steps for c in cpu["workers"]])
    print(f"sync cost: {per_step.median * 1e3:.2f} ms per step, {peer_bytes / 1e3:.0f} kB "
          f"sent and received per worker per step; CPU per step: client "
          f"{cpu['process'] / steps * 1e3:.2f} ms, workers "
          f"{', '.join(f'{c / steps * 1e3:.2f}' for c in cpu['workers'])} ms")


def bench_steps_per_sync(client, results, quick, repeat):
    batches = (8, 64) if quick else (8, 16, 32, 64, 128, 256)
    crossover = None
    for b in batches:
        steps = 8
        x, y = _sequences(b * steps, 3)
        rates = {}
        for k in (1, 4):
            timing, rates[k], _ = _fit_rate(_strategy_model(client, k), x, y, b, repeat + 1)
            results.record(f"steps_per_sync_b{b}", f"ckeras-dask2-k{k}", timing,
                           label=f"LSTM(128) epoch of 8 steps, global batch {b}, "
                                 f"steps_per_sync={k}")
        if rates[4] > PAYS_OFF * rates[1]:
            crossover = b
        print(f"global batch {b}: steps_per_sync=1 {rates[1]:.0f}, =4 {rates[4]:.0f} "
              "samples/s")
    results.record("steps_per_sync_crossover", "ckeras-dask2",
                   value=-1 if crossover is None else crossover, metric="batch", unit="rows",
                   label="largest global batch at which steps_per_sync=4 gives 10% more "
                         "samples/s than 1 (-1: never)")
    print(f"crossover: steps_per_sync pays off up to global batch {crossover}")


def main():
    parser = main_parser(__doc__.splitlines()[0], CASES, tf=False, repeat=3)
    args = parser.parse_args()
    from ckeras.distribute import DaskStrategy
    _single_thread()
    repeat = 1 if args.quick else args.repeat
    results = Results("bench_dask.py", args)
    # The cluster a user gets by default: 2 single-threaded worker processes
    # set up by DaskStrategy's plugin, and a client talking to them directly.
    strategy = DaskStrategy(n_workers=2)
    try:
        for case, fn in (("predict_mlp", bench_predict), ("fit_lstm", bench_fit),
                         ("sync_cost", bench_sync), ("steps_per_sync", bench_steps_per_sync)):
            if wanted(args, case):
                fn(strategy.client, results, args.quick, repeat)
    finally:
        strategy.close()


if __name__ == "__main__":
    main()

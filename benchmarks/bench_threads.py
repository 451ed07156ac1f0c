"""Threading on a busy machine: each workload timed quiet and next to
processes that burn one or two cores, for ckeras and PyTorch at their
default threads; the figure is the slowdown (busy time / quiet time).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_threads.py \\
        [--case mlp_predict_b256 ...] [--neighbours 1 2] [--rounds 3] [--quick]

Workloads (`--case`): mlp_predict_b256, mlp_train_b128 and mlp_fit_epoch
(the MLP 784-256-128-10 of compare.py, Adam; one shuffled 60k-sample epoch
of `fit` at batch 128 against PyTorch's loop), cnn_predict_b64 (the small
CNN of bench_conv.py), the MNIST- and CIFAR-style model cases of
bench_conv.py (mnist_/cifar_ predict_b1, predict_b64, train_b64),
lstm_train_b32, lstmdrop_train_b32, lstm_infer_b32 and lstm_infer_b1
(LSTM(128) on (B, 50, 32) then Dense(1), Adam/MSE, as in bench_rnn.py;
dropout=0.2, recurrent_dropout=0.2 against PyTorch's input dropout);
split_gemm (kernel level: float32 GEMMs of
growing size on one thread and split with the helper, quiet only: where
ckeras's split threshold, _blas.SPLIT_FLOPS, comes from).

Peers (`--peers`): ckeras (default threads), ckeras-1 (set_blas_threads(1),
set_kernel_threads(1)), ckeras-pool2 (the threading before this benchmark
existed: NumPy's OpenBLAS and its pool of 2 threads for every GEMM), torch
(default threads). Each peer runs in its own process, so one's thread pool
never spins while another is timed; within a peer, the conditions (quiet,
1 neighbour, 2 neighbours) alternate round by round and each figure is the
median over rounds. The load average before each run is recorded: on a
machine that is not quiet, "quiet" means "without our neighbours".

Target (issue 20): ckeras slows by at most 2.5x with a busy neighbour on
every workload.
"""
import functools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from peers import Results, fmt_time, main_parser, peer_env, time_runs, wanted

CNN_CASES = ("mnist_predict_b1", "mnist_predict_b64", "mnist_train_b64", "cifar_predict_b1",
             "cifar_predict_b64", "cifar_train_b64")
LSTM_CASES = ("lstm_train_b32", "lstmdrop_train_b32", "lstm_infer_b32", "lstm_infer_b1")
WORKLOADS = ("mlp_predict_b256", "mlp_train_b128", "mlp_fit_epoch", "cnn_predict_b64") \
    + CNN_CASES + LSTM_CASES
CASES = WORKLOADS + ("split_gemm",)
PEERS = ("ckeras", "ckeras-1", "ckeras-pool2", "torch")
LABELS = {
    "mlp_predict_b256": "MLP 784-256-128-10 `predict_on_batch`, batch 256",
    "mlp_train_b128": "MLP 784-256-128-10, one Adam train step, batch 128",
    "cnn_predict_b64": "CNN (Conv32-Pool-Conv64-Pool-Dense10) `predict_on_batch`, batch 64",
    "mlp_fit_epoch": "MLP 784-256-128-10, one shuffled fit epoch (60k samples, batch 128)",
    "lstm_train_b32": "LSTM(128) on (32, 50, 32) + Dense(1), one Adam train step",
    "lstmdrop_train_b32": "LSTM(128, dropout=0.2, recurrent_dropout=0.2) on (32, 50, 32) "
                          "+ Dense(1), one Adam train step",
    "lstm_infer_b32": "LSTM(128) on (32, 50, 32) + Dense(1), `predict_on_batch`",
    "lstm_infer_b1": "LSTM(128) on (1, 50, 32) + Dense(1), `predict_on_batch`",
}
LABELS.update({c: f"{c.split('_')[0].upper()} CNN {c.split('_')[1]}, batch "
               f"{c.rsplit('_b', 1)[1]}" for c in CNN_CASES})
# Calls per timed run, quiet; a run with neighbours takes the same calls.
NUMBER = {"mlp_predict_b256": 20, "mlp_train_b128": 10, "mlp_fit_epoch": 1,
          "cnn_predict_b64": 5, "mnist_predict_b1": 50, "mnist_predict_b64": 3,
          "mnist_train_b64": 2, "cifar_predict_b1": 50, "cifar_predict_b64": 3,
          "cifar_train_b64": 1, "lstm_train_b32": 2, "lstmdrop_train_b32": 2,
          "lstm_infer_b32": 10, "lstm_infer_b1": 50}


# ------------------------------------------------------------------ neighbours
def _burn(stop):
    x = 0
    while not stop.is_set():
        for i in range(20000):
            x += i


class Neighbours:
    """`n` processes that each burn one core until the block ends."""

    def __init__(self, n):
        self.n = n
        self.procs = []

    def __enter__(self):
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.procs = [ctx.Process(target=_burn, args=(self.stop,), daemon=True)
                      for _ in range(self.n)]
        for p in self.procs:
            p.start()
        time.sleep(0.3 if self.n else 0.0)   # spawned and spinning
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.terminate()


# -------------------------------------------------------------------- workloads
def _data(kind, rng):
    if kind.startswith("mlp"):
        batch = 256 if kind == "mlp_predict_b256" else 128
        return rng.random((batch, 784), dtype=np.float32), rng.integers(0, 10, (batch, 1))
    if kind == "cnn_predict_b64":
        return rng.random((64, 28, 28, 1), dtype=np.float32), None
    batch = 1 if kind.endswith("_b1") else 32
    return (rng.standard_normal((batch, 50, 32)).astype(np.float32),
            np.zeros((batch, 1), np.float32))


def ckeras_workload(kind):
    from bench_conv import MODEL_CASES, _ck_cnn, model_fns
    from bench_rnn import _ck_model
    from compare import _ck_mlp, ck_fit_epoch

    from ckeras import layers, models
    if kind in CNN_CASES:
        name, step, batch, _ = MODEL_CASES[kind]
        return model_fns(name, step, batch, None)[0]
    if kind == "mlp_fit_epoch":
        return ck_fit_epoch(60000, 128)[0]
    x, y = _data(kind, np.random.default_rng(0))
    if kind == "mlp_predict_b256":
        return functools.partial(_ck_mlp().predict_on_batch, x)
    if kind == "mlp_train_b128":
        return functools.partial(_ck_mlp(compile_adam=True).train_on_batch, x, y)
    if kind == "cnn_predict_b64":
        return functools.partial(_ck_cnn().predict_on_batch, x)
    model = _ck_model("LSTMdrop" if kind.startswith("lstmdrop") else "LSTM", layers, models)
    if "_infer_" in kind:
        return functools.partial(model.predict_on_batch, x)
    model.compile("adam", "mse")
    return functools.partial(model.train_on_batch, x, y)


def torch_workload(kind):
    import torch
    from bench_conv import MODEL_CASES, torch_model_fn
    from bench_rnn import _torch_infer, _torch_model, _torch_train
    from compare import torch_fit_epoch, torch_mlp
    if kind in CNN_CASES:
        name, step, batch, _ = MODEL_CASES[kind]
        return torch_model_fn(torch, name, step, batch)
    if kind == "mlp_fit_epoch":
        return torch_fit_epoch(torch, 60000, 128)
    x, y = _data(kind, np.random.default_rng(0))
    if kind == "mlp_predict_b256":
        return torch_mlp(torch, "predict", 256)
    if kind == "mlp_train_b128":
        return torch_mlp(torch, "train", 128)
    if kind == "cnn_predict_b64":
        nn = torch.nn
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(64 * 5 * 5, 10), nn.Softmax(dim=-1)).eval()
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

        def run():
            with torch.inference_mode():
                return net(xt)
        return run
    forward, params = _torch_model("LSTMdrop" if kind.startswith("lstmdrop") else "LSTM", torch)
    if "_infer_" in kind:
        return _torch_infer(torch, forward, x)
    return _torch_train(torch, forward, params, x, y)


def _setup_peer(peer):
    """Imports the peer's library with its thread settings; its thread counts."""
    if peer == "torch":
        import torch
        return {"torch": torch.get_num_threads()}
    from ckeras.utils import (
        get_blas_threads,
        get_kernel_threads,
        set_blas_threads,
        set_kernel_threads,
    )
    if peer == "ckeras-1":
        set_blas_threads(1)
        set_kernel_threads(1)
    elif peer == "ckeras-pool2":
        set_blas_threads(2)
    from ckeras.kernels import blas_info
    return {"blas": get_blas_threads(), "kernel": get_kernel_threads(),
            "blas_source": blas_info()["source"]}


def worker(peer, cases, neighbours, rounds, repeat):
    """Runs in the peer's own process: {case: {n_neighbours: [per-call s]}}."""
    threads = _setup_peer(peer)
    make = torch_workload if peer == "torch" else ckeras_workload
    fns = {case: make(case) for case in cases}
    times = {case: {n: [] for n in neighbours} for case in cases}
    loads = {n: [] for n in neighbours}
    for _ in range(rounds):
        for n in neighbours:
            with Neighbours(n):
                loads[n].append(os.getloadavg()[0])
                for case, fn in fns.items():
                    times[case][n] += time_runs(fn, NUMBER[case], repeat).runs
    return {"threads": threads, "times": times, "loads": loads}


# ------------------------------------------------------------------ split_gemm
def split_gemm(repeat):
    """Per-call times of float32 GEMMs on one thread and split with the helper
    (interleaved): [(M, N, K, one, split)]."""
    from ckeras._ext import _blas, _threads
    rng = np.random.default_rng(0)
    shapes = [(64, 64, 64), (64, 128, 128), (128, 128, 128), (64, 256, 256),
              (128, 256, 256), (256, 256, 256), (32, 512, 128), (256, 256, 784)]
    res = {}
    prev = _threads.set_helper_enabled(True)
    try:
        for _ in range(repeat):
            for m, n, k in shapes:
                a = rng.random((m, k), dtype=np.float32)
                b = rng.random((k, n), dtype=np.float32)
                out = np.empty((m, n), np.float32)
                calls = max(3, int(3e7 / (2 * m * n * k)))
                for on in (False, True):
                    _threads.set_helper_enabled(on)
                    res.setdefault((m, n, k, on), []).extend(
                        time_runs(functools.partial(_blas.gemm, a, b, out=out), calls, 1).runs)
    finally:
        _threads.set_helper_enabled(prev)
    return [(m, n, k, res[(m, n, k, False)], res[(m, n, k, True)]) for m, n, k in shapes]


# ----------------------------------------------------------------------- parent
def _run_worker(peer, cases, neighbours, rounds, repeat):
    env = peer_env("torch" if peer == "torch" else "ckeras")
    if peer == "ckeras-pool2":
        env["CKERAS_BLAS"] = "numpy"
    payload = json.dumps([peer, cases, neighbours, rounds, repeat])
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", payload],
                          env=env, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        print(f"{peer}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--worker":
        peer, cases, neighbours, rounds, repeat = json.loads(sys.argv[2])
        reply = worker(peer, cases, neighbours, rounds, repeat)
        print(json.dumps(reply))
        return
    ap = main_parser(__doc__.splitlines()[0], CASES, tf=False, repeat=3)
    ap.add_argument("--neighbours", type=int, nargs="+", default=[1, 2],
                    help="numbers of core-burning processes to time against (besides 0)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every condition")
    ap.add_argument("--peers", nargs="+", default=list(PEERS), choices=PEERS)
    args = ap.parse_args(argv)
    results = Results("bench_threads.py", args)
    rounds, repeat = (1, 1) if args.quick else (args.rounds, args.repeat)
    neighbours = [0] + [n for n in args.neighbours if n > 0]
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")

    if wanted(args, "split_gemm"):
        print("split_gemm (float32 C = A @ B, per call; quiet only):")
        for m, n, k, one, two in split_gemm(2 if args.quick else 9):
            t1, t2 = statistics.median(one), statistics.median(two)
            label = f"GEMM {m}x{n}x{k} ({2 * m * n * k / 1e6:.1f} MFLOP)"
            results.record(f"split_gemm/{m}x{n}x{k}", "ckeras", one, label=label + ", one thread",
                           variant="one_thread")
            results.record(f"split_gemm/{m}x{n}x{k}", "ckeras", two, label=label + ", split",
                           variant="split")
            print(f"  {label}: one thread {fmt_time(t1)}, split {fmt_time(t2)} "
                  f"({t1 / t2:.2f}x)")

    cases = [c for c in WORKLOADS if wanted(args, c)]
    if not cases:
        return
    summary = {}
    for peer in args.peers:
        if peer == "torch":
            try:
                import torch  # noqa: F401
            except ImportError:
                print("torch: not installed, skipped")
                continue
        reply = _run_worker(peer, cases, neighbours, rounds, repeat)
        if reply is None:
            continue
        loads = {int(n): v for n, v in reply["loads"].items()}
        for case in cases:
            per_n = {int(n): v for n, v in reply["times"][case].items()}
            quiet = statistics.median(per_n[0])
            for n in neighbours:
                busy = statistics.median(per_n[n])
                # ckeras's variants are the ckeras peer under other settings.
                name, sub = ("ckeras", f"{peer}/") if peer.startswith("ckeras-") \
                    else (peer, "")
                results.record(f"{case}/{sub}neighbours{n}", name, per_n[n],
                               number=NUMBER[case], label=f"{LABELS[case]}, {n} busy "
                               f"neighbour(s)", threads=reply["threads"], neighbours=n,
                               loadavg_during=loads[n], variant=peer)
                if n:
                    results.record(f"{case}/{sub}slowdown{n}", name, value=busy / quiet,
                                   metric="slowdown", unit="x", threads=reply["threads"],
                                   label=f"{LABELS[case]}: time with {n} busy neighbour(s) "
                                   "over time without", neighbours=n, variant=peer)
                summary[(case, peer, n)] = busy
    print(f"\n{'workload':18s} {'peer':13s} " + " ".join(
        f"{f'{n} nbr':>10s}" for n in neighbours) + "   slowdowns")
    for case in cases:
        for peer in args.peers:
            if (case, peer, 0) not in summary:
                continue
            q = summary[(case, peer, 0)]
            cells = " ".join(f"{fmt_time(summary[(case, peer, n)]):>10s}" for n in neighbours)
            slow = " ".join(f"{summary[(case, peer, n)] / q:5.2f}x" for n in neighbours if n)
            print(f"{case:18s} {peer:13s} {cells}   {slow}")


if __name__ == "__main__":
    main()

"""Preprocessing benchmarks: ckeras vs tf-keras (Keras' reference code).

Run from the repo root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_preprocessing.py \
        [--tf-python PY] [--repeat 5] [--case pad tok md5 words] [--quick]

When tf_keras is not importable, the script re-runs itself under the tf-keras
interpreter (peers.tf_python) with this checkout on PYTHONPATH (same CPython
and NumPy, so the built extensions load there). Both implementations then run in ONE process, their
repeats interleaved, on identical inputs; best-of-N wall and CPU
(process_time) seconds are reported, the ratio on CPU time, which is the
robust one on a shared machine (wall time also counts other processes).
Except for pad and pad_np: on large inputs ckeras' pad_sequences converts on two
threads, so its CPU time adds both threads' time (and grows, as they share
the memory bandwidth) and only its wall time drops; its wall ratio is the
one that counts, and it depends on the second core being idle.

Workloads (inputs generated identically on both sides, seeded):
  pad      pad_sequences on 100k lists of 1..200 ints, maxlen=100
  tok      Tokenizer fit_on_texts + texts_to_sequences on 20k documents
  md5      hashing_trick(hash_function='md5', n=10000) on the same 20k documents
  words    text_to_word_sequence on the 20k documents
  textvec  TextVectorization(max_tokens=20000, output_sequence_length=12): adapt,
           then call, on 100k sentences of 10 words
It prints the best-of-N wall time per workload and the speed-up ratio, and
records every run (see peers.py).

Also usable under pytest-benchmark: ``pytest benchmarks/bench_preprocessing.py``.
"""
import os
import sys
import time

import numpy as np
from peers import Results, main_parser, rerun_under_tf_python, tf_python, wanted


def make_sequences(n=100_000, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(1, 201, size=n)
    flat = rng.randint(1, 20_000, size=int(lengths.sum()))
    out, k = [], 0
    for ln in lengths:
        out.append(flat[k:k + ln].tolist())
        k += ln
    return out


def make_docs(n=20_000, seed=0, words=40):
    rng = np.random.RandomState(seed)
    vocab = ["".join(chr(97 + c) for c in rng.randint(0, 26, size=rng.randint(2, 10)))
             for _ in range(30_000)]
    ranks = np.minimum(rng.zipf(1.2, size=n * words), len(vocab)) - 1
    punct = [" ", " ", " ", " ", " ", ", ", ". ", "! ", "  ", "\n"]
    pu = rng.randint(0, len(punct), size=n * words)
    caps = rng.rand(n * words) < 0.1
    docs, k = [], 0
    for _ in range(n):
        m = words
        parts = []
        for j in range(k, k + m):
            w = vocab[ranks[j]]
            parts.append((w.capitalize() if caps[j] else w) + punct[pu[j]])
        docs.append("".join(parts))
        k += m
    return docs


_DATA = {}
CASES = ("pad", "tok", "md5", "words", "textvec", "pad_np", "pad_arrays")
LABELS = {
    "pad": "`pad_sequences`, 100k lists of 1–200 ints, maxlen=100",
    "tok": "`Tokenizer.fit_on_texts` + `texts_to_sequences`, 20k documents",
    "md5": "`hashing_trick(..., 'md5')`, 20k documents",
    "words": "`text_to_word_sequence`, 20k documents",
    "textvec": "`TextVectorization` adapt + call, 100k sentences",
    "pad_np": "`pad_sequences`, 100k lists of 1–200 NumPy int64 scalars (`list(array)`)",
    "pad_arrays": "`pad_sequences`, 100k 1-D int64 arrays of 1–200 ints",
}


def workloads(impl, scale=1):
    """The four workloads of `impl` ('ckeras' or 'tf_keras'), on inputs
    `scale` times smaller than the real ones (for smoke runs)."""
    if impl == "tf_keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        from tf_keras.layers import TextVectorization
        from tf_keras.preprocessing import sequence, text
    else:
        from ckeras.layers import TextVectorization
        from ckeras.preprocessing import sequence, text
    if not _DATA:
        _DATA["seqs"] = make_sequences(100_000 // scale)
        _DATA["docs"] = make_docs(20_000 // scale)
        _DATA["sentences"] = np.array(make_docs(100_000 // scale, seed=1, words=10))
        _DATA["arrays"] = [np.asarray(s, np.int64) for s in _DATA["seqs"]]
        _DATA["np_seqs"] = [list(a) for a in _DATA["arrays"]]
    seqs = _DATA["seqs"]
    docs = _DATA["docs"]
    sentences = _DATA["sentences"]

    def pad():
        return sequence.pad_sequences(seqs, maxlen=100)

    def tok():
        t = text.Tokenizer(num_words=10_000)
        t.fit_on_texts(docs)
        return t.texts_to_sequences(docs)

    def md5():
        return [text.hashing_trick(d, 10_000, hash_function="md5") for d in docs]

    def words():
        return [text.text_to_word_sequence(d) for d in docs]

    def textvec():
        layer = TextVectorization(max_tokens=20_000, output_sequence_length=12)
        layer.adapt(sentences, batch_size=1024)
        return np.asarray(layer(sentences))

    def pad_np():
        return sequence.pad_sequences(_DATA["np_seqs"], maxlen=100)

    def pad_arrays():
        return sequence.pad_sequences(_DATA["arrays"], maxlen=100)

    return {"pad": pad, "tok": tok, "md5": md5, "words": words, "textvec": textvec,
            "pad_np": pad_np, "pad_arrays": pad_arrays}


def _digest(out):
    if isinstance(out, np.ndarray):
        return int(out.astype(np.int64).sum())
    return sum(sum(r) if r and not isinstance(r[0], str) else len(r) for r in out)


def compare(args):
    import gc
    results = Results("bench_preprocessing.py", args)
    scale = 10 if args.quick else 1
    impls = {"tf_keras": workloads("tf_keras", scale), "ckeras": workloads("ckeras", scale)}
    peers = {"tf_keras": "tf-keras", "ckeras": "ckeras"}
    repeat = 1 if args.quick else args.repeat
    print(f"{'workload':<8} {'tf_keras wall/cpu s':>20} {'ckeras wall/cpu s':>19} "
          f"{'speed-up (cpu)':>15} {'(wall)':>7}  same result")
    for name in CASES:
        if not wanted(args, name):
            continue
        runs = {k: ([], []) for k in impls}     # wall, cpu
        digests = {}
        for _ in range(repeat):
            for impl, fns in impls.items():
                gc.collect()
                t0, c0 = time.perf_counter(), time.process_time()
                out = fns[name]()
                runs[impl][0].append(time.perf_counter() - t0)
                runs[impl][1].append(time.process_time() - c0)
                digests[impl] = _digest(out)
                del out
        best = {k: (min(w), min(c)) for k, (w, c) in runs.items()}
        for impl, (wall, cpu) in runs.items():
            for metric, values in (("wall_time", wall), ("cpu_time", cpu)):
                results.record(name, peers[impl], values, metric=metric, number=1,
                               best=min(values), label=LABELS[name])
        a, b = best["tf_keras"], best["ckeras"]
        same = digests["tf_keras"] == digests["ckeras"]
        # pad_sequences converts large inputs on two threads: its CPU time adds
        # both threads, so its wall time is the figure that counts.
        basis = "wall" if name in ("pad", "pad_np") else "cpu"
        i = 0 if basis == "wall" else 1
        results.record(name, "ckeras", value=a[i] / b[i],
                       metric="speedup", unit="x", basis=basis, wall_speedup=a[0] / b[0],
                       cpu_speedup=a[1] / b[1], same_result=same, label=LABELS[name])
        print(f"{name:<8} {a[0]:>10.4f}/{a[1]:<9.4f} {b[0]:>9.4f}/{b[1]:<9.4f} "
              f"{a[1] / b[1]:>14.1f}x {a[0] / b[0]:>6.1f}x  {same}")


def main(argv=None):
    args = main_parser(__doc__.splitlines()[0], CASES, repeat=5).parse_args(argv)
    try:
        import tf_keras  # noqa: F401
    except ImportError:
        python = tf_python(args.tf_python)
        if python is None:
            sys.exit("bench_preprocessing.py: no tf-keras interpreter (pass --tf-python)")
        argv = [a for a in (sys.argv[1:] if argv is None else argv)]
        if "--tf-python" in argv:
            i = argv.index("--tf-python")
            del argv[i:i + 2]
        sys.exit(rerun_under_tf_python(python, __file__, argv))
    compare(args)


# ------------------------------------------------------- pytest-benchmark
_W = None


def _w():
    global _W
    if _W is None:
        _W = workloads("ckeras")
    return _W


def test_bench_pad_sequences(benchmark):
    benchmark(_w()["pad"])


def test_bench_tokenizer(benchmark):
    benchmark(_w()["tok"])


def test_bench_hashing_md5(benchmark):
    benchmark(_w()["md5"])


def test_bench_text_vectorization(benchmark):
    benchmark(_w()["textvec"])


if __name__ == "__main__":
    main()

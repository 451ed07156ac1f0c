"""benchmarks/bench_rnn.py keeps the thread counts a run asked for."""
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_one_thread_run_keeps_one_kernel_thread_after_the_one_core_case(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "rows.jsonl"
    # the one-core variant of batch 1 runs first and switches the helper off
    # and on again; the batch-32 case after it must still run on one thread
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_rnn.py"), "--quick",
                    "--threads", "1", "--case", "lstm_infer_b1_one_core", "lstm_infer_b32",
                    "--results", str(out)], check=True, capture_output=True, cwd=ROOT,
                   timeout=600)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    kernel = {r["case"]: r["threads"]["kernel"] for r in rows if r["peer"] == "ckeras"}
    assert kernel["lstm_infer_b1_one_core"] == 1
    assert kernel["lstm_infer_b32"] == 1

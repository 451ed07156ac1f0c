"""benchmarks/render.py: README tables rebuilt from recorded figures (JSON lines).

The renderer is run as the command it is; its inputs are synthetic records in
the format benchmarks/peers.py writes.
"""
import json
import pathlib
import subprocess
import sys

RENDER = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "render.py"
SECTIONS = ("meta", "peers", "ckeras", "preprocessing")


def _record(case, peer, median, run, **extra):
    rec = {"date": "2026-12-01T10:00:00", "host": "box", "script": "compare.py", "run": run,
           "case": case, "peer": peer, "metric": "time", "unit": "s", "median": median,
           "label": f"label of {case}", "versions": {"python": "3.11.7", "numpy": "2.4.6"},
           "loadavg": [0.5, 0.4, 0.3], "env_unset": ["OPENBLAS_CORETYPE"], "env_set": {},
           "quick": False}
    rec.update(extra)
    return rec


def _render(tmp_path, records, *flags):
    results = tmp_path / "r.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in records))
    readme = tmp_path / "README.md"
    if not readme.exists():
        readme.write_text("# B\n\n" + "".join(f"<!-- render:{s} -->\nold\n<!-- /render:{s} -->\n"
                                              for s in SECTIONS) + "\nkept\n")
    out = subprocess.run([sys.executable, str(RENDER), str(results), "--readme", str(readme),
                          *flags], capture_output=True, text=True)
    return out, readme


def test_peers_table_has_medians_ranges_and_paired_ratios(tmp_path):
    records = [_record("mlp", "ckeras", 20e-6, "a"), _record("mlp", "torch", 40e-6, "a"),
               _record("mlp", "ckeras", 30e-6, "b"), _record("mlp", "torch", 50e-6, "b"),
               _record("mlp", "tf-keras", 4e-3, "b")]
    out, readme = _render(tmp_path, records)
    assert out.returncode == 0, out.stderr
    text = readme.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| label of mlp"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:] == ["20–30 µs", "40–50 µs", "4 ms", "0.50–0.60", "0.0075",
                         "`compare.py --case mlp`"]
    assert "old" not in text and text.endswith("\nkept\n")
    assert "Recorded on box, 2026-12-01 (2 script runs, 5 figures)" in text
    assert "`OPENBLAS_CORETYPE`" in text


def test_figures_quick_runs_and_check(tmp_path):
    records = [_record("dense", "ckeras", 93.4, "a", metric="share_of_gemm", unit="%"),
               _record("pad", "ckeras", 13.0, "a", metric="speedup", unit="x", basis="wall",
                       cpu_speedup=7.3, same_result=True),
               _record("ghost", "ckeras", 9.0, "q", metric="ratio", unit="x", quick=True)]
    out, readme = _render(tmp_path, records)
    assert out.returncode == 0, out.stderr
    text = readme.read_text()
    assert "| label of dense | 93 % | `compare.py --case dense` |" in text
    assert "| label of pad | 13.00x (wall time; cpu time 7.30x) |" in text
    assert "ghost" not in text          # smoke-run figures stay out of the README
    again, _ = _render(tmp_path, records, "--check")
    assert again.returncode == 0, again.stdout
    stale, _ = _render(tmp_path, records[:1], "--check")
    assert stale.returncode == 1 and "is not the rendering" in stale.stdout


def test_missing_marker_is_an_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    out, _ = _render(tmp_path, [_record("mlp", "ckeras", 1e-3, "a")])
    assert out.returncode != 0 and "render:meta" in out.stderr
    assert readme.read_text() == "# no markers\n"


def test_meta_counts_the_figures_of_each_cpu(tmp_path):
    zen4 = {"python": "3.11.7", "cpu": "AMD EPYC (family 25, model 17)"}
    records = [_record("a", "ckeras", 1.0, "r1"),
               _record("a", "ckeras", 1.1, "r2", versions=zen4),
               _record("b", "ckeras", 2.0, "r2", versions=zen4)]
    out, readme = _render(tmp_path, records)
    assert out.returncode == 0, out.stderr
    assert ("CPU: not recorded (1 figures); AMD EPYC (family 25, model 17) (2 figures)."
            in readme.read_text())

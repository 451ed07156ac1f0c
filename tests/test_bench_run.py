"""benchmarks/run.py: the one runner of every benchmark script."""
import pathlib
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def run(bench_module):
    return bench_module("run")


def _opts(run, *argv):
    ns = run.argparse.Namespace(tf_python=None, quick=False, only=None, skip=None,
                                results=None, list=False)
    for flag, value in argv:
        setattr(ns, flag, value)
    return ns


def test_every_plan_entry_is_a_script_here_and_names_are_unique(run):
    names = [p[0] for p in run.PLAN]
    assert len(names) == len(set(names))
    for _, script, _, _ in run.PLAN:
        assert (BENCH / script).is_file(), script
    assert set(run.NOT_QUICK) <= set(names)


def test_quick_leaves_out_the_repeated_runs_and_only_skip_select(run):
    full = [p[0] for p in run.selected(_opts(run))]
    quick = [p[0] for p in run.selected(_opts(run, ("quick", True)))]
    assert full == [p[0] for p in run.PLAN]
    assert quick == [n for n in full if n not in run.NOT_QUICK]
    assert [p[0] for p in run.selected(_opts(run, ("only", ["rnn_1thread", "mlp"])))] == \
        ["mlp", "rnn_1thread"]
    assert "mlp" not in [p[0] for p in run.selected(_opts(run, ("skip", ["mlp"])))]
    with pytest.raises(SystemExit, match="unknown entry 'nope'"):
        run.selected(_opts(run, ("only", ["nope"])))


def test_command_passes_quick_results_and_tf_python_only_where_taken(run):
    opts = _opts(run, ("quick", True), ("results", "/tmp/r.jsonl"), ("tf_python", "/py"))
    with_tf = run.command("compare.py", [], True, opts)
    without = run.command("bench_conv.py", ["--threads", "1"], False, opts)
    assert with_tf[1:] == [str(BENCH / "compare.py"), "--quick", "--results", "/tmp/r.jsonl",
                           "--tf-python", "/py"]
    assert without[1:] == [str(BENCH / "bench_conv.py"), "--threads", "1", "--quick",
                           "--results", "/tmp/r.jsonl"]
    assert with_tf[0] == sys.executable


def test_children_run_without_the_openblas_variables(run, monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "1048576")
    env = run.child_env()
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert env.get("PATH") == run.os.environ.get("PATH")


def test_a_failing_script_fails_the_run(run, tmp_path, monkeypatch, capsys):
    (tmp_path / "ok.py").write_text("import sys; print(sys.argv[1:])\n")
    (tmp_path / "bad.py").write_text("raise SystemExit(3)\n")
    monkeypatch.setattr(run, "HERE", str(tmp_path))
    monkeypatch.setattr(run, "PLAN", (("ok", "ok.py", ["-x"], False),
                                      ("bad", "bad.py", [], False)))
    monkeypatch.setattr(run, "NOT_QUICK", ())
    assert run.main(["--quick"]) == 1
    out = capsys.readouterr().out
    assert "bad" in out and "FAILED (3)" in out
    monkeypatch.setattr(run, "PLAN", run.PLAN[:1])
    assert run.main(["--quick"]) == 0

"""The model-file fuzzer's machinery (tests/fuzz/model_files.py): its
outcome classes are detected, its payloads would run code if a loader ran
them, and a short seeded run of real mutants finds nothing outside the
known open items. The long runs are `python -m tests.fuzz.model_files`."""
import json
import os

import model_files as MF
import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(os, "pidfd_open"),
                                reason="the fuzzer forks (Linux)")


@pytest.fixture
def sandbox(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return tmp_path, str(cwd), str(tmp_path / "CANARY")


def run(loader, sandbox, path="", timeout=10.0, memory_mb=512):
    _, cwd, canary = sandbox
    case = {"id": 0, "family": "selftest", "loader": loader, "path": path,
            "weights_json": None}
    return MF.run_case(case, timeout, MF.address_space_cap(memory_mb), cwd, canary)


@pytest.mark.parametrize("loader, outcome", [
    ("selftest_ok", "clean"), ("selftest_segv", "crash"), ("selftest_exit", "crash"),
    ("selftest_alloc", "memory")])
def test_outcome_classes(sandbox, loader, outcome):
    assert run(loader, sandbox)["outcome"] == outcome


def test_time_limit_kills_a_hang(sandbox):
    res = run("selftest_sleep", sandbox, timeout=0.5)
    assert res["outcome"] == "hang" and res["seconds"] < 5


@pytest.mark.parametrize("doc", [0, 1, 3, 4, 8])  # the synchronous payloads
def test_yaml_canaries_run_code_under_an_unsafe_loader(sandbox, doc):
    """Each YAML payload creates the canary when constructed by an unsafe
    loader (so the fuzzer would see code execution), and never through
    model_from_yaml."""
    tmp, _, canary = sandbox
    path = tmp / "payload.yaml"
    path.write_text(MF.yaml_canary_docs(canary)[doc])
    assert run("selftest_unsafe_yaml", sandbox, str(path))["outcome"] == "code-exec"
    assert not os.path.exists(canary)  # cleaned up after detection
    res = run("model_from_yaml", sandbox, str(path))
    assert res["outcome"] == "clean" and res["report"]["status"] == "error"


@pytest.mark.parametrize("index", [0, 1])
def test_lambda_canaries_run_code_only_without_safe_mode(sandbox, index):
    """The bytecode Lambda payloads create the canary when a model is built
    with safe_mode=False, and are refused (clean error) by default."""
    tmp, _, canary = sandbox
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 2],
                                                "dtype": "float32", "name": "in"}},
        MF.canary_payloads(canary)[index]]}}
    path = tmp / "payload.json"
    path.write_text(json.dumps(config))
    assert run("selftest_unsafe_json", sandbox, str(path))["outcome"] == "code-exec"
    res = run("model_from_json", sandbox, str(path))
    assert res["outcome"] == "clean" and res["report"]["exc"] == "ValueError"
    assert "bytecode" in res["report"]["msg"]


def test_seeded_run_finds_nothing_new():
    """A short seeded run over every seed model and mutator kind: no crash,
    no code execution, hangs and memory blow-ups only of known open items."""
    summary = MF.run(30, seed=3, timeout=4.0, memory_mb=1024)
    assert summary["cases"] == 30
    assert sum(summary["outcomes"].values()) == 30
    assert summary["outcomes"].get("clean", 0) >= 20
    assert not summary["failing"], MF.format_summary(summary)
    families = set(summary["by_family"])
    assert any(f.startswith("h5_") for f in families)
    assert any(f.startswith("config_") or f.startswith("yaml_") for f in families)

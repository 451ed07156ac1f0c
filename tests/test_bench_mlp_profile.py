"""benchmarks/compare.py's MLP step profile and peers.py's CPU name."""
import pathlib

import pytest


@pytest.fixture
def compare(bench_module, monkeypatch):
    # compare.py imports its sibling peers.py as the scripts run it
    monkeypatch.syspath_prepend(str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
    return bench_module("compare")


class _Recorder:
    def __init__(self):
        self.rows = {}

    def record(self, case, peer, timing=None, **fields):
        self.rows[case] = (peer, fields)


def test_mlp_gemm_flops_count_forward_dw_and_the_inner_dx(compare):
    # forward and dW of 784x256, 256x128, 128x10 at batch 128, dX of the last two
    fwd = 2 * 128 * (784 * 256 + 256 * 128 + 128 * 10)
    assert compare.mlp_gemm_flops(128) == 2 * fwd + 2 * 128 * (256 * 128 + 128 * 10)
    assert compare.mlp_gemm_flops(128) == 128_909_312


def test_mlp_train_profile_splits_the_step_and_sets_it_against_its_floor(compare,
                                                                         monkeypatch):
    clock = [0.0]
    costs = {"step": 1.5e-3, "chain": 1.2e-3, "adam": 1e-4, "torch": 2.5e-3}

    def part(name):
        def run():
            clock[0] += costs[name]
        return run

    monkeypatch.setattr(compare.time, "thread_time", lambda: clock[0])
    monkeypatch.setattr(compare, "mlp_step_parts",
                        lambda batch: (part("step"), part("chain"), part("adam")))
    monkeypatch.setattr(compare, "torch_mlp", lambda torch, kind, batch: part("torch"))
    # the 2048^3 sgemm at 100 GF/s
    sgemm = compare.Timing([2.0 * 2048 ** 3 / 100e9])
    monkeypatch.setattr(compare, "sgemm_gflops", lambda repeat: (100.0, sgemm))
    args = type("Args", (), {"quick": True, "threads": 1})()
    rec = _Recorder()
    compare.mlp_train_profile(args, rec, object(), 1)
    value = {case: fields["value"] for case, (_, fields) in rec.rows.items()}
    floor = 128_909_312 / 100e9
    assert value["mlp_train_profile/step"] == pytest.approx(1.5e-3)
    assert value["mlp_train_profile/rest"] == pytest.approx(1.5e-3 - 1.2e-3 - 1e-4)
    assert value["mlp_train_profile/sgemm"] == pytest.approx(100.0)
    assert value["mlp_train_profile/chain_share_of_sgemm"] == pytest.approx(
        100 * floor / 1.2e-3)
    assert value["mlp_train_profile/floor_vs_torch"] == pytest.approx(floor / 2.5e-3)
    assert value["mlp_train_profile/floor_adam_vs_torch"] == pytest.approx(
        (floor + 1e-4) / 2.5e-3)
    assert rec.rows["mlp_train_profile/torch_step"][0] == "torch"


def test_mlp_step_parts_are_the_steps_kernel_call_and_update(compare):
    step, chain, adam = compare.mlp_step_parts(32)
    model = step.func.__self__
    kernel = model.layers[0].kernel
    before = kernel.value.copy()
    loss, out, grads = chain()
    # the kernel call's first gradient is dW of the first layer, and Adam
    # moves that layer's kernel
    assert grads[0].shape == before.shape and out.shape == (32, 10)
    adam()
    assert not (kernel.value == before).all()
    assert adam.args[0] is not grads and all(
        (a == b).all() for a, b in zip(adam.args[0], grads))


def test_cpu_name_reads_model_family_and_model(bench_module, tmp_path, monkeypatch):
    peers = bench_module("peers")
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\ncpu family\t: 25\nmodel\t\t: 17\n"
                    "model name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: other\n")
    monkeypatch.setattr(peers, "CPUINFO", str(info))
    assert peers.cpu_name() == "AMD EPYC (family 25, model 17)"

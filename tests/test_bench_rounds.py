"""benchmarks/peers.py: ckeras and torch timed in alternating rounds."""
import pytest


@pytest.fixture
def peers(bench_module):
    return bench_module("peers")


class _Recorder:
    def __init__(self):
        self.rows = []

    def record(self, case, peer, timing=None, **fields):
        self.rows.append((case, peer, timing, fields))


def test_rounds_alternate_the_peers_and_report_the_median_round_ratio(peers, monkeypatch):
    calls = []
    # each side's round time is its next value: the ratios per round are 0.5, 0.9, 0.7
    times = {"ck": iter([1.0, 9.0, 7.0]), "pt": iter([2.0, 10.0, 10.0])}

    def fake_time_runs(fn, number, repeat):
        calls.append(fn())
        return peers.Timing([next(times[calls[-1]])])

    monkeypatch.setattr(peers, "time_runs", fake_time_runs)
    rec = _Recorder()
    ratio = peers.alternating_rounds(rec, "case", "label", lambda: "ck", lambda: "pt", 3, 3,
                                     "cmd")
    assert calls == ["ck", "pt"] * 3
    assert ratio == pytest.approx(0.7)
    by_peer = {(r[1], r[3].get("metric")): r for r in rec.rows}
    assert list(by_peer["ckeras", None][2]) == [1.0, 9.0, 7.0]
    assert list(by_peer["torch", None][2]) == [2.0, 10.0, 10.0]
    summary = by_peer["ckeras", "ratio"][3]
    assert summary["value"] == pytest.approx(0.7)
    assert summary["round_ratios"] == pytest.approx([0.5, 0.7, 0.9])
    assert summary["rounds"] == 3

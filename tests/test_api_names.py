"""Every public name of tf-keras 2.21's optimizers, losses, metrics and callbacks modules
exists in ckeras, or has a stated reason here.

The lists are a committed snapshot (tests/fixtures/api_names_tf_keras_2_21.json, written
by tools/make_fixtures_optloss.py from `dir()` of the tf-keras modules; it also lists
`layers` for the layer work of issue 16)."""
import importlib
import json
import pathlib

import pytest

SNAPSHOT = json.loads((pathlib.Path(__file__).parent / "fixtures" /
                       "api_names_tf_keras_2_21.json").read_text())
EXPERIMENTAL = ("tf-keras' `experimental` namespaces only re-export stable classes under "
                "deprecated names")
MISSING_BECAUSE = {
    "optimizers": {"experimental": EXPERIMENTAL},
    "optimizers.schedules": {},
    "optimizers.legacy": {},
    "losses": {},
    "metrics": {"experimental": EXPERIMENTAL + " (PyMetric needs tf.function)"},
    "callbacks": {
        "SidecarEvaluatorModelExport": "exports TF checkpoints (a format ckeras does not "
                                       "write) for TF's SidecarEvaluator",
        "experimental": EXPERIMENTAL + " (BackupAndRestore is in callbacks)",
    },
}


@pytest.mark.parametrize("module", sorted(MISSING_BECAUSE))
def test_every_tf_keras_name_exists_or_has_a_reason(module):
    ours = importlib.import_module("ckeras." + module)
    missing = sorted(n for n in SNAPSHOT[module] if not hasattr(ours, n))
    unexplained = [n for n in missing if n not in MISSING_BECAUSE[module]]
    assert unexplained == [], f"ckeras.{module} lacks {unexplained} with no stated reason"


@pytest.mark.parametrize("module", sorted(MISSING_BECAUSE))
def test_no_stale_reasons(module):
    ours = importlib.import_module("ckeras." + module)
    stale = [n for n in MISSING_BECAUSE[module] if hasattr(ours, n)]
    assert stale == [], f"ckeras.{module} now has {stale}: drop their reasons"
    assert set(MISSING_BECAUSE[module]) <= set(SNAPSHOT[module])


def test_snapshot_is_tf_keras_2_21():
    assert SNAPSHOT["tf_keras"].startswith("2.21")
    for module in MISSING_BECAUSE:
        assert len(SNAPSHOT[module]) > 0

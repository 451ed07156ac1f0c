"""summary() against tf-keras 2.21's text for the same models (golden
tests/fixtures/tools/summary.json, from tools/make_fixtures_tools.py)."""
import json
import os

import pytest
from tools_models import MODELS

FIXTURE = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "tools", "summary.json")
with open(FIXTURE, encoding="utf-8") as f:
    GOLDEN = json.load(f)


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_summary_matches_tf_keras(case):
    golden = GOLDEN[case]
    lines = []
    MODELS[golden["model"]]().summary(print_fn=lines.append, **golden["kwargs"])
    assert lines == golden["lines"]

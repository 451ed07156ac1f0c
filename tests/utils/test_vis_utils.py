"""model_to_dot / plot_model: the DOT graph against tf-keras 2.21's
model_to_dot for the same models (golden tests/fixtures/tools/dot.json, from
tools/make_fixtures_tools.py), the files plot_model writes, and the errors
naming a missing pydot or Graphviz."""
import json
import os
import shutil
import sys

import pytest
from tools_models import MODELS

from ckeras.layers import Dense, Input, TimeDistributed
from ckeras.models import Model, Sequential
from ckeras.utils import model_to_dot, plot_model, vis_utils

FIXTURE = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "tools", "dot.json")
with open(FIXTURE, encoding="utf-8") as f:
    GOLDEN = json.load(f)
HAS_GRAPHVIZ = shutil.which("dot") is not None


def _summary(dot):
    """Graph attributes, nodes by (label, cluster) and edges by labels: node
    names are `id(layer)`, so only the labels can be compared."""
    labels, nodes, edges = {}, [], []

    def walk(graph, cluster):
        for node in graph.get_nodes():
            if node.get_name() in ("node", "edge", "graph"):
                continue
            labels[node.get_name()] = node.get("label")
            nodes.append((node.get("label"), cluster))
        for sub in graph.get_subgraphs():
            walk(sub, sub.get("label"))

    def walk_edges(graph):
        for e in graph.get_edges():
            edges.append((labels[e.get_source()], labels[e.get_destination()]))
        for sub in graph.get_subgraphs():
            walk_edges(sub)

    walk(dot, None)
    walk_edges(dot)
    return ({k: str(v) for k, v in dot.get_attributes().items()}, sorted(nodes), sorted(edges))


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_model_to_dot_matches_tf_keras(case):
    golden = GOLDEN[case]
    dot = model_to_dot(MODELS[golden["model"]](), **golden["kwargs"])
    attrs, nodes, edges = _summary(dot)
    assert attrs == golden["graph"]
    assert nodes == sorted((n["label"], n["cluster"]) for n in golden["nodes"])
    assert edges == sorted(tuple(e) for e in golden["edges"])


def test_layer_range_counts_the_named_layers_of_a_sequential():
    # tf-keras indexes a Sequential's layer_range in model.layers but draws
    # from the list with the InputLayer, so it draws the layers one before
    # the names given; ckeras draws the named layers.
    dot = model_to_dot(MODELS["sequential"](), layer_range=["dropout", "dense_1"])
    _, nodes, edges = _summary(dot)
    assert nodes == [("dense_1|Dense", None), ("dropout|Dropout", None)]
    assert edges == [("dropout|Dropout", "dense_1|Dense")]


def test_wrapper_labels_name_the_inner_layer():
    x = Input((4, 3), name="x")
    model = Model(x, TimeDistributed(Dense(2, name="proj"), name="td")(x))
    _, nodes, _ = _summary(model_to_dot(model))
    assert ("td(proj)|TimeDistributed(Dense)", None) in nodes


def test_unbuilt_model_raises_value_error():
    with pytest.raises(ValueError, match="not yet been built"):
        model_to_dot(Sequential([Dense(2)]))
    with pytest.raises(ValueError, match="not yet been built"):
        plot_model(Sequential([Dense(2)]))


def test_missing_pydot_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r"install pydot .*model_to_dot"):
        model_to_dot(MODELS["sequential"]())
    with pytest.raises(ImportError, match=r"install pydot .*plot_model"):
        plot_model(MODELS["sequential"]())
    assert not vis_utils.check_pydot()


def test_missing_graphviz_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not vis_utils.check_graphviz()
    with pytest.raises(ImportError, match=r"Graphviz \(its `dot` program"):
        plot_model(MODELS["sequential"](), to_file=str(tmp_path / "m.png"))
    assert not (tmp_path / "m.png").exists()


@pytest.mark.skipif(not HAS_GRAPHVIZ, reason="Graphviz' `dot` program is not installed "
                                             "(apt-get install graphviz)")
@pytest.mark.parametrize("name, magic", [("m.png", b"\x89PNG\r\n\x1a\n"), ("m.svg", b"<svg"),
                                         ("m.pdf", b"%PDF-"), ("m.dot", b"digraph"),
                                         ("m", b"\x89PNG\r\n\x1a\n")])
def test_plot_model_writes_the_format_of_the_extension(tmp_path, name, magic):
    path = tmp_path / name
    result = plot_model(MODELS["two_towers"](), to_file=path, show_shapes=True)
    data = path.read_bytes()
    assert magic in data[:400]
    if name == "m.svg":
        # Every layer is drawn, with its shapes.
        text = data.decode()
        for layer in ("left", "right", "merged", "out", "(None, 16)"):
            assert layer in text
    assert result is None or hasattr(result, "data")

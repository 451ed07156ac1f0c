"""Golden text of tf-keras 2.21's `model.summary()` and `model_to_dot()`.

Writes tests/fixtures/tools/summary.json ({case: {"model", "kwargs",
"lines"}}) and tests/fixtures/tools/dot.json ({case: {"model", "kwargs",
"graph": attrs, "nodes": [{"label", "cluster"}], "edges": [[src label,
dst label]]}}), and tests/fixtures/tools/tensorboard.json (the tags, plugins
and steps of the TensorBoard callback's event files). Node ids are `id(layer)` in Keras, so
the DOT golden names nodes by their labels instead. Needs pydot in <tfvenv>.

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_tools.py

The models are rebuilt layer for layer by tests/utils/tools_models.py: keep the three in step.
"""
import json
import os

import _golden

_golden.tf_environment()

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

L = keras.layers


def sequential():
    return keras.Sequential([L.Dense(32, input_shape=(784,), name="dense"),
                             L.Dropout(0.5, name="dropout"),
                             L.Dense(10, activation="softmax", name="dense_1")],
                            name="sequential")


def long_name():
    return keras.Sequential([L.Dense(2, input_shape=(3,), name="a_very_long_layer_name_indeed")],
                                name="long_name")


def two_towers():
    a = L.Input(shape=(3,), name="left")
    b = L.Input(shape=(4,), name="right")
    merged = L.Concatenate(name="merged")([L.Dense(8, name="dense")(a),
                                           L.Dense(8, activation="relu", name="dense_1")(b)])
    return keras.Model([a, b], L.Dense(1, name="out")(merged), name="two_towers")


def with_frozen():
    model = keras.Sequential([L.Dense(4, input_shape=(3,), name="frozen"),
                              L.BatchNormalization(name="bn"),
                              L.Dense(2, name="head")], name="with_frozen")
    model.layers[0].trainable = False
    return model


def nested():
    inner = keras.Sequential([L.Dense(6, activation="tanh", input_shape=(5,), name="inner_a"),
                              L.Dense(4, name="inner_b")], name="encoder")
    x = L.Input(shape=(5,), name="x")
    h = inner(x)
    return keras.Model(x, L.Dense(1, activation="sigmoid", name="head")(h), name="outer")


def wrapped_model():
    inner = keras.Sequential([L.Dense(3, input_shape=(2,), name="a")], name="inner")
    x = L.Input((4, 2), name="x")
    return keras.Model(x, L.Dense(1, name="h")(L.TimeDistributed(inner, name="td")(x)),
                       name="wrapped_model")


def deep():
    core = keras.Sequential([L.Dense(3, input_shape=(4,), name="core_a")], name="core")
    block = keras.Sequential([L.Dense(4, input_shape=(5,), name="block_in"), core], name="block")
    block.layers[0].trainable = False
    x = L.Input(shape=(5,), name="x")
    return keras.Model(x, L.Dense(1, name="head")(block(x)), name="deep")


def shared_and_states():
    seq = L.Input(shape=(7, 3), name="seq")
    out, h, c = L.LSTM(5, return_state=True, name="lstm")(seq)
    shared = L.Dense(2, name="shared")
    merged = L.Add(name="add")([shared(h), shared(c)])
    return keras.Model(seq, [out, merged], name="states")


class Mlp(keras.Model):
    def __init__(self):
        super().__init__(name="mlp")
        self.hidden = L.Dense(4, activation="relu", name="hidden")
        self.out = L.Dense(1, name="out")

    def call(self, x):
        return self.out(self.hidden(x))


def subclassed():
    model = Mlp()
    model(tf.zeros((1, 5)))
    return model


MODELS = {"sequential": sequential, "long_name": long_name, "two_towers": two_towers,
          "with_frozen": with_frozen, "wrapped_model": wrapped_model,
          "deep": deep,
          "nested": nested, "shared_and_states": shared_and_states, "subclassed": subclassed}

SUMMARY_CASES = [
    ("sequential", {}),
    ("sequential", {"show_trainable": True}),
    ("sequential", {"line_length": 80, "positions": [0.5, 0.8, 1.0]}),
    ("sequential", {"layer_range": ["dropout", "dense_1"]}),
    ("long_name", {"line_length": 40, "positions": [20, 30, 40]}),
    ("two_towers", {}),
    ("two_towers", {"show_trainable": True, "line_length": 110}),
    ("two_towers", {"positions": [30, 55, 67, 98]}),
    ("with_frozen", {"show_trainable": True}),
    ("nested", {}),
    ("nested", {"expand_nested": True}),
    ("nested", {"expand_nested": True, "show_trainable": True}),
    ("two_towers", {"layer_range": ["dense.*", "merged"]}),
    ("nested", {"expand_nested": True, "line_length": 90, "positions": [0.4, 0.7, 1.0]}),
    ("deep", {"expand_nested": True, "show_trainable": True}),
    ("deep", {}),
    ("shared_and_states", {}),
    ("subclassed", {}),
    ("subclassed", {"show_trainable": True, "line_length": 70}),
]

DOT_CASES = [
    ("sequential", {}),
    ("sequential", {"show_shapes": True, "show_dtype": True}),
    ("sequential", {"show_layer_activations": True, "show_trainable": True}),
    ("sequential", {"show_layer_names": False, "rankdir": "LR", "dpi": 72}),
    ("two_towers", {"show_shapes": True}),
    ("two_towers", {"layer_range": ["merged", "out"]}),
    ("with_frozen", {"show_trainable": True}),
    ("nested", {"show_shapes": True}),
    ("nested", {"expand_nested": True, "show_layer_activations": True}),
    ("shared_and_states", {"show_shapes": True}),
    ("wrapped_model", {}),
    ("wrapped_model", {"expand_nested": True}),
    ("deep", {"expand_nested": True, "show_trainable": True}),
    ("subclassed", {}),
]


def case_name(model_name, kwargs):
    parts = [model_name] + [f"{k}={json.dumps(v)}" for k, v in sorted(kwargs.items())]
    return " ".join(parts)


def dot_golden(dot):
    labels = {}
    nodes = []

    def walk(graph, cluster):
        for node in graph.get_nodes():
            name = node.get_name()
            if name in ("node", "edge", "graph"):
                continue
            label = node.get("label")
            labels[name] = label
            nodes.append({"label": label, "cluster": cluster})
        for sub in graph.get_subgraphs():
            walk(sub, sub.get("label"))

    walk(dot, None)
    edges = []

    def walk_edges(graph):
        for e in graph.get_edges():
            edges.append([labels[e.get_source()], labels[e.get_destination()]])
        for sub in graph.get_subgraphs():
            walk_edges(sub)

    walk_edges(dot)
    attrs = {k: str(v) for k, v in dot.get_attributes().items()}
    return {"graph": attrs, "nodes": nodes, "edges": edges}


def tensorboard_run(log_dir, **callback_kwargs):
    """Tags, plugins, tensor dtypes and shapes, and steps of the event files tf-keras' TensorBoard
    callback writes for a small fit (2 epochs of 5 batches, validation split)
    and an evaluate: {run folder: {tag: {"plugin", "dtype", "shape", "steps"}}}."""
    import glob

    keras.backend.clear_session()
    rng = _golden.rng_for("tools/tensorboard")
    x = rng.uniform(-1, 1, (50, 3)).astype("float32")
    y = rng.uniform(-1, 1, (50, 2)).astype("float32")
    model = keras.Sequential([L.Dense(4, activation="relu", input_shape=(3,), name="hidden"),
                              L.Dense(2, name="out")], name="tb")
    model.compile("sgd", "mse", metrics=["mae"])
    callback = keras.callbacks.TensorBoard(log_dir, **callback_kwargs)
    model.fit(x, y, batch_size=8, epochs=2, validation_split=0.2, callbacks=[callback],
              verbose=0)
    model.evaluate(x, y, batch_size=25, callbacks=[callback], verbose=0)
    runs = {}
    for path in sorted(glob.glob(os.path.join(log_dir, "*", "events.out.tfevents.*"))):
        run = runs.setdefault(os.path.basename(os.path.dirname(path)), {})
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                array = tf.make_ndarray(value.tensor)
                entry = run.setdefault(value.tag, {
                    "plugin": value.metadata.plugin_data.plugin_name,
                    "dtype": array.dtype.name, "shape": list(array.shape), "steps": []})
                if entry["plugin"] == "images":   # width and height, then the PNGs
                    entry["size"] = [array[0].decode(), array[1].decode()]
                entry["steps"].append(int(event.step))
    return runs


TENSORBOARD_CASES = {
    "defaults": {},
    "histograms_batches": {"histogram_freq": 1, "update_freq": 2, "write_steps_per_second": True},
    "images": {"histogram_freq": 2, "write_images": True, "update_freq": "batch"},
}


def main():
    out = _golden.fixtures_dir("tools")
    os.makedirs(out, exist_ok=True)
    summaries = {}
    for model_name, kwargs in SUMMARY_CASES:
        keras.backend.clear_session()
        lines = []
        MODELS[model_name]().summary(print_fn=lines.append, **kwargs)
        summaries[case_name(model_name, kwargs)] = {"model": model_name, "kwargs": kwargs,
                                                    "lines": lines}
    dots = {}
    for model_name, kwargs in DOT_CASES:
        keras.backend.clear_session()
        dot = keras.utils.model_to_dot(MODELS[model_name](), **kwargs)
        dots[case_name(model_name, kwargs)] = {"model": model_name, "kwargs": kwargs,
                                               **dot_golden(dot)}
    import tempfile

    runs = {}
    for name, kwargs in TENSORBOARD_CASES.items():
        with tempfile.TemporaryDirectory() as log_dir:
            runs[name] = {"kwargs": kwargs, "runs": tensorboard_run(log_dir, **kwargs)}
    for filename, data in (("summary.json", summaries), ("dot.json", dots),
                           ("tensorboard.json", runs)):
        with open(os.path.join(out, filename), "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()

"""Structure-aware fuzzer of model files: mutated `.h5`, JSON and YAML made
from small models saved by ckeras, each loaded in a forked child with a time
limit and an address-space limit.

    python -m tests.fuzz.model_files --mutants 1000 --seed 7       # local run
    python -m tests.fuzz.model_files --ci                          # CI: bounded, seeded

Every mutant is loaded by `load_model` (then `predict` on zeros), by
`load_weights` into its own architecture (by order, and by name with
skip_mismatch), `model_from_json` or `model_from_yaml`. Outcome classes:

* clean: loaded, or raised an ordinary exception with a message;
* hang: still running at the time limit (killed);
* memory: MemoryError under the RLIMIT_AS cap (a C library aborting on a
  failed allocation shows as a crash, with the child's stack);
* crash: the child died of a signal or exited without reporting;
* code-exec: a canary file appeared (payloads create one if executed), or a
  loaded layer holds a callable from outside ckeras (resolved from the file);
* link-followed: a file whose weights were replaced by an HDF5 soft or
  external link loaded anyway (the link was followed).

The process exits non-zero on crash and code-exec, and on hang, memory or
link-followed of a mutator family that is not in `known.KNOWN_OPEN` (the open
#19 items being fixed; the lead tightens that table as fixes land).
"""
import argparse
import base64
import collections
import copy
import json
import marshal
import os
import random
import select
import shutil
import signal
import sys
import tempfile
import time
import zipfile

# The forked children must not inherit BLAS threads (fork keeps only the
# calling thread): one BLAS thread, set before NumPy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from known import KNOWN_OPEN  # noqa: E402 - after the thread settings

FAIL_ALWAYS = ("crash", "code-exec")
LINK_FAMILIES = ("h5_soft_link", "h5_external_link")


# ------------------------------------------------------------------ seed models

def seed_models():
    """Small compiled models, each with optimizer state: [(name, model)]."""
    import numpy as np

    from ckeras import layers as L
    from ckeras import optimizers
    from ckeras.layers import Input
    from ckeras.models import Model, Sequential

    rng = np.random.default_rng(0)
    out = []

    def add(name, model, xs, ys, opt, loss="mse"):
        model.compile(optimizer=opt, loss=loss)
        model.train_on_batch(xs, ys)
        out.append((name, model))

    m = Sequential([L.Dense(4, activation="relu", input_shape=(3,)), L.Dense(2)])
    add("dense", m, rng.random((4, 3)), rng.random((4, 2)), optimizers.Adam(1e-3))

    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = L.Concatenate()([L.Dense(3, activation="tanh")(a), L.Dense(3)(b)])
    m = Model([a, b], L.Dense(1)(h))
    add("two_inputs", m, [rng.random((4, 3)), rng.random((4, 2))], rng.random((4, 1)),
        optimizers.SGD(0.01, momentum=0.9))

    m = Sequential([L.Masking(0.0, input_shape=(5, 3)), L.LSTM(4, return_sequences=True),
                    L.GRU(3)])
    add("rnn_masked", m, rng.random((4, 5, 3)), rng.random((4, 3)), optimizers.RMSprop())

    m = Sequential([L.Bidirectional(L.LSTM(3), input_shape=(4, 2)), L.Dense(1)])
    add("bidirectional", m, rng.random((4, 4, 2)), rng.random((4, 1)), optimizers.Adam())

    m = Sequential([L.Conv2D(3, 3, padding="same", input_shape=(6, 6, 2)),
                    L.BatchNormalization(), L.MaxPooling2D(), L.Flatten(), L.Dense(2)])
    add("conv_bn", m, rng.random((4, 6, 6, 2)), rng.random((4, 2)), optimizers.Adam())

    m = Sequential([L.Embedding(20, 4, mask_zero=True, input_length=6), L.SimpleRNN(3),
                    L.Dense(2, activation="softmax")])
    add("embedding_rnn", m, rng.integers(0, 20, (4, 6)), rng.random((4, 2)),
        optimizers.Adagrad(), loss="categorical_crossentropy")
    return out


def write_seeds(folder):
    """Save every seed model as .h5, legacy and Keras 3 weights, .keras, .json
    and .yaml; returns {name: paths}."""
    seeds = {}
    for name, model in seed_models():
        base = os.path.join(folder, name)
        model.save(base + ".h5")
        model.save(base + ".keras")
        model.save_weights(base + "_w.h5")           # tf.keras 2 layout
        model.save_weights(base + ".weights.h5")     # Keras 3 layout
        with open(base + ".json", "w") as fh:
            fh.write(model.to_json())
        with open(base + ".yaml", "w") as fh:
            fh.write(model.to_yaml())
        seeds[name] = {"h5": base + ".h5", "weights": base + "_w.h5",
                       "weights3": base + ".weights.h5", "keras": base + ".keras",
                       "json": base + ".json", "yaml": base + ".yaml"}
    return seeds


# --------------------------------------------------------------- payloads

def canary_payloads(canary):
    """Config fragments that would create `canary` if anything ran them."""
    source = f"lambda x: (__import__('pathlib').Path({canary!r}).touch(), x)[1]"
    code = next(c for c in compile(source, "<payload>", "eval").co_consts
                if hasattr(c, "co_code"))
    lam_raw = base64.encodebytes(marshal.dumps(code)).decode("ascii")
    return [  # the first two run under safe_mode=False (test_model_files checks it)
        {"class_name": "Lambda", "config": {"name": "canary_lambda", "function":
                                            [lam_raw, None, None],
                                            "function_type": "lambda", "module": "os",
                                            "arguments": {}}},
        {"class_name": "Lambda", "config": {"name": "canary_defaults", "function":
                                            [lam_raw, [canary], None],
                                            "function_type": "lambda", "arguments": {}}},
        {"class_name": "Lambda", "config": {"name": "canary_named", "function": "system",
                                            "function_type": "function", "module": "os",
                                            "output_shape": lam_raw,
                                            "output_shape_type": "lambda"}},
        {"class_name": "Lambda", "config": {"name": "canary_mask", "function": "linear",
                                            "function_type": "function",
                                            "mask": [lam_raw, None, None],
                                            "mask_type": "lambda"}},
        {"class_name": "Lambda", "config": {"name": "canary_bare", "function": lam_raw,
                                            "function_type": "lambda", "arguments": {}}},
        {"class_name": "os.system", "config": {"name": "canary_class"}},
        {"class_name": "Dense", "config": {"name": "canary_act", "units": 2,
                                           "activation": "os.system"}},
        {"class_name": "Dense", "config": {"name": "canary_init", "units": 2,
                                           "kernel_initializer": {
                                               "class_name": "subprocess.Popen",
                                               "config": {"args": ["touch", canary]}}}},
    ]


def yaml_canary_docs(canary):
    """YAML documents with Python tags that would create `canary` if constructed."""
    return [
        f"!!python/object/apply:os.system ['touch {canary}']\n",
        f"config: !!python/object/apply:subprocess.call [['touch', '{canary}']]\n",
        f"class_name: !!python/object/new:subprocess.Popen [['touch', '{canary}']]\n",
        f"a: !!python/object/apply:builtins.exec [\"open('{canary}', 'w')\"]\n",
        f"a: !!python/object/apply:builtins.eval [\"open('{canary}', 'w')\"]\n",
        "a: !!python/name:os.system ''\n",
        "a: !!python/module:os ''\n",
        "a: !!python/object:builtins.object {state: 1}\n",
        f"? !!python/object/apply:os.system ['touch {canary}']\n: 1\n",
    ]


# ------------------------------------------------------------- JSON/YAML mutators

WRONG_VALUES = [None, True, -1, 0, 2 ** 64, -(2 ** 63), 1e308, -1e308, float("nan"),
                float("inf"), "", "x" * 10000, "\udcff", [], {}, [None], {"class_name": 1},
                [[[[[]]]]], "relu", {"class_name": "Dense", "config": {}}]
HUGE_NUMBERS = [10 ** 9, 2 ** 31, 2 ** 40, 10 ** 18, 2 ** 63 - 1, 10 ** 100]


def _paths(obj, prefix=()):
    """Every (path, value) in a JSON tree."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _set(obj, path, value):
    for k in path[:-1]:
        obj = obj[k]
    obj[path[-1]] = value


def _delete(obj, path):
    for k in path[:-1]:
        obj = obj[k]
    del obj[path[-1]]


def mutate_config(config, rng, canary):
    """(family, mutated config dict or raw text)."""
    config = copy.deepcopy(config)
    paths = [p for p, _ in _paths(config) if p]
    family = rng.choice(["config_delete", "config_wrong_type", "config_huge_number",
                         "config_deep_nesting", "config_duplicate_names",
                         "config_swap_values", "config_canary", "config_unknown_class",
                         "config_graph_edges", "config_multi"])
    if family == "config_multi":
        for _ in range(rng.randint(2, 6)):
            _, config = mutate_config(config, rng, canary)
            if not isinstance(config, dict):
                break
        return family, config
    if family == "config_delete" and paths:
        _delete(config, rng.choice(paths))
    elif family == "config_wrong_type" and paths:
        _set(config, rng.choice(paths), copy.deepcopy(rng.choice(WRONG_VALUES)))
    elif family == "config_huge_number":
        ints = [p for p, v in _paths(config) if p and isinstance(v, int)
                and not isinstance(v, bool)]
        target = rng.choice(ints or paths)
        _set(config, target, rng.choice(HUGE_NUMBERS) * rng.choice([1, -1]))
    elif family == "config_deep_nesting":
        depth = rng.choice([100, 1000, 5000, 100000])
        text = json.dumps(config)
        return family, text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    elif family == "config_duplicate_names":
        layers = config.get("config", {}).get("layers", [])
        if len(layers) > 1:
            layers[1]["config"]["name"] = layers[0]["config"].get("name")
            layers[1]["name"] = layers[0].get("name")
    elif family == "config_swap_values" and len(paths) > 1:
        p, q = rng.sample(paths, 2)
        try:
            a, b = _get(config, p), _get(config, q)
            _set(config, p, copy.deepcopy(b))
            _set(config, q, copy.deepcopy(a))
        except (KeyError, IndexError, TypeError):
            pass
    elif family == "config_canary":
        payload = copy.deepcopy(rng.choice(canary_payloads(canary)))
        layers = config.get("config", {}).get("layers")
        if isinstance(layers, list) and layers:
            layers.insert(rng.randint(0, len(layers)), payload)
            if rng.random() < 0.5:
                layers[:] = [payload if i == len(layers) // 2 else layer
                             for i, layer in enumerate(layers)]
        else:
            config = payload
    elif family == "config_unknown_class":
        classes = [p for p, v in _paths(config) if p and p[-1] == "class_name"]
        if classes:
            _set(config, rng.choice(classes), rng.choice(
                ["Nope", "__import__", "os.system", "Functional", "Sequential", "Model",
                 "Lambda", "Bidirectional", "InputLayer", "", "Dense\x00"]))
    elif family == "config_graph_edges":
        nodes = [p for p, v in _paths(config) if p and p[-1] == "inbound_nodes"]
        if nodes:
            p = rng.choice(nodes)
            _set(config, p, rng.choice([[], [[["missing", 0, 0, {}]]],
                                        [[[_get(config, p[:-1] + ("name",)), 0, 0, {}]]],
                                        [[["input_1", 99, 99, {}]]], [[None]], "x"]))
    return family, config


def _get(obj, path):
    for k in path:
        obj = obj[k]
    return obj


def alias_bomb(levels=9, width=9):
    """A small YAML document whose aliases expand exponentially (#19 item 2)."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"class_name: Sequential\nconfig: {{layers: *a{levels - 1}}}")
    return "\n".join(lines) + "\n"


def mutate_yaml(config, rng, canary):
    import yaml
    family = rng.choice(["yaml_from_config", "yaml_alias_bomb", "yaml_aliases",
                         "yaml_canary", "yaml_tags", "yaml_bytes", "yaml_from_config"])
    if family == "yaml_from_config":
        fam, mutated = mutate_config(config, rng, canary)
        if isinstance(mutated, str):
            return "yaml_" + fam, mutated
        return "yaml_" + fam, yaml.safe_dump(mutated)
    if family == "yaml_alias_bomb":
        return family, alias_bomb(levels=rng.choice([6, 8, 9, 10]))
    if family == "yaml_aliases":  # legitimate anchors, reused layer configs
        text = yaml.safe_dump(config)
        return family, text.replace("config:", "config: &c", 1) + "extra: *c\n"
    if family == "yaml_canary":
        return family, rng.choice(yaml_canary_docs(canary))
    if family == "yaml_tags":
        return family, rng.choice([
            "class_name: !!binary aGVsbG8=\nconfig: {}\n",
            "class_name: Sequential\nconfig: !!set {a, b}\n",
            "class_name: Sequential\nconfig: {layers: !!python/tuple [1, 2]}\n",
            "<<: {class_name: Sequential}\nconfig: {layers: []}\n",
            "class_name: !!timestamp 2001-12-14\n",
            "class_name: !custom x\n",
            "%TAG !k! tag:yaml.org,2002:python/\n---\na: !k!object/apply:os.system ['x']\n",
        ])
    text = yaml.safe_dump(config).encode()
    data = bytearray(text)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return family, bytes(data)


# ------------------------------------------------------------------ HDF5 mutators

H5_BYTE_FAMILIES = ["h5_byte_flip", "h5_truncate", "h5_zero_block", "h5_splice"]
H5_STRUCT_FAMILIES = ["h5_delete", "h5_rename", "h5_wrong_dtype", "h5_wrong_shape",
                      "h5_huge_dataset", "h5_attr_wrong_type", "h5_non_utf8_names",
                      "h5_soft_link", "h5_external_link", "h5_external_link_fifo",
                      "h5_hard_link_cycle", "h5_model_config", "h5_training_config",
                      "h5_canary_config", "h5_weight_names"]


def _h5_objects(f):
    names = []
    f.visit(names.append)
    return names


def mutate_h5_bytes(src, dst, family, rng, other):
    data = bytearray(open(src, "rb").read())
    if family == "h5_byte_flip":
        for _ in range(rng.choice([1, 2, 4, 16, 64])):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(256)
    elif family == "h5_truncate":
        data = data[:rng.randrange(len(data))]
    elif family == "h5_zero_block":
        i = rng.randrange(len(data))
        n = rng.choice([8, 64, 512, 4096])
        data[i:i + n] = bytes(min(n, len(data) - i))
    else:  # splice: a block of another seed file
        odata = open(other, "rb").read()
        i, j = rng.randrange(len(data)), rng.randrange(len(odata))
        n = rng.choice([16, 256, 2048])
        data[i:i + n] = odata[j:j + n]
    with open(dst, "wb") as fh:
        fh.write(data)


def mutate_h5_struct(src, dst, family, rng, other, workdir, canary):
    import h5py
    import numpy as np
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        names = _h5_objects(f)
        datasets = [n for n in names if isinstance(f[n], h5py.Dataset)]
        groups = [n for n in names if isinstance(f[n], h5py.Group)]
        pick = rng.choice(datasets) if datasets else None
        if family == "h5_delete":
            del f[rng.choice(names)]
        elif family == "h5_rename":
            n = rng.choice(names)
            f.move(n, n.rsplit("/", 1)[0] + "/" + rng.choice(["x", "kernel:0", "bias:0", "é"])
                   if "/" in n else rng.choice(["x", "model_weights_", "é"]))
        elif family == "h5_wrong_dtype" and pick:
            shape = f[pick].shape
            del f[pick]
            kind = rng.choice(["int", "str", "bool", "complex", "compound", "vlen", "f16",
                               "u1", "bytes", "empty"])
            if kind == "str":
                f[pick] = np.array(["a"] * max(1, int(np.prod(shape))), dtype="S3")
            elif kind == "compound":
                f.create_dataset(pick, shape=shape, dtype=[("a", "<f4"), ("b", "<i8")])
            elif kind == "vlen":
                f.create_dataset(pick, shape=(2,), dtype=h5py.vlen_dtype(np.float32))
            elif kind == "bytes":
                f[pick] = np.void(b"\x80\x04payload")
            elif kind == "empty":
                f.create_dataset(pick, data=h5py.Empty("f4"))
            else:
                dt = {"int": "i8", "bool": "?", "complex": "c16", "f16": "f2", "u1": "u1"}[kind]
                f.create_dataset(pick, shape=shape, dtype=dt)
        elif family == "h5_wrong_shape" and pick:
            shape = f[pick].shape
            del f[pick]
            new = rng.choice([shape[::-1], shape + (1,), (), (0,), (1,) * 8,
                              tuple(s + 1 for s in shape), (int(np.prod(shape) or 1),)])
            f.create_dataset(pick, shape=new, dtype="f4")
        elif family == "h5_huge_dataset" and pick:
            del f[pick]
            shape = rng.choice([(100000, 100000), (2 ** 31,), (10 ** 6, 10 ** 6, 10 ** 6),
                                (4096, 4096, 64)])
            f.create_dataset(pick, shape=shape, dtype="f4", chunks=True,
                             maxshape=(None,) * len(shape))
        elif family == "h5_attr_wrong_type":
            holder = f[rng.choice(names)] if names and rng.random() < 0.6 else f
            keys = list(holder.attrs) or ["model_config"]
            key = rng.choice(keys)
            holder.attrs[key] = rng.choice([
                np.int64(7), np.arange(5), np.array([b"\xff\xfe", b"x"]), b"\xff\xfe\xfd",
                np.array([[1.5]]), "x" * 100000, np.array([], dtype="S1"),
                np.array(["a", "b"], dtype=h5py.string_dtype()), np.float64("nan")])
        elif family == "h5_non_utf8_names":
            n = rng.choice(names)
            f.move(n, (n.rsplit("/", 1)[0] + "/" if "/" in n else "").encode() + b"\xff\xfe")
            if rng.random() < 0.5:
                root = f["model_weights"] if "model_weights" in f else f
                root.attrs["layer_names"] = np.array([b"\xff\xfe", b"dense"])
        elif family == "h5_soft_link":
            target = rng.choice(names)
            del f[target]
            f[target] = h5py.SoftLink(rng.choice([
                "/" + target.rsplit("/", 1)[0] if "/" in target else "/", "/missing",
                "/" + target, "/model_weights"]))
        elif family == "h5_external_link" and pick:
            del f[pick]
            f[pick] = h5py.ExternalLink(rng.choice([other, "/nonexistent.h5", "/dev/zero",
                                                    "/etc/passwd", dst]),
                                        rng.choice(["/", "/" + pick, "/model_weights"]))
        elif family == "h5_external_link_fifo" and pick:
            fifo = os.path.join(workdir, "fifo")
            if not os.path.exists(fifo):
                os.mkfifo(fifo)
            del f[pick]
            f[pick] = h5py.ExternalLink(fifo, "/x")
        elif family == "h5_hard_link_cycle" and groups:
            g = rng.choice(groups)
            f[g + "/loop"] = f[g]
            if "model_weights" in f and rng.random() < 0.5:
                f["model_weights"].attrs["layer_names"] = np.array(
                    list(f["model_weights"].attrs.get("layer_names", [])) + [b"loop"])
                f["model_weights/loop"] = f["model_weights"]
        elif family in ("h5_model_config", "h5_canary_config"):
            raw = f.attrs.get("model_config")
            config = json.loads(raw if isinstance(raw, str) else raw.decode())
            if family == "h5_canary_config":
                layers = config.get("config", {}).get("layers", [])
                layers.insert(rng.randint(0, len(layers)),
                              copy.deepcopy(rng.choice(canary_payloads(canary))))
                f.attrs["model_config"] = json.dumps(config)
            else:
                _, mutated = mutate_config(config, rng, canary)
                f.attrs["model_config"] = mutated if isinstance(mutated, str) else \
                    json.dumps(mutated)
        elif family == "h5_training_config":
            raw = f.attrs.get("training_config")
            tc = json.loads(raw if isinstance(raw, str) else raw.decode()) if raw else {}
            _, mutated = mutate_config({"class_name": "x", "config": tc}, rng, canary)
            f.attrs["training_config"] = rng.choice([
                json.dumps(mutated) if not isinstance(mutated, str) else mutated,
                "{not json", json.dumps(mutated.get("config") if isinstance(mutated, dict)
                                        else None)])
        elif family == "h5_weight_names" and groups:
            g = f[rng.choice(groups)]
            g.attrs["weight_names"] = rng.choice([
                np.array([b"missing:0"]), np.array([b"\xff\xfe"]), np.array([], dtype="S1"),
                np.array([b"../../etc/passwd"]), np.array([b"kernel:0"] * 50)])


KERAS_ZIP_FAMILIES = ["keras_config", "keras_weights_bytes", "keras_members",
                      "keras_zip_bytes"]


def make_keras_zip(seed_archive, dst, family, rng, canary, other, workdir):
    """A mutant of a ckeras-written `.keras` archive: its config, the bytes of
    its weights store, its member list, or the zip's own bytes."""
    with zipfile.ZipFile(seed_archive) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    if family == "keras_config":
        _, mutated = mutate_config(json.loads(members["config.json"]), rng, canary)
        members["config.json"] = (mutated if isinstance(mutated, str)
                                  else json.dumps(mutated)).encode("utf-8", "surrogatepass")
    elif family == "keras_weights_bytes":
        src, out = os.path.join(workdir, "_w_in.h5"), os.path.join(workdir, "_w_out.h5")
        with open(src, "wb") as fh:
            fh.write(members["model.weights.h5"])
        mutate_h5_bytes(src, out, rng.choice(H5_BYTE_FAMILIES), rng, other)
        members["model.weights.h5"] = open(out, "rb").read()
    elif family == "keras_members":
        victim = rng.choice(sorted(members))
        action = rng.choice(["delete", "rename", "traversal", "swap"])
        if action == "delete":
            del members[victim]
        elif action == "rename":
            members[victim + "x"] = members.pop(victim)
        elif action == "traversal":
            members["../" + victim] = members[victim]
        else:
            a, b = rng.sample(sorted(members), 2)
            members[a], members[b] = members[b], members[a]
    with zipfile.ZipFile(dst, "w", rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])) \
            as z:
        for name, data in members.items():
            z.writestr(name, data)
    if family == "keras_zip_bytes":
        mutate_h5_bytes(dst, dst, rng.choice(H5_BYTE_FAMILIES), rng, other)


# ------------------------------------------------------------------ mutant plan

def make_mutants(seeds, n, seed, workdir, canary):
    """n mutant cases {id, family, loader, path, seed}; files written to workdir."""
    rng = random.Random(seed)
    configs = {name: json.load(open(p["json"])) for name, p in seeds.items()}
    names = sorted(seeds)
    cases = []
    for i in range(n):
        name = rng.choice(names)
        other = seeds[rng.choice(names)]["h5"]
        kind = rng.choices(["h5_bytes", "h5_struct", "json", "yaml", "keras_zip"],
                           weights=[28, 37, 14, 12, 9])[0]
        path = os.path.join(workdir, f"m{i:05d}")
        try:
            if kind == "h5_bytes":
                family = rng.choice(H5_BYTE_FAMILIES)
                src = seeds[name][rng.choices(["h5", "weights", "weights3"], [7, 2, 1])[0]]
                mutate_h5_bytes(src, path + ".h5", family, rng, other)
                loader = rng.choice(["load_model", "load_model", "load_weights",
                                     "load_weights_by_name"])
                path += ".h5"
            elif kind == "h5_struct":
                family = rng.choice(H5_STRUCT_FAMILIES)
                src = seeds[name][rng.choices(["h5", "weights", "weights3"], [7, 2, 1])[0]]
                mutate_h5_struct(src, path + ".h5", family, rng, other, workdir, canary)
                loader = rng.choice(["load_model", "load_model", "load_weights",
                                     "load_weights_by_name"])
                path += ".h5"
            elif kind == "json":
                family, mutated = mutate_config(configs[name], rng, canary)
                text = mutated if isinstance(mutated, str) else json.dumps(mutated)
                path += ".json"
                with open(path, "w", errors="surrogatepass") as fh:
                    fh.write(text)
                loader = "model_from_json"
            elif kind == "yaml":
                family, text = mutate_yaml(configs[name], rng, canary)
                path += ".yaml"
                with open(path, "wb") as fh:
                    fh.write(text if isinstance(text, bytes)
                             else text.encode("utf-8", "surrogatepass"))
                loader = "model_from_yaml"
            else:
                family = rng.choice(KERAS_ZIP_FAMILIES)
                path += ".keras"
                make_keras_zip(seeds[name]["keras"], path, family, rng, canary, other,
                               workdir)
                loader = rng.choice(["load_model", "load_model", "load_weights"])
        except Exception as e:  # noqa: BLE001 - a mutation h5py refuses: skip it
            family, loader = "mutation_failed", None
            path = f"{type(e).__name__}: {e}"
        cases.append({"id": i, "seed_model": name, "family": family, "loader": loader,
                      "path": path, "weights_json": seeds[name]["json"]})
    return cases


# --------------------------------------------------------- the forked loader

def _foreign_callables(model):
    """Callables held by layers that come neither from ckeras nor NumPy."""
    import types
    seen, found, stack = set(), [], list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        for v in vars(layer).values():
            if isinstance(v, (types.FunctionType, types.BuiltinFunctionType,
                              types.MethodType)):
                mod = getattr(v, "__module__", None) or ""
                if not (mod.startswith("ckeras") or mod.startswith("numpy")):
                    found.append(f"{getattr(layer, 'name', '?')}: {mod}.{v.__qualname__}")
            elif hasattr(v, "get_config") and hasattr(v, "__dict__"):
                stack.append(v)
            elif isinstance(v, (list, tuple)):
                stack.extend(x for x in v if hasattr(x, "get_config"))
    return found


def _zeros_for(model):
    import numpy as np
    xs = []
    for t in model.inputs:
        shape = [2] + [3 if d is None else d for d in t.shape[1:]]
        if int(np.prod(shape)) > 10 ** 7:
            return None
        xs.append(np.zeros(shape, dtype=getattr(t, "dtype", "float32") or "float32"))
    return xs


def _load(case):
    """Runs in the child: load, then predict; returns the report dict."""
    import numpy as np  # noqa: F401 - warm

    from ckeras import models
    loader = case["loader"]
    path = case["path"]
    if loader.startswith("selftest_"):
        return _selftest(loader, path)
    if loader == "load_model":
        model = models.load_model(path)
    elif loader in ("load_weights", "load_weights_by_name"):
        with open(case["weights_json"]) as fh:
            model = models.model_from_json(fh.read())
        if loader == "load_weights":
            model.load_weights(path)
        else:
            model.load_weights(path, by_name=True, skip_mismatch=True)
    elif loader == "model_from_json":
        with open(path, encoding="utf-8", errors="surrogatepass") as fh:
            model = models.model_from_json(fh.read())
    else:
        with open(path, "rb") as fh:
            model = models.model_from_yaml(fh.read())
    report = {"status": "loaded", "foreign": _foreign_callables(model)}
    xs = _zeros_for(model) if getattr(model, "inputs", None) else None
    if xs is not None:
        model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        report["predicted"] = True
    return report


def _selftest(loader, path):
    """Loaders that misbehave on purpose, to check the classification."""
    if loader == "selftest_sleep":
        time.sleep(3600)
    if loader == "selftest_segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if loader == "selftest_exit":
        os._exit(3)
    if loader == "selftest_alloc":
        import numpy as np
        np.ones(1 << 40, dtype=np.uint8)
    if loader == "selftest_unsafe_yaml":  # what a loader must never do
        import yaml
        with open(path) as fh:
            yaml.unsafe_load(fh.read())
    if loader == "selftest_unsafe_json":
        from ckeras import models
        with open(path) as fh:
            models.model_from_json(fh.read(), safe_mode=False)
    return {"status": "loaded", "foreign": []}


def _child(case, wfd, memory_bytes, cwd, errlog):
    import faulthandler
    import resource
    os.chdir(cwd)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    err = os.open(errlog, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(err, 2)
    faulthandler.enable(file=sys.stderr)  # a crash leaves its Python stack in errlog
    report = {"status": "error"}
    try:
        import warnings
        warnings.simplefilter("ignore")
        report = _load(case)
    except MemoryError:
        report = {"status": "memory"}
    except BaseException as e:  # noqa: BLE001 - every exception is an outcome
        msg = str(e)
        report = {"status": "error", "exc": type(e).__name__, "msg": msg[:300],
                  "msg_len": len(msg)}
    try:
        os.write(wfd, (json.dumps(report) + "\n").encode())
    finally:
        os._exit(0)


def run_case(case, timeout, memory_bytes, cwd, canary):
    """Fork, load case in the child, classify. Returns the result dict."""
    errlog = os.path.join(os.path.dirname(os.path.abspath(cwd)), "child-stderr")
    res = _run_forked(case, timeout, memory_bytes, cwd, errlog)
    if res["outcome"] == "crash" and os.path.exists(errlog):
        with open(errlog, "rb") as fh:
            res["report"]["stderr_tail"] = fh.read()[-1500:].decode(errors="replace")
    leaked = ([canary] if os.path.exists(canary) else []) + \
        [os.path.join(cwd, p) for p in os.listdir(cwd)]
    if leaked:
        res = dict(res, outcome="code-exec", report={"canary": leaked, "was": res["report"]})
        for p in leaked:
            if os.path.isfile(p):
                os.remove(p)
    return res


def _run_forked(case, timeout, memory_bytes, cwd, errlog):
    rfd, wfd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(rfd)
        try:
            _child(case, wfd, memory_bytes, cwd, errlog)
        finally:
            os._exit(70)
    os.close(wfd)
    chunks, status, killed = [], None, False
    deadline = start + timeout
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
            ready, _, _ = select.select([rfd, pidfd], [], [], left)
            if rfd in ready:
                data = os.read(rfd, 65536)
                if data:
                    chunks.append(data)
                    continue
            if pidfd in ready:
                break
            if rfd in ready:  # EOF before exit: wait for the exit
                select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
                if time.monotonic() >= deadline:
                    os.kill(pid, signal.SIGKILL)
                    killed = True
                break
        _, status = os.waitpid(pid, 0)
        while True:
            data = os.read(rfd, 65536)
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(pidfd)
        os.close(rfd)
    elapsed = time.monotonic() - start
    text = b"".join(chunks).decode(errors="replace").strip()
    report = json.loads(text) if text else None
    if killed:
        outcome = "hang"
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        outcome = "crash"
        report = {"signal": signal.Signals(sig).name}
    elif report is None:
        outcome = "crash"
        report = {"exit_status": os.WEXITSTATUS(status)}
    elif report.get("status") == "memory" or report.get("exc") == "MemoryError":
        outcome = "memory"
    elif report.get("foreign"):
        outcome = "code-exec"
    elif report.get("status") == "loaded" and case["family"] in LINK_FAMILIES:
        outcome = "link-followed"
    else:
        outcome = "clean"
    return {"outcome": outcome, "seconds": round(elapsed, 3), "report": report}


# -------------------------------------------------------------------- driver

def address_space_cap(memory_mb):
    """RLIMIT_AS for a child: what this process maps now plus memory_mb (0: none)."""
    if not memory_mb:
        return 0
    with open("/proc/self/status") as fh:
        vm = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:"))
    return vm * 1024 + memory_mb * (1 << 20)


def run(n, seed, timeout, memory_mb, keep=None, log=print):
    """Generate n mutants and load each; returns the summary dict."""
    import resource
    work = keep or tempfile.mkdtemp(prefix="ckeras-modelfuzz-")
    os.makedirs(work, exist_ok=True)
    seeds_dir = os.path.join(work, "seeds")
    os.makedirs(seeds_dir, exist_ok=True)
    cwd = os.path.join(work, "cwd")
    os.makedirs(cwd, exist_ok=True)
    canary = os.path.join(work, "CANARY")
    t0 = time.monotonic()
    seeds = write_seeds(seeds_dir)
    cases = make_mutants(seeds, n, seed, work, canary)
    t_gen = time.monotonic() - t0
    memory_bytes = address_space_cap(memory_mb)
    results = []
    for case in cases:
        if case["loader"] is None:
            results.append(dict(case, outcome="skipped", seconds=0.0, report=None))
            continue
        results.append(dict(case, **run_case(case, timeout, memory_bytes, cwd, canary)))
    summary = summarize(results)
    summary["seconds_generate"] = round(t_gen, 2)
    summary["seconds_total"] = round(time.monotonic() - t0, 2)
    summary["workdir"] = work
    summary["child_cpu_seconds"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime, 2)
    summary["results"] = results
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def summarize(results):
    counts = collections.Counter(r["outcome"] for r in results)
    by_family = collections.defaultdict(collections.Counter)
    errors = collections.Counter()
    for r in results:
        by_family[r["family"]][r["outcome"]] += 1
        if r["outcome"] == "clean" and r["report"] and r["report"].get("exc"):
            errors[r["report"]["exc"]] += 1
    known, failing = [], []
    for r in results:
        o = r["outcome"]
        if o in ("clean", "skipped"):
            continue
        key = (o, r["family"])
        if o not in FAIL_ALWAYS and key in KNOWN_OPEN:
            known.append((r, KNOWN_OPEN[key]))
        else:
            failing.append(r)
    return {"cases": len(results), "outcomes": dict(counts),
            "by_family": {k: dict(v) for k, v in sorted(by_family.items())},
            "exceptions": dict(errors.most_common()),
            "known": [{"id": r["id"], "family": r["family"], "outcome": r["outcome"],
                       "why": why} for r, why in known],
            "failing": failing}


def format_summary(s):
    lines = [f"model-file fuzzer: {s['cases']} mutants in {s['seconds_total']} s "
             f"(generation {s['seconds_generate']} s)",
             "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(s["outcomes"].items()))]
    if s["known"]:
        per = collections.Counter((k["outcome"], k["why"]) for k in s["known"])
        lines.append("known open items (counted, not failed):")
        lines += [f"  {n} x {o}: {why}" for (o, why), n in sorted(per.items())]
    if s["failing"]:
        lines.append(f"FINDINGS ({len(s['failing'])}):")
        for r in s["failing"][:50]:
            lines.append(f"  #{r['id']} {r['outcome']} family={r['family']} "
                         f"loader={r['loader']} seed_model={r['seed_model']} "
                         f"report={json.dumps(r['report'])[:300]}")
    lines.append("exceptions of clean failures: " + ", ".join(
        f"{k} {v}" for k, v in list(s["exceptions"].items())[:12]))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mutants", type=int, default=1000)
    p.add_argument("--seed", type=int, default=None, help="default: random (printed)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per load")
    p.add_argument("--memory-mb", type=int, default=1024,
                   help="address space a child may map beyond the parent's")
    p.add_argument("--ci", action="store_true",
                   help="bounded and seeded: 150 mutants, seed 19, 3 s per load")
    p.add_argument("--keep", help="keep the mutants and seeds in this folder")
    p.add_argument("--json", help="write the full results here")
    args = p.parse_args(argv)
    if args.ci:
        args.mutants, args.seed, args.timeout = 150, 19 if args.seed is None else args.seed, 3.0
    if args.seed is None:
        args.seed = random.randrange(2 ** 31)
    print(f"model-file fuzzer: seed {args.seed}, {args.mutants} mutants, "
          f"{args.timeout} s and {args.memory_mb} MB per load", flush=True)
    summary = run(args.mutants, args.seed, args.timeout, args.memory_mb, keep=args.keep)
    print(format_summary(summary), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(summary, fh, indent=1, default=str)
    return 1 if summary["failing"] else 0


if __name__ == "__main__":
    sys.exit(main())

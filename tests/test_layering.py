"""The layer stack of docs/architecture.md, enforced on the source.

Each module has a level (the longest matching prefix in LEVELS). A module
may import, at module level, only modules of its own level or below;
importing `a.b.c` also runs the packages `a.b` and `a`, so they count too.
A function-local import of a ckeras module or of a heavy dependency must
say why it is local, on its line: `# lazy: heavy` (an optional heavy
dependency, loaded on first use), `# lazy: startup` (a sizable lower module
that only some calls need, kept out of `import ckeras`) or `# lazy: E<n>`,
one of the documented EXCEPTIONS below (each an upward call the stack
cannot avoid). And no
module imports another module's private (`_name`) names.
"""
import ast
import pathlib
import re

import ckeras

ROOT = pathlib.Path(ckeras.__file__).resolve().parent

LEVELS = {
    # leaves anyone may import: they import no other ckeras module
    "ckeras._internal": 0,
    "ckeras.saving": 0,                       # the package: re-exports of the leaves
    "ckeras.saving.object_registry": 0,
    "ckeras.saving.serialization": 0,
    "ckeras.saving.safe_mode": 0,
    "ckeras.saving.lambda_code": 5,           # Lambda's (opt-in) code format; needs backend
    "ckeras._ext": 1,
    "ckeras.kernels": 2,
    "ckeras.autograd": 3,
    "ckeras.backend": 4,
    # the configuration modules: objects that layers and compile() resolve
    "ckeras.activations": 5,
    "ckeras.initializers": 5,
    "ckeras.regularizers": 5,
    "ckeras.constraints": 5,
    "ckeras.losses": 5,
    "ckeras.objectives": 5,                   # Keras 1/2's name of the losses module
    "ckeras.metrics": 5,
    "ckeras.optimizers": 5,
    "ckeras.callbacks": 5,
    "ckeras.utils": 5,
    "ckeras.engine": 6,
    "ckeras.layers": 7,
    # file formats (every other ckeras.saving module)
    "ckeras.saving.": 8,
    "ckeras.models": 9,
    "ckeras.preprocessing": 9,
    "ckeras.datasets": 9,
    "ckeras.testing": 9,
    "ckeras.applications": 9,
    "ckeras.__main__": 9,
    "ckeras.distribute": 9,
}

EXCEPTIONS = {
    "E1": "K.function, K.placeholder and symbolic K.gradients build graph models "
          "(backend -> engine), as tf-keras",
    "E2": "Model's save/load/to_json/get_config entry points delegate to the file formats "
          "(engine -> saving)",
    "E3": "Functional and Sequential serialize and rebuild their layers by class name "
          "(engine -> layers)",
    "E4": "activations.get/deserialize resolve the advanced-activation layer classes by "
          "name (activations -> layers)",
    "E5": "the ckeras.saving package holds only the registry leaves at import; "
          "safe_load_model (a file format) loads on first access",
    "E6": "ckeras.utils re-exports preprocessing helpers under their tf.keras names "
          "(utils -> preprocessing)",
    "E7": "Model(inputs, outputs) returns a Functional, the subclass defined on top of Model "
          "(one level, circular by design, as in tf-keras)",
    "E8": "BackupAndRestore writes its training-state file with the h5 format's crash-safe "
          "writer (callbacks -> saving)",
    "E9": "Model.fit/evaluate/predict hand Dask collections and models compiled in a "
          "DaskStrategy scope to ckeras.distribute (engine -> distribute)",
}
HEAVY = {"h5py", "yaml", "PIL", "scipy", "pandas", "tensorflow", "tf_keras", "torch", "dask",
         "pydot", "IPython", "tensorboard", "distributed"}
TAG = re.compile(r"#\s*lazy:\s*(heavy|startup|E\d+)\b")


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


MODULES = dict(_modules())


def level(module):
    if module == "ckeras":
        return None
    best = max((p for p in LEVELS if module == p or module.startswith(
        p if p.endswith(".") else p + ".")), key=len, default=None)
    assert best is not None, f"{module} has no level in LEVELS"
    return LEVELS[best]


def _targets(node, importer):
    """The ckeras modules an import node runs, parents included."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            pkg = importer.split(".")
            is_pkg = MODULES[importer].name == "__init__.py"
            pkg = pkg[:len(pkg) - node.level + (1 if is_pkg else 0)]
            base = ".".join(pkg + ([base] if base else []))
        names = [base] + [f"{base}.{a.name}" for a in node.names
                          if f"{base}.{a.name}" in MODULES]
    out = set()
    for name in names:
        if not name.startswith("ckeras"):
            continue
        parts = name.split(".")
        for i in range(2, len(parts) + 1):
            mod = ".".join(parts[:i])
            if mod in MODULES and not importer.startswith(mod + ".") and mod != importer:
                out.add(mod)
    return out


def _visit(node, local, module, lines, rows):
    for child in ast.iter_child_nodes(node):
        inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            text = " ".join(lines[child.lineno - 1:child.end_lineno])
            if isinstance(child, ast.Import):
                tops = [a.name.split(".")[0] for a in child.names]
                private = []
            else:
                tops = [] if child.level else [(child.module or "").split(".")[0]]
                private = [a.name for a in child.names
                           if a.name.startswith("_") and not a.name.startswith("__")]
            rows.append((module, child.lineno, text, _targets(child, module), local, private,
                         [t for t in tops if t in HEAVY]))
        _visit(child, inner, module, lines, rows)


def _scan():
    """(module, line, text, targets, local, private names, heavy) per import."""
    rows = []
    for module, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        _visit(ast.parse(source), False, module, source.splitlines(), rows)
    return rows


ROWS = _scan()


def test_every_module_has_a_level():
    for module in MODULES:
        level(module)


def test_no_upward_import_at_module_level():
    bad = [f"{m}:{line}: {text.strip()} (level {level(m)} imports {sorted(t)})"
           for m, line, text, targets, local, _, _ in ROWS if not local and m != "ckeras"
           for t in [{x for x in targets if level(x) is not None and level(x) > level(m)}]
           if t]
    assert bad == [], "\n".join(bad)


def test_local_imports_say_why():
    bad = [f"{m}:{line}: {text.strip()}" for m, line, text, targets, local, _, heavy in ROWS
           if local and (targets or heavy) and not TAG.search(text)]
    assert bad == [], "untagged function-local imports:\n" + "\n".join(bad)


def test_local_import_tags_are_known_and_needed():
    bad = []
    for m, line, text, targets, local, _, heavy in ROWS:
        tag = TAG.search(text)
        if not tag:
            continue
        why = tag.group(1)
        if not local:
            bad.append(f"{m}:{line}: a module-level import needs no tag")
        elif why == "heavy" and not heavy:
            bad.append(f"{m}:{line}: tagged heavy, imports no heavy dependency")
        elif why.startswith("E") and why not in EXCEPTIONS:
            bad.append(f"{m}:{line}: unknown exception {why}")
        elif why.startswith("E") and not any(level(t) >= level(m) for t in targets):
            bad.append(f"{m}:{line}: {why} on an import of a lower level: move it to the top")
        elif why == "startup" and any(level(t) > level(m) for t in targets):
            bad.append(f"{m}:{line}: an upward import needs an exception, not 'startup'")
    assert bad == [], "\n".join(bad)


def test_heavy_dependencies_are_never_imported_at_module_level():
    bad = [f"{m}:{line}: {text.strip()}" for m, line, text, _, local, _, heavy in ROWS
           if heavy and not local]
    assert bad == [], "\n".join(bad)


def test_no_private_names_from_other_modules():
    bad = [f"{m}:{line}: {text.strip()}" for m, line, text, _, _, private, _ in ROWS
           if private]
    assert bad == [], "\n".join(bad)


def test_exceptions_are_documented():
    # next to the tests, not the package: ckeras may be installed elsewhere (.ci/sdist)
    doc = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text(
        encoding="utf-8")
    for key in EXCEPTIONS:
        assert f"**{key}**" in doc, key

"""Keras 3 config forms ckeras's (tf-keras) deserializers do not read,
rewritten before a config is deserialized.

- class names: Keras 3.0 to 3.3 wrote some initializers under their Python
  class names (`OrthogonalInitializer`, `IdentityInitializer`); later
  releases write the exported names (`Orthogonal`), as tf-keras does;
- Lambda functions: Keras 3 stores a Python lambda as
  `{"class_name": "__lambda__", "config": {"code", "defaults", "closure"}}`
  (the same marshal + base64 code text as tf-keras), tf-keras as
  `"function": [code, defaults, closure], "function_type": "lambda"`; a named
  function as `{"class_name": "function", "config": name, "module": ...}`,
  tf-keras as `"function": name, "function_type": "function"`. The bytecode
  is still only loaded with `safe_mode=False`, a named function only through
  `custom_objects`.

Other Keras 3 specifics (DTypePolicy dicts, `batch_shape`, new default
valued keys, `{args, kwargs}` nodes) are read by
`ckeras.saving.model_config`.
"""
KERAS3_CLASS_NAMES = {
    "OrthogonalInitializer": "Orthogonal",
    "IdentityInitializer": "Identity",
}


def _lambda_function(cfg):
    for key in ("function", "output_shape", "mask"):
        fn = cfg.get(key)
        if not isinstance(fn, dict):
            continue
        module_key = "module" if key == "function" else f"{key}_module"
        if fn.get("class_name") == "__lambda__" and isinstance(fn.get("config"), dict):
            inner = fn["config"]
            cfg[key] = [inner.get("code"), inner.get("defaults"), inner.get("closure")]
            cfg[f"{key}_type"] = "lambda"
        elif fn.get("class_name") == "function" and isinstance(fn.get("config"), str):
            cfg[key] = fn["config"]
            cfg[f"{key}_type"] = "function"
            cfg[module_key] = fn.get("module")


def from_keras3(obj):
    """Rewrites the Keras 3 forms above in a config, in place; returns `obj`.

    Only serialized objects (dicts with `class_name` and `config`) are
    changed; the names are Keras' own, so no user class is shadowed.
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            name = item.get("class_name")
            if isinstance(name, str) and isinstance(item.get("config"), dict):
                if name in KERAS3_CLASS_NAMES:
                    item["class_name"] = KERAS3_CLASS_NAMES[name]
                elif name == "Lambda":
                    _lambda_function(item["config"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return obj

"""Keras 3 class names that differ from the tf-keras ones ckeras uses.

Keras 3.0 to 3.3 wrote some initializers under their Python class names
(`OrthogonalInitializer`, `IdentityInitializer`); later releases write the
exported names (`Orthogonal`), as tf-keras does.
"""
KERAS3_CLASS_NAMES = {
    "OrthogonalInitializer": "Orthogonal",
    "IdentityInitializer": "Identity",
}


def rename_classes(obj):
    """Renames Keras 3 class names in a config, in place; returns `obj`.

    Only serialized objects (dicts with `class_name` and `config`) are
    renamed; a user class of the same name (in `custom_objects`) is not
    expected, since these are Keras' own names.
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            name = item.get("class_name")
            if isinstance(name, str) and name in KERAS3_CLASS_NAMES and "config" in item:
                item["class_name"] = KERAS3_CLASS_NAMES[name]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return obj

"""ckeras.saving.object_registry and the generic (de)serialization helpers."""
import json
import sys
import threading

import pytest

from ckeras.saving import object_registry as reg
from ckeras.saving.object_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ckeras.saving.serialization import deserialize_keras_object, serialize_keras_object


@pytest.fixture(autouse=True)
def clean_registry():
    saved = (dict(reg._GLOBAL_CUSTOM_OBJECTS), dict(reg._GLOBAL_CUSTOM_NAMES),
             dict(reg._PLAIN_NAMES))
    yield
    for d, old in zip((reg._GLOBAL_CUSTOM_OBJECTS, reg._GLOBAL_CUSTOM_NAMES,
                       reg._PLAIN_NAMES), saved):
        d.clear()
        d.update(old)


class Thing:
    def __init__(self, a=1, b="x"):
        self.a, self.b = a, b

    def get_config(self):
        return {"a": self.a, "b": self.b}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Other(Thing):
    pass


def double(x):
    return 2 * x


MODULE = {"Thing": Thing, "double": double}


# ------------------------------------------------------------ custom scopes
def test_custom_object_scope_resolves_only_inside():
    assert get_registered_object("Other") is None
    with custom_object_scope({"Other": Other}) as scope:
        assert isinstance(scope, CustomObjectScope)
        assert get_registered_object("Other") is Other
        obj = deserialize_keras_object({"class_name": "Other", "config": {"a": 5}})
        assert type(obj) is Other and obj.a == 5
    assert get_registered_object("Other") is None
    with pytest.raises(ValueError, match="Other"):
        deserialize_keras_object({"class_name": "Other", "config": {}})


def test_scopes_nest_shadow_and_restore():
    assert custom_object_scope is CustomObjectScope
    with CustomObjectScope({"A": Thing}, {"B": Other}, None):
        assert get_registered_object("A") is Thing
        assert get_registered_object("B") is Other
        with CustomObjectScope({"A": Other}):
            assert get_registered_object("A") is Other
        assert get_registered_object("A") is Thing
    assert get_registered_object("A") is None


def test_scope_restores_after_exception():
    with pytest.raises(RuntimeError):
        with custom_object_scope({"Z": Thing}):
            raise RuntimeError("boom")
    assert get_registered_object("Z") is None


def test_scope_is_per_thread():
    seen = []
    with custom_object_scope({"T": Thing}):
        t = threading.Thread(target=lambda: seen.append(get_registered_object("T")))
        t.start()
        t.join()
    assert seen == [None]


def test_scope_rejects_non_dicts():
    with pytest.raises(TypeError):
        custom_object_scope(["Thing"])


def test_get_custom_objects_is_global_and_mutable():
    get_custom_objects()["MyThing"] = Other
    assert get_registered_object("MyThing") is Other
    assert type(deserialize_keras_object("MyThing")) is Other


def test_lookup_priority():
    # scope > global > custom_objects > module_objects
    assert get_registered_object("Thing", {"Thing": Other}, MODULE) is Other
    assert get_registered_object("Thing", None, MODULE) is Thing
    get_custom_objects()["Thing"] = double
    assert get_registered_object("Thing", {"Thing": Other}, MODULE) is double
    with custom_object_scope({"Thing": Other}):
        assert get_registered_object("Thing", None, MODULE) is Other
    assert get_registered_object(None) is None


# ------------------------------------------------ register_keras_serializable
def test_register_class():
    @register_keras_serializable(package="my_pkg")
    class Gadget(Thing):
        pass

    assert get_registered_name(Gadget) == "my_pkg>Gadget"
    assert Gadget._keras_serializable == "my_pkg>Gadget"
    assert get_custom_objects()["my_pkg>Gadget"] is Gadget
    assert get_registered_object("my_pkg>Gadget") is Gadget
    assert get_registered_object("Gadget") is Gadget             # plain name fallback
    cfg = serialize_keras_object(Gadget(a=3))
    assert cfg == {"class_name": "my_pkg>Gadget", "config": {"a": 3, "b": "x"}}
    back = deserialize_keras_object(json.loads(json.dumps(cfg)))
    assert type(back) is Gadget and back.a == 3
    plain = deserialize_keras_object({"class_name": "Gadget", "config": {"a": 4}})
    assert type(plain) is Gadget and plain.a == 4


def test_register_default_package_and_custom_name():
    @register_keras_serializable()
    class Widget(Thing):
        pass

    @register_keras_serializable(package="p", name="renamed")
    def my_fn(x):
        return x

    assert get_registered_name(Widget) == "Custom>Widget"
    assert get_registered_name(my_fn) == "p>renamed"
    assert serialize_keras_object(my_fn) == "p>renamed"
    assert deserialize_keras_object("p>renamed") is my_fn


def test_register_subclass_does_not_inherit_name():
    @register_keras_serializable(package="q")
    class Base(Thing):
        pass

    class Child(Base):
        pass

    assert get_registered_name(Child) == "Child"
    assert serialize_keras_object(Child())["class_name"] == "Child"


def test_register_needs_get_config():
    with pytest.raises(ValueError, match="get_config"):
        @register_keras_serializable()
        class NoConfig:
            pass
    with pytest.raises(ValueError):
        register_keras_serializable(package="a>b")


def test_builtin_name_not_shadowed_by_plain_registered_name():
    @register_keras_serializable(package="x")
    class Thing(Other):  # noqa: F811 - same plain name as a built-in
        pass

    assert get_registered_object("Thing", None, MODULE) is MODULE["Thing"]
    assert get_registered_object("x>Thing", None, MODULE) is Thing


# --------------------------------------------------------- serialization
def test_serialize_basic_forms():
    assert serialize_keras_object(None) is None
    assert serialize_keras_object(double) == "double"
    assert serialize_keras_object(Thing) == "Thing"
    assert serialize_keras_object(Thing(2, "y")) == {"class_name": "Thing",
                                                     "config": {"a": 2, "b": "y"}}
    with pytest.raises(ValueError):
        serialize_keras_object(3.5)


def test_serialize_with_module_form():
    @register_keras_serializable(package="pk")
    class Gizmo(Thing):
        pass

    cfg = serialize_keras_object(Gizmo(), module="keras.initializers")
    assert cfg["class_name"] == "Gizmo" and cfg["registered_name"] == "pk>Gizmo"
    assert cfg["module"] == Gizmo.__module__
    back = deserialize_keras_object(cfg)
    assert type(back) is Gizmo
    unregistered = serialize_keras_object(Other(), module="keras.layers")
    assert unregistered["registered_name"] == "Other"
    assert type(deserialize_keras_object(unregistered, custom_objects={"Other": Other})) is Other


def test_nested_objects_are_passively_serialized():
    outer = Thing(a=Thing(a=7), b=double)
    cfg = serialize_keras_object(outer)
    assert cfg["config"]["a"] == {"class_name": "Thing", "config": {"a": 7, "b": "x"},
                                  "__passive_serialization__": True}
    assert cfg["config"]["b"] == "double"
    back = deserialize_keras_object(json.loads(json.dumps(cfg)), module_objects=MODULE,
                                    custom_objects={"double": double})
    assert type(back.a) is Thing and back.a.a == 7
    assert back.b is double


# ------------------------------------------------------- deserialization
def test_deserialize_strings():
    obj = deserialize_keras_object("Thing", module_objects=MODULE)
    assert type(obj) is Thing and obj.a == 1                      # classes instantiated
    assert deserialize_keras_object("double", module_objects=MODULE) is double
    assert deserialize_keras_object(None) is None


def test_deserialize_legacy_and_keras3_dicts():
    legacy = {"class_name": "Thing", "config": {"a": 3}}
    assert deserialize_keras_object(legacy, module_objects=MODULE).a == 3
    assert legacy == {"class_name": "Thing", "config": {"a": 3}}   # not mutated
    k3 = {"module": "some.module", "class_name": "Thing", "config": {"a": 4},
          "registered_name": None, "shared_object_id": 1234,
          "build_config": {"input_shape": [None, 3]}}
    assert deserialize_keras_object(k3, module_objects=MODULE).a == 4
    k3_fn = {"module": "builtins", "class_name": "function", "config": "double",
             "registered_name": "function"}
    assert deserialize_keras_object(k3_fn, module_objects=MODULE) is double


def test_deserialize_passes_objects_through():
    t = Thing()
    assert deserialize_keras_object(t) is t
    assert deserialize_keras_object(double) is double
    with pytest.raises(ValueError, match="Could not interpret"):
        deserialize_keras_object(12, printable_module_name="gizmo")


def test_unknown_names_error_message():
    with pytest.raises(ValueError) as e:
        deserialize_keras_object("Foo", module_objects=MODULE, printable_module_name="widget")
    msg = str(e.value)
    assert "Unknown widget: 'Foo'" in msg and "custom_object_scope" in msg
    with pytest.raises(ValueError, match="Unknown layer: 'Bar'"):
        deserialize_keras_object({"class_name": "Bar", "config": {}}, MODULE,
                                 printable_module_name="layer")
    with pytest.raises(ValueError, match="pkg>Baz"):
        deserialize_keras_object({"module": "m", "class_name": "Baz", "config": {},
                                  "registered_name": "pkg>Baz"}, MODULE)
    with pytest.raises(ValueError, match="Improper config"):
        deserialize_keras_object({"config": {}}, MODULE)


def test_never_imports_or_evaluates_module_names():
    for payload in [
        {"module": "os", "class_name": "system", "config": {"command": "true"}},
        {"module": "subprocess", "class_name": "Popen", "config": {}},
        {"module": "ckeras_no_such_module_q", "class_name": "X", "config": {},
         "registered_name": "ckeras_no_such_module_q.X"},
        {"class_name": "__import__('os')", "config": {}},
    ]:
        with pytest.raises(ValueError):
            deserialize_keras_object(payload, module_objects=MODULE)
    assert "ckeras_no_such_module_q" not in sys.modules


def test_from_config_receives_custom_objects_when_it_asks():
    received = {}

    class Container(Thing):
        @classmethod
        def from_config(cls, config, custom_objects=None):
            received.update(custom_objects or {})
            return cls(**config)

    get_custom_objects()["GlobalThing"] = Thing
    deserialize_keras_object({"class_name": "Container", "config": {}},
                             custom_objects={"Container": Container, "Mine": Other})
    assert received["Mine"] is Other and received["GlobalThing"] is Thing


def test_from_config_runs_inside_scope_of_custom_objects():
    class Holder(Thing):
        @classmethod
        def from_config(cls, config):
            inner = deserialize_keras_object(config.pop("inner"))
            obj = cls(**config)
            obj.inner = inner
            return obj

    obj = deserialize_keras_object(
        {"class_name": "Holder", "config": {"inner": {"class_name": "Other", "config": {}}}},
        custom_objects={"Holder": Holder, "Other": Other})
    assert type(obj.inner) is Other


def test_function_without_from_config_is_called_with_config():
    def make(a=0, b="z"):
        return Thing(a, b)

    obj = deserialize_keras_object({"class_name": "make", "config": {"a": 9}},
                                   module_objects={"make": make})
    assert type(obj) is Thing and obj.a == 9 and obj.b == "z"


def test_registered_function_names_in_config_are_resolved():
    @register_keras_serializable(package="f")
    def squash(x):
        return x

    class Named(Thing):
        def __init__(self, a=1, b="x", name=None):
            super().__init__(a, b)
            self.name = name

    obj = deserialize_keras_object(
        {"class_name": "Named", "config": {"a": "f>squash", "name": "f>squash"}},
        module_objects={"Named": Named})
    assert obj.a is squash
    assert obj.name == "f>squash"          # `name` is never resolved

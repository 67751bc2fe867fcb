"""``error.kind``, ``error.layer``, ``error.port``, ... : the first problem's fields, read-only, beside the
``diagnostics`` that hold every problem's (before, ``error.kind`` was an AttributeError)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from netgraph import LinearLayer, NetGraph, NetPort, OptionError, WiringError
from netgraph.core.errors import Diagnostic, NetGraphError, SpecError
from netgraph.spec.yaml_nodes import Loc, YamlRefused

FIELDS = ("kind", "layer", "port", "edge", "option", "expected", "found", "detail", "hint")


def test_an_unknown_port_error_says_its_kind_layer_and_port():
    with pytest.raises(WiringError) as info:
        NetGraph([LinearLayer(2), LinearLayer(3)], [(NetPort(1, "Outptu"), 2)], Input=4)
    error = info.value
    assert (error.kind, error.layer, error.port, error.edge) == ("unknown-port", ("1",), "Outptu", 0)
    first = error.diagnostics[0]
    assert [getattr(error, f) for f in FIELDS] == [getattr(first, f) for f in FIELDS]


def test_each_field_is_the_first_diagnostic_s_even_with_several():
    values = {"kind": "k", "layer": ("a", "b"), "port": "P", "edge": 3, "option": "o", "expected": (3,),
              "found": (4,), "detail": "d", "hint": "h"}
    first, second = Diagnostic("one", **values), Diagnostic("two", kind="other", port="Q")
    error = NetGraphError("two problems", diagnostics=[first, second])
    assert {f: getattr(error, f) for f in FIELDS} == values
    assert [d.kind for d in error.diagnostics] == ["k", "other"]


def test_fields_given_beside_the_message_are_read_back():
    error = OptionError("bad seed", option="seed", found=-1, kind="option-value")
    assert (error.option, error.found, error.kind, error.port, error.layer) == ("seed", -1, "option-value", None, None)
    assert NetGraphError("plain").kind == "error"


def test_the_fields_are_read_only():
    error = OptionError("bad", kind="option-value")
    for field in FIELDS:
        with pytest.raises(AttributeError):
            setattr(error, field, "x")
    assert error.kind == "option-value"


def test_an_error_without_diagnostics_gives_each_field_s_default():
    error = NetGraphError("emptied")
    error.diagnostics = []
    defaults = {f.name: f.default for f in dataclasses.fields(Diagnostic)}
    assert [getattr(error, f) for f in FIELDS] == [defaults[f] for f in FIELDS]


def test_existing_attributes_keep_working_and_the_error_pickles():
    error = OptionError("bad", [Diagnostic("x", "unknown-port", port="P")], option="o")
    assert error.errors == ["x"] and str(error) == "bad" and isinstance(error, ValueError)
    back = pickle.loads(pickle.dumps(error))
    assert (back.kind, back.port, back.option) == ("unknown-port", "P", "o")


def test_a_yaml_refusal_keeps_its_kind_as_its_diagnostic_s():
    refused = YamlRefused("n.yaml", Loc(2, 1), "duplicate key 'a'", "duplicate-key")
    assert isinstance(refused, SpecError) and refused.kind == refused.diagnostics[0].kind == "duplicate-key"
    assert (refused.loc, refused.problem) == (Loc(2, 1), "duplicate key 'a'")

"""The JSON Schema (``netgraph schema``) against the loader, both ways: (a) every spec the loader takes validates, so an
editor never flags a good spec; (b) a layer the schema takes loads, or fails only for what a schema cannot say (shapes,
wiring, ranges), never for a type, key or required option the schema got wrong. Values come from the parity examples
of every registered layer type, changed one option at a time (hypothesis, fixed seed, bounded)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from netgraph import NetGraph
from netgraph.core.errors import NetGraphError
from netgraph.core.layer import REGISTRY
from netgraph.spec.api import from_yaml
from netgraph.spec.dump import to_yaml
from netgraph.spec.layer_specs import layer_fields
from netgraph.spec.schema import spec_schema
from tests.test_layer_parity import EXAMPLES, distribution_examples

README = Path(__file__).parents[1] / "README.md"
VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
WRITTEN = [(name, e) for name, examples in EXAMPLES.items() for e in examples] + list(distribution_examples().items())
#: kinds of problems a schema states itself (a value's type, a key, a layer or distribution name)
SCHEMA_KINDS = {"value-type", "unknown-key", "missing-key", "unknown-layer-type", "unknown-distribution"}
#: values an option may be given, the forms the README's format reference lists among them
VALUES = [None, True, False, 0, 1, 2, 3, -1, 0.5, 2.0, "x", "Tanh", "Max", "All", "Automatic", "Inherited", "Varying",
          "None", "2;;", "1<->2", "Real", "#a", "n", [], [1], [2, 3], ["n", 2], [None, 2], ["Varying", 3], [[1, 2]],
          [[0.5, 0.5]], ["a", "b"], ["Automatic", 2], [2, -1], {"a": 1}, {"Input": 3},
          {"shape": [2], "dtype": "Integer"},
          {"type": "NormalDistribution", "args": ["#mu", 1.0]}, "NormalDistribution", {"shared": "w"},
          {"type": "UniformDistribution", "args": [["#lo", 1.0]]}, {"type": "LinearLayer", "output": 2}, [2, "Tanh"],
          {"encoder": {"type": "ClassEncoder", "labels": ["a", "b"]}}, "Plus", "#x + #y", "straight_through"]


def _errors(data: object) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in VALIDATOR.iter_errors(data)]


def _written(layer: object) -> dict | None:
    """``layer`` as a spec's data (a layer file), or None for one holding Python code."""
    try:
        return yaml.safe_load(to_yaml(layer))
    except NetGraphError:
        return None


def _loads(data: dict) -> bool | set[str]:
    """True when the loader takes ``data``, else the kinds of its problems."""
    try:
        from_yaml(yaml.safe_dump(data, sort_keys=False))
    except NetGraphError as exc:
        return {d.kind for d in exc.diagnostics}
    return True


@pytest.mark.parametrize("name, example", WRITTEN, ids=[n for n, _ in WRITTEN])
def test_every_layer_as_written_validates_alone_and_in_a_net(name, example):
    """Each parity example as ``to_yaml`` writes it (a layer file, and a layer in a graph) loads and validates: the
    schema refused UniformDistribution's slots inside its one list, ``args: [['#lo', 1.0]]``."""
    for data in (_written(example.layer), _written(NetGraph({"a": example.layer}, []))):
        if data is not None:
            assert _loads(data) is True
            assert not _errors(data), name


def _changed_layers() -> st.SearchStrategy:
    examples = [(n, e) for n, e in WRITTEN if dataclasses.is_dataclass(e.layer) and layer_fields(type(e.layer))
                and _written(e.layer) is not None]
    return st.sampled_from(examples).flatmap(lambda ne: st.tuples(
        st.just(ne[0]), st.just(_written(ne[1].layer)), st.sampled_from(sorted(layer_fields(type(ne[1].layer)))),
        st.sampled_from(VALUES)))


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(_changed_layers())
def test_a_layer_with_one_option_changed_loads_exactly_when_the_schema_allows_its_types(case):
    """(a) one the loader takes validates (the schema refused Wolfram's ``"Automatic"`` and ``"Varying"`` shapes and
    ReshapeLayer's ``dims: Inherited``); (b) one the schema takes fails, if at all, for no reason the schema states."""
    name, data, option, value = case
    data = {**data, option: value}
    loads, errors = _loads(data), _errors(data)
    assert loads is not True or not errors, (name, option, value, errors)
    assert errors or loads is True or not loads & SCHEMA_KINDS, (name, option, value, loads)


@pytest.mark.parametrize("name", sorted(n for n, c in REGISTRY.items() if dataclasses.is_dataclass(c)))
def test_a_bare_layer_type_loads_exactly_when_the_schema_takes_it(name):
    """A layer by its bare type name (``a: SoftmaxLayer``), and ``{type: X}`` with no options, are the layer made with
    no arguments: the schema listed BasicRecurrentLayer, ConvolutionLayer, the operators and more (options with a
    default of None that the layer still needs), which the loader refuses."""
    for data in ({"netgraph": 1, "layers": {"a": name}}, {"netgraph": 1, "layers": {"a": {"type": name}}},
                 {"netgraph": 1, "type": name}):
        assert (_loads(data) is True) == (not _errors(data)), (data, _errors(data))


def test_every_spec_in_the_readme_that_loads_validates():
    """Each ```yaml block of the README that is a whole spec (``netgraph: 1``) and loads validates."""
    text, checked = README.read_text(encoding="utf-8"), 0
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "netgraph" in data and _loads(data) is True:
            assert not _errors(data), block
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("text", [
    "layers: {a: {type: LinearLayer, output: 3, input: Automatic}}\ninputs: {Input: Automatic}",
    "layers: {a: {type: SoftmaxLayer, input: Varying}}",
    "layers: {a: Tanh}\ninputs: {Input: Varying}",
    "layers: {r: {type: ReshapeLayer, dims: Automatic}}\ninputs: {Input: [2, 3]}",
    "layers: {r: {type: ReshapeLayer, dims: Inherited}}\ninputs: {Input: 6}"])
def test_wolframs_words_for_a_shape_and_a_size_validate(text):
    """Wolfram's ``Automatic`` (inferred) and ``Varying`` (a sequence) as a whole shape, of an option or a port, and
    one of ReshapeLayer's dims alone, load; the schema took them only inside a list."""
    data = yaml.safe_load(f"netgraph: 1\n{text}\n")
    assert _loads(data) is True
    assert not _errors(data)


@pytest.mark.parametrize("distribution, loads", [
    ("{type: NormalDistribution}", True), ("{type: NormalDistribution, args: [0, 2]}", True),
    ("{type: NormalDistribution, args: [0]}", False), ("{type: UniformDistribution, args: [['#lo', '#hi']]}", True),
    ("{type: UniformDistribution, args: [0, 1]}", False), ("{type: DiscreteUniformDistribution}", False),
    ("{type: DiscreteUniformDistribution, args: [[1, 6]]}", True)])
def test_the_schema_counts_a_distributions_args_as_the_loader_does(distribution, loads):
    """``args:`` holds as many parameters as the distribution takes (``ARITIES``), a one-list distribution's in one
    list; the schema took any number of any parameters."""
    data = yaml.safe_load(f"netgraph: 1\nlayers: {{a: {{type: RandomArrayLayer, distribution: {distribution}, "
                          f"output: 2}}}}\n{'inputs: {lo: 2, hi: 2}' if '#' in distribution else ''}\n")
    assert (_loads(data) is True) == loads == (not _errors(data)), _errors(data)


@pytest.mark.parametrize("option", [
    "weights: [[true, 0.5]]", "weights: [[1, false]]", "weights: {shared: w, array: [[0.5, true]]}",
    "weights: {shared: w, array: true}"])
def test_a_boolean_in_an_array_is_refused_by_loader_and_schema_alike(option):
    """An array holds numbers: the loader read ``true`` inside one as 1.0, which the schema refuses."""
    text = f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: 1, {option}}}\ninputs: {{Input: 2}}\n"
    with pytest.raises(NetGraphError, match=r"^<string>:3:\d+: layer 'a' option weights: an array holds numbers, "
                                            r"found the boolean (true|false) in .*; write 1 or 0") as info:
        from_yaml(text)
    assert info.value.diagnostics[0].kind == "value-type"
    assert _errors(yaml.safe_load(text))
    fixed = _loads(yaml.safe_load(text.replace("true", "1").replace("false", "0")))
    assert fixed is True or "value-type" not in fixed


def test_a_flag_false_for_an_array_still_loads_and_validates():
    data = yaml.safe_load("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 1, biases: false}\n"
                          "inputs: {Input: 2}\n")
    assert _loads(data) is True and not _errors(data)

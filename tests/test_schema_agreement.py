"""The JSON Schema (``netgraph schema``) against the loader, both ways: (a) every spec the loader takes validates, so an
editor never flags a good spec; (b) a layer the schema takes loads, or fails only for what a schema cannot say (shapes,
wiring, one option against another), never for a type, word, range, key or needed option the schema got wrong. Values
come from the parity examples of every registered layer type, changed one option at a time (hypothesis, fixed seed,
bounded)."""

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
from netgraph.core.option_rules import ChosenBy
from netgraph.core.options import option_hints
from netgraph.spec.api import from_yaml
from netgraph.spec.dump import to_yaml
from netgraph.spec.layer_specs import layer_fields
from netgraph.spec.options import option_codecs
from netgraph.spec.schema import spec_schema
from tests.test_layer_parity import EXAMPLES, distribution_examples

README = Path(__file__).parents[1] / "README.md"
VALIDATOR = jsonschema.Draft202012Validator(spec_schema())
WRITTEN = [(name, e) for name, examples in EXAMPLES.items() for e in examples] + list(distribution_examples().items())
#: kinds of problems a schema states itself: a value's type, word or range, a key, a needed option (one of each of a
#: layer's NEEDS_ONE_OF), a layer or distribution name
SCHEMA_KINDS = {"value-type", "option-value", "layer-argument", "unknown-key", "missing-key", "unknown-layer-type",
                "unknown-distribution"}
#: option kinds whose values the loader checks beyond what JSON Schema can say, and why: only these (and a number
#: without a fraction, INTEGRAL) may be refused as an option-value (or, not null, a layer-argument) where the schema
#: takes them
LOADER_CHECKS = {
    "array": "an array's shape must fit the layer's sizes (its other options, or its ports at inference)",
    "shape": "a port's shape must suit the layer (its rank, a sequence or not), known at inference",
    "sequence-shape": "a port's shape must suit the layer (its rank, a sequence or not), known at inference",
    "port-shapes": "a mapping's keys must be the layer's input ports, named by its expression",
    "ints": "a list holds one size per spatial dimension of the input, known at inference",
    "ports": "TorchLayer's ports: a count, names, or a mapping of port types (Python only)",
    "net": "whether a net fits an operator (its ports, a shorthand's inputs) is known once it is built; a list of two "
           "is NetBidirectionalOperator's pair, or a chain",
    "function": "which #slots an expression uses, and its syntax, are the expression parser's",
    "broadcast": "a list of broadcast levels holds one per input",
    "padding-sizes": "a list holds one padding per level of the input, known at inference",
    "scales": "a list holds one scale per spatial dimension of the input, known at inference"}
INTEGRAL = "JSON Schema's integer is any number without a fraction (2.0); the loader takes an int"


def _loader_only(layer: type, option: str, value: object) -> str | None:
    """Why the loader may refuse ``value`` for ``layer``'s ``option`` as an option-value where the schema takes it;
    None where the schema should have refused it."""
    if isinstance(value, float) and value.is_integer():
        return INTEGRAL
    kind = option_codecs(layer)[option].kind
    if kind == "ints" and (value is None or value == []):
        return None  # the schema states both: null where the default is None, [] where the layer takes none
    return LOADER_CHECKS.get(kind)
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
    stated = loads & SCHEMA_KINDS if loads is not True else set()
    loader_kinds = {"option-value"} if value is None else {"option-value", "layer-argument"}
    if stated <= loader_kinds and _loader_only(REGISTRY[data["type"]], option, value):
        stated = set()
    assert errors or not stated, (name, option, value, loads)


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
                                            r"found the boolean (true|false)( at \[1, [12]\])?; write 1 or 0") as info:
        from_yaml(text)
    assert info.value.diagnostics[0].kind == "value-type"
    assert _errors(yaml.safe_load(text))
    fixed = _loads(yaml.safe_load(text.replace("true", "1").replace("false", "0")))
    assert fixed is True or "value-type" not in fixed


def test_a_flag_false_for_an_array_still_loads_and_validates():
    data = yaml.safe_load("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 1, biases: false}\n"
                          "inputs: {Input: 2}\n")
    assert _loads(data) is True and not _errors(data)


def _net(layer: str, inputs: str = "{Input: [3, 4, 4]}") -> dict:
    return yaml.safe_load(f"netgraph: 1\nlayers: {{a: {layer}}}\ninputs: {inputs}\n")


@pytest.mark.parametrize("layer", [
    "{type: ElementwiseLayer, function: Tanhh}", "{type: ThreadingLayer, function: Tanh}",
    "{type: AggregationLayer, levels: All}", "{type: AggregationLayer, levels: '0;;'}",
    "{type: AggregationLayer, levels: []}", "{type: NormalizationLayer, scaling_levels: Other}",
    "{type: PartLayer, part: '1;;-1;;0'}", "{type: PartLayer, part: []}", "{type: CatenateLayer, level: 0}",
    "{type: FlattenLayer, level: All}", "{type: DropoutLayer, p: 1}", "{type: AttentionLayer, dropout: -0.5}",
    "{type: BatchNormalizationLayer, epsilon: 0}", "{type: ConvolutionLayer, output: 2, kernel: 0}",
    "{type: ConvolutionLayer, output: 2, kernel: 2, stride: [2, 0]}", "{type: ConvolutionLayer, output: 0, kernel: 2}",
    "{type: ConvolutionLayer, kernel: 2}", "{type: ConvolutionLayer, output: null, kernel: 2}",
    "{type: ResizeLayer, resampling: Nearest}", "{type: ResizeLayer, dims: [2, 0]}",
    "{type: ReshapeLayer, dims: [-2, 24]}", "{type: TransposeLayer, perm: [2, 2]}",
    "{type: TransposeLayer, perm: [2, -1]}", "{type: TransposeLayer, perm: null}",
    "{type: LinearLayer, biases: [null, 2]}",
    "{type: RandomArrayLayer, distribution: {type: NormalDistribution, args: ['#if', 1]}, output: 2}",
    "{type: RandomArrayLayer, distribution: {type: NormalDistribution, args: [\"#x\\n\", 1]}, output: 2}",
    "{type: ResizeLayer, dims: [2, 2], scale: 2}", "{type: ResizeLayer, dims: [2, 2], scheme: Point, "
    "resampling: Nearest}", "{type: ResizeLayer, scale: [2, 2, 2], resampling: Cubic}",
    "{type: RandomArrayLayer, distribution: NormalDistribution, output: 2, temperature: 0.5}",
    "{type: RandomArrayLayer, distribution: NormalDistribution, output: 2, estimator: relaxed, temperature: 0.5}",
    "{type: RandomArrayLayer, distribution: NormalDistribution, output: 2, log_probability: true, eval_mode: mean}",
    "{type: PoolingLayer, kernel: 2, function: Total, ceil_mode: true}",
    "{type: PoolingLayer, kernel: 2, function: Mean, dilation: [1, 2]}", "{type: AttentionLayer, weights: [[0.5]]}",
    "{type: ThreadingLayer, function: '#1 + #2', inputs: 2}", "{type: ThreadingLayer, function: Subtract, inputs: 3}",
    "{type: ThreadingLayer, function: Divide, inputs: [a, b, c]}", "{type: FunctionLayer, function: '#a', outputs: [x]}"])
def test_a_word_range_or_needed_option_the_loader_refuses_the_schema_refuses(layer):
    """Closed words (function names, level spans, part specs, scaling words), declared ranges (``RANGES``), needed
    options (``NEEDS_ONE_OF``), nulls inside an array, keyword slots and rules between two options (``RULES``): the
    schema took all of these."""
    data = _net(layer)
    assert _loads(data) is not True
    assert _errors(data), layer


@pytest.mark.parametrize("layer, inputs", [
    ("{type: ElementwiseLayer, function: Tanh}", "{Input: 3}"),
    ("{type: ElementwiseLayer, function: '#^2'}", "{Input: 3}"),
    ("{type: ThreadingLayer, function: '#1 * #2'}", "{Input1: 3, Input2: 3}"),
    ("{type: AggregationLayer, levels: ' 2 ;; All '}", "{Input: [3, 4]}"),
    ("{type: NormalizationLayer, scaling_levels: Same}", "{Input: [3, 4]}"),
    ("{type: PartLayer, part: [All, '1;;-1;;2']}", "{Input: [3, 4]}"),
    ("{type: ParametricRampLayer, levels: []}", "{Input: 3}"), ("{type: DropoutLayer, p: 0}", "{Input: 3}"),
    ("{type: ConvolutionLayer, weights: [[[1.0]]]}", "{Input: [1, 4]}"),
    ("{type: ReshapeLayer, dims: [-1, 2]}", "{Input: [2, 3]}"), ("{type: SoftmaxLayer}", "{Input: [länge, 3]}"),
    ("{type: RandomArrayLayer, distribution: {type: NormalDistribution, args: ['#μ', 1]}, output: 2}", "{μ: 2}"),
    ("{type: ResizeLayer, dims: [2, 2], scheme: Point, resampling: Cubic}", "{Input: [1, 4, 4]}"),
    ("{type: ResizeLayer, scale: 2, resampling: Cubic}", "{Input: [1, 4, 4]}"),
    ("{type: PoolingLayer, kernel: 2, function: Mean, dilation: [1, 1], ceil_mode: true}", "{Input: [1, 4, 4]}"),
    ("{type: RandomArrayLayer, distribution: {type: CategoricalDistribution, args: [[0.5, 0.5]]}, estimator: relaxed, "
     "temperature: 0.5}", "{}"), ("{type: ThreadingLayer, function: Subtract, inputs: 2}", "{Input1: 3, Input2: 3}"),
    ("{type: AttentionLayer, scoring: Bilinear, weights: [[0.5]]}",
                                 "{Key: [3, 1], Value: [3, 1], Query: [2, 1]}")])
def test_a_word_range_or_name_the_loader_takes_validates(layer, inputs):
    """Expressions beside names, spans with spaces and All, an empty ParametricRampLayer levels, a range's closed end,
    the weights in place of output and kernel, and non-ASCII length and slot names (Python identifiers: the
    schema's names were ASCII alone)."""
    data = _net(layer, inputs)
    assert _loads(data) is True
    assert not _errors(data), _errors(data)


def _outside(within) -> list[float]:
    """Numbers just outside a declared range, at each end it has."""
    low = [within.low] if within.open_low else [within.low - 1]
    high = [within.high] if within.open_high else [within.high + 0.5]
    return [v for v, end in ((low[0], within.low), (high[0], within.high)) if abs(end) != float("inf")]


#: a written parity example of each layer type that declares RANGES, by type name
RANGED_EXAMPLES = {type(e.layer).__name__: data for _, e in WRITTEN if getattr(e.layer, "RANGES", None)
                   and (data := _written(e.layer)) is not None}


@pytest.mark.parametrize("name, option, value", [
    (name, option, value) for name in sorted(RANGED_EXAMPLES)
    for option, within in REGISTRY[name].RANGES.items() for value in _outside(within)])
def test_a_value_outside_a_declared_range_is_refused_by_loader_and_schema(name, option, value):
    """Every ``RANGES`` entry of every layer type: the layer's check and the schema read the one declaration."""
    data = {**RANGED_EXAMPLES[name], option: value}
    assert _loads(data) is not True and _errors(data), (name, option, value)


def test_every_layer_type_with_declared_ranges_has_an_example():
    declared = {n for n, c in REGISTRY.items() if dataclasses.is_dataclass(c) and getattr(c, "RANGES", None)}
    assert declared == set(RANGED_EXAMPLES)


@pytest.mark.parametrize("name", sorted(n for n, c in REGISTRY.items() if getattr(c, "NEEDS_ONE_OF", ())))
def test_a_layer_made_without_a_needed_option_names_one_of_each_group(name):
    """``NEEDS_ONE_OF``: each group's options are the layer's fields, and made with none, the layer names a problem
    with an option of each group (what the schema asks for, one option of each group, not null)."""
    cls = REGISTRY[name]
    with pytest.raises(NetGraphError) as info:
        cls()
    named = {d.option for d in info.value.diagnostics}
    for group in cls.NEEDS_ONE_OF:
        assert set(group) <= set(layer_fields(cls)) and named & set(group), (group, named)


def test_every_layer_types_annotations_resolve():
    """An option kind inside ``Optional`` is hashed: one holding its schema unhashably made FlattenLayer's annotations
    unreadable, so its options went unchecked by kind and its schema took any level."""
    empty = [n for n, c in REGISTRY.items() if dataclasses.is_dataclass(c) and layer_fields(c) and not option_hints(c)]
    assert not empty


#: each int-list option (kind "ints") of a written parity example, by layer type and option
INT_LISTS = sorted({(type(e.layer).__name__, option): data for _, e in WRITTEN
                    if dataclasses.is_dataclass(e.layer) and (data := _written(e.layer)) is not None
                    for option, codec in option_codecs(type(e.layer)).items() if codec.kind == "ints"}.items())


@pytest.mark.parametrize("value", [[], None], ids=["empty", "null"])
@pytest.mark.parametrize("where, data", INT_LISTS, ids=[f"{n}.{o}" for (n, o), _ in INT_LISTS])
def test_an_empty_or_null_int_list_loads_exactly_when_the_schema_takes_it(where, data, value):
    """``[]`` and ``null`` of every int-list option: the schema took both for each (the loader refuses a convolution's
    ``stride: []`` and ``stride: null``) and refused TransposeLayer's ``perm: []``, which the loader takes."""
    data = {**data, where[1]: value}
    assert (_loads(data) is True) == (not _errors(data)), (where, value, _loads(data), _errors(data))


@pytest.mark.parametrize("layer", ["{type: ConvolutionLayer, weights: [[[1.0]]], kernel: null}",
                                   "{type: ResizeLayer, dims: null, scale: 2}", "{type: ReplicateLayer, n: []}"])
def test_a_null_default_or_an_empty_count_list_validates(layer):
    data = _net(layer, "{Input: [1, 4]}")
    assert _loads(data) is True and not _errors(data), _errors(data)



#: a written parity example of each layer type that declares RULES, by type name
RULED_EXAMPLES = {type(e.layer).__name__: data for _, e in WRITTEN if type(e.layer).RULES
                  and (data := _written(e.layer)) is not None}
#: values each option of a rule takes besides those the rule names (an expression, lists of each length, a matrix)
OTHER_VALUES = [None, True, False, 1, 2, 0.5, [2], [2, 2], [2, 2, 2], [[0.5]], "x", "#1 + #2"]


def _named(values: object) -> list:
    """The values an ``Among`` (inside ``Not`` too) names, and lists of them."""
    inner = getattr(values, "values", None)
    if not isinstance(inner, tuple):
        return _named(inner) if inner is not None else []
    return [*inner, *([[v, v] for v in inner] if values.each else [])]


def _rule_values(rule: object) -> tuple[list, list]:
    """The values a rule names for its two options: an ``Excludes``' own, a ``ChosenBy``'s choices of every type and
    those types by name."""
    if isinstance(rule, ChosenBy):
        types = rule.types()
        return sorted({c for t in types.values() for c in getattr(t, rule.choices)}), sorted(types)
    return _named(rule.values), _named(rule.others)


def _problems(data: dict) -> bool | set[tuple[str, str | None]]:
    """True when the loader takes ``data``, else its problems' (kind, option)."""
    try:
        from_yaml(yaml.safe_dump(data, sort_keys=False))
    except NetGraphError as exc:
        return {(d.kind, d.option) for d in exc.diagnostics}
    return True


def _rule_cases() -> list:
    return [(name, rule, [[data.get(option), *named, *OTHER_VALUES] for option, named in
                          zip((rule.option, rule.other), _rule_values(rule))])
            for name, data in sorted(RULED_EXAMPLES.items()) for rule in REGISTRY[name].RULES]


@pytest.mark.parametrize("name, rule, pools", _rule_cases(), ids=lambda c: getattr(c, "option", None) or str(c)[:20])
def test_a_rule_between_two_options_is_refused_by_loader_and_schema_alike(name, rule, pools):
    """Every ``RULES`` entry of every layer type, its two options each given the values it names and others: (a) a
    pair the loader takes validates; (b) a pair the schema takes is refused, if at all, neither for the two options
    together nor for a reason the schema states (it took a temperature beside any estimator, dims beside scale, an
    estimator the distribution lacks and more). Some pair breaks the rule, and both refuse it."""
    refused, options = 0, (rule.option, rule.other)
    for first in pools[0]:
        for second in pools[1]:
            data = {**RULED_EXAMPLES[name], rule.option: first, rule.other: second}
            problems, errors = _problems(data), _errors(data)
            assert problems is not True or not errors, (name, data, errors)
            kinds = {k for k, o in problems} if problems is not True else set()
            together = {(k, o) for k, o in problems if k == "option-combination" and o in options} \
                if problems is not True else set()
            stated = kinds & SCHEMA_KINDS
            if stated <= {"option-value", "layer-argument"} and any(
                    _loader_only(REGISTRY[name], o, v) for o, v in zip(options, (first, second))):
                stated = set()
            assert errors or not (stated or together), (name, data, problems)
            refused += bool(together and errors)
    assert refused, (name, rule)


def test_every_layer_type_with_declared_rules_has_an_example():
    declared = {n for n, c in REGISTRY.items() if dataclasses.is_dataclass(c) and getattr(c, "RULES", ())}
    assert declared == set(RULED_EXAMPLES)

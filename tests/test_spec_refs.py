"""Named nets in a spec: 'nets:' defines them, '{ref: name}' uses them (operators' net:, layers); each use is read
anew (arrays of its own); a bad reference or a cycle is an error at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

import netgraph.spec.layer_specs as layer_specs
from netgraph import NetGraph, SpecError, net_initialize
from netgraph.spec import from_yaml, layer_locations
from netgraph.spec.schema import spec_schema

SPEC = """netgraph: 1
nets:
  cell:
    type: NetGraph
    layers: {cat: CatenateLayer, lin: {type: LinearLayer, output: 5}, act: Tanh}
    inputs: {Input: 3, State: null}
    edges: ["[Input, State] -> cat -> lin -> act"]
  mlp: [8, Ramp, {ref: out}]
  out: {type: LinearLayer, output: 2}
layers:
  fold: {type: NetFoldOperator, net: {ref: cell}}
  map: {type: NetMapOperator, net: {ref: mlp}}
  last: SequenceLastLayer
  head: {ref: out}
inputs: {Input: [n, 3]}
outputs: {State: null}
edges:
  - Input -> fold
  - fold.Output -> map -> last -> head
  - fold.State -> State
"""

INLINE = """netgraph: 1
layers:
  fold:
    type: NetFoldOperator
    net:
      type: NetGraph
      layers: {cat: CatenateLayer, lin: {type: LinearLayer, output: 5}, act: Tanh}
      inputs: {Input: 3, State: null}
      edges: ["[Input, State] -> cat -> lin -> act"]
  map: {type: NetMapOperator, net: [8, Ramp, {type: LinearLayer, output: 2}]}
  last: SequenceLastLayer
  head: {type: LinearLayer, output: 2}
inputs: {Input: [n, 3]}
outputs: {State: null}
edges:
  - Input -> fold
  - fold.Output -> map -> last -> head
  - fold.State -> State
"""


def test_references_read_as_the_inline_spec_with_arrays_of_their_own():
    net = NetGraph.from_yaml(SPEC)
    assert net == NetGraph.from_yaml(INLINE)
    assert net.output_shapes == {"State": (5,), "Output": (2,)}
    module = net_initialize(net, seed=0).compile()
    state = module.state_dict()
    assert "map.net.3.Weights" in state and "head.Weights" in state  # 'out' used twice, one array each
    assert state["map.net.3.Weights"].shape == (2, 8) and state["head.Weights"].shape == (2, 2)


def test_the_schema_accepts_nets_and_references():
    jsonschema.Draft202012Validator(spec_schema()).validate(yaml.safe_load(SPEC))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(spec_schema()).validate(yaml.safe_load(SPEC.replace("{ref: out}", "{ref: 3}")))


@pytest.mark.parametrize("change, where, fragment", [
    (("{ref: cell}", "{ref: cel}"), "11:44", "'ref:' names no net of this file: 'cel' (did you mean 'cell'?); its "
                                             "'nets:' defines cell, mlp, out"),
    (("  out: {type: LinearLayer, output: 2}", "  out: {ref: mlp}"), "9:14", "nets refer to each other in a cycle: "
                                                                          "mlp -> out -> mlp"),
    (("output: 5}", "output: -5}"), "5:67", "layer 'fold/net/lin': LinearLayer option output= dims must be positive"),
    (("{ref: cell}", "{ref: cell, x: 1}"), "11:50", "a layer given by 'ref:' has no key 'x'; its keys are ref"),
    (("nets:\n  cell:", "nets: 3\nunused:\n  cell:"), "2:7", "'nets:' is a mapping of names to nets"),
    (("net: {ref: mlp}", "net: mlp"), "12:36", "layer 'map/net': 'mlp' is not a layer; 'mlp' is a net of this "
                                              "file's 'nets:': use it as {ref: mlp}"),
    (("head: {ref: out}", "head: out"), "14:9", "layer 'head': 'out' is not a layer; 'out' is a net of this file's "
                                              "'nets:': use it as {ref: out}"),
])
def test_bad_references_are_located(change, where, fragment):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(SPEC.replace(*change))
    assert f"<string>:{where}: {fragment}" in str(info.value)


def test_a_file_reference_uses_its_own_nets(tmp_path):
    (tmp_path / "part.yaml").write_text("netgraph: 1\nnets:\n  lin: {type: LinearLayer, output: 4}\n"
                                        "layers: {a: {ref: lin}}\ninputs: {Input: 3}\n")
    (tmp_path / "main.yaml").write_text("netgraph: 1\nnets:\n  lin: {type: LinearLayer, output: 7}\n"
                                        "layers: {p: {file: part.yaml}, q: {ref: lin}}\nedges: [p -> q]\n")
    net = NetGraph.from_yaml(tmp_path / "main.yaml")
    assert net.layer_types(("p", "a"))["Output"].shape == (4,) and net.output_shapes == {"Output": (7,)}
    (tmp_path / "main.yaml").write_text("netgraph: 1\nlayers: {p: {file: part.yaml}, q: {ref: lin}}\n")
    with pytest.raises(SpecError, match=r"main.yaml:2:41: 'ref:' names no net of this file: 'lin'; this file has no"):
        NetGraph.from_yaml(tmp_path / "main.yaml")


def test_reference_bombs_stop(monkeypatch):
    monkeypatch.setattr(layer_specs, "MAX_REFERENCES", 5)
    text = ("netgraph: 1\nnets:\n  a: [{ref: b}, {ref: b}]\n  b: [{ref: c}, {ref: c}]\n  c: 3\n"
            "layers: {x: {ref: a}}\ninputs: {Input: 2}\n")
    with pytest.raises(SpecError, match="more than 5 'ref:' uses"):
        NetGraph.from_yaml(text)


def test_unused_net_definitions_are_checked(tmp_path):
    # a 'nets:' definition no '{ref: name}' used was never read: 'netgraph check' said ok for a typo inside it
    text = ("netgraph: 1\nnets:\n  cell: {type: LinearLayr, outptu: 3}\n  a: {ref: b}\n  b: {ref: a}\n"
            "  ok: [3, {ref: used}]\n  used: 2\n  x: 4\nlayers: {x: 3}\ninputs: {Input: 2}\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert info.value.errors == [
        "<string>:3:16: layer 'cell': unknown layer type 'LinearLayr' (did you mean 'LinearLayer'?)",
        "<string>:5:12: nets refer to each other in a cycle: a -> b -> a"]
    fine = NetGraph.from_yaml(text.replace("  cell: {type: LinearLayr, outptu: 3}\n  a: {ref: b}\n  b: {ref: a}\n", ""))
    assert list(fine.layers) == ["x"] and fine.output_shapes == {"Output": (3,)}  # an unused net only checked


def _ref_chain(depth: int) -> str:
    """A spec whose net x is a NetChain around a NetChain ... ``depth`` levels, each level a 'nets:' definition."""
    defs = ["  n0: {type: LinearLayer, output: 2}", *(f"  n{i}: [{{ref: n{i - 1}}}]" for i in range(1, depth))]
    return "netgraph: 1\nnets:\n" + "\n".join(defs) + f"\nlayers:\n  x: {{ref: n{depth - 1}}}\ninputs: {{Input: 2}}\n"


def test_references_nest_as_deep_as_the_nesting_depth_limit_and_past_it_are_a_spec_error(tmp_path):
    """'ref:' and 'file:' nest nets without nesting the YAML: a chain of 150 was a bare RecursionError."""
    assert NetGraph.from_yaml(_ref_chain(600)).layers["x"]._depth == 599  # n1 .. n599 are chains
    with pytest.raises(SpecError, match=r"layer 'x' nests nets more than 1000 levels deep through 'ref:' or 'file:' "
                                        r"\(the nesting_depth limit"):
        NetGraph.from_yaml(_ref_chain(1100))
    for i in range(300):
        inner = f"{{file: f{i + 1}.yaml}}" if i < 299 else "2"
        (tmp_path / f"f{i}.yaml").write_text(f"netgraph: 1\ntype: NetChain\nlayers: [{inner}]\n")
    assert NetGraph.from_yaml(tmp_path / "f0.yaml")._depth == 300


def test_a_problem_of_one_use_is_at_that_use_and_one_inside_the_net_at_its_definition():
    # each use of a net is read anew: a problem only one use has (its input made its weights too large) was
    # placed at the net's definition (3:8), which says nothing of which use; layer_locations said the same
    text = ("netgraph: 1\nnets:\n  out: {type: LinearLayer, output: 50}\n  pair: [4, {ref: out}]\n"
            "layers:\n  small: {ref: out}\n  wide: 1000\n  big: {ref: out}\n  two: {ref: pair}\n"
            "inputs: {Input: 3}\nedges:\n  - Input -> small -> wide -> big -> two\n")
    with pytest.raises(SpecError) as info:
        from_yaml(text, limits={"port_elements": 10000})
    assert [e for e in info.value.errors if "'big'" in e] == [
        "<string>:8:3: layer 'big' (LinearLayer) is too large: arrays of 5e+04 elements (more than 10000 elements, "
        "the port_elements limit; netgraph.limits(port_elements=...) raises it (command line: --limit "
        "port_elements=N)); check its sizes"]
    located = layer_locations(text)
    assert {path: where.split(":", 1)[1] for path, where in located.items()} == {
        ("small",): "6:3", ("wide",): "7:3", ("big",): "8:3", ("two",): "9:3",  # each use where it is written
        ("two", "1"): "4:10", ("two", "2"): "4:13"}  # the net's own layers inside its definition ([4, {ref: out}])
    with pytest.raises(SpecError, match=r"<string>:3:36: layer 'small': LinearLayer option output="):
        from_yaml(text.replace("output: 50", "output: -5"))  # the definition's own problem: at the definition


def test_a_port_too_large_inside_a_nested_net_is_named_by_its_path_from_the_top():
    """It said "layer 2 (LinearLayer) port 'Output' is too large": the chain's own name for its layer, not enc/2."""
    text = ("netgraph: 1\nlayers:\n  enc: [{type: LinearLayer, output: 5}, {type: LinearLayer, output: 400}]\n"
            "inputs: {Input: 3}\nedges: [Input -> enc]\n")
    with pytest.raises(SpecError) as info:
        from_yaml(text, limits={"port_elements": 100})
    assert info.value.errors == ["<string>:3:41: layer 'enc/2' (LinearLayer) port 'Output' is too large: (400) holds 400 elements "
                                 "per example, more than the port_elements limit (100; netgraph.limits(port_elements"
                                 "=...) raises it (command line: --limit port_elements=N))"]
    assert info.value.diagnostics[0].layer == ("enc", "2")


def test_a_layer_under_an_unknown_top_level_key_is_told_where_reused_nets_go():
    text = ("netgraph: 1\ndefaults: &lin {type: LinearLayer, output: 8}\nlayers:\n  a: *lin\n  b: {<<: *lin, output: 4}\n"
            "inputs: {Input: 5}\nedges: [Input -> a -> b]\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert str(info.value) == (
        "<string>:2:1: a spec has no key 'defaults'; its keys are netgraph, name, description, arrays, nets, type, "
        "layers, edges, inputs, outputs, learning_rate_multipliers; a net defined once for several uses goes under "
        "'nets:' (each use written {ref: name}), or is anchored where it is first used (a: &lin {...})")
    assert NetGraph.from_yaml(text.replace("defaults: &lin", "nets:\n  lin:").replace("*lin\n", "{ref: lin}\n")
                              .replace("{<<: *lin, output: 4}", "4"))


def test_a_file_reference_that_cannot_be_read_is_placed_at_its_file_line(tmp_path, monkeypatch):
    """A 'file:' naming a file that exists but cannot be read (no permission: as root a chmod blocks nothing, so the
    read is made to fail) was placed at that file's 1:1, a place in a file the reader could not open."""
    import importlib
    load = importlib.import_module("netgraph.spec.load")  # (netgraph.spec's load() hides the module)
    (tmp_path / "part.yaml").write_text("netgraph: 1\nlayers: {a: {type: LinearLayer, output: 4}}\n")
    (tmp_path / "main.yaml").write_text("netgraph: 1\ninputs: {Input: 3}\nlayers:\n  p: {file: part.yaml}\n")
    read = load.read_limited

    def refused(path, *args, **kwargs):
        if Path(path).name == "part.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return read(path, *args, **kwargs)

    monkeypatch.setattr(load, "read_limited", refused)
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(tmp_path / "main.yaml")
    (d,) = info.value.diagnostics
    assert (Path(d.file).name, d.line, d.column) == ("main.yaml", 4, 13), d
    assert (d.kind, d.layer, d.found) == ("reference", ("p",), "part.yaml"), d
    assert "which cannot be read: Permission denied" in d.message


def test_more_spec_files_than_the_limit_are_refused_at_the_file_line_naming_one_more(tmp_path, monkeypatch):
    """Past MAX_FILES, the error was placed at 1:1 of the file that would be read, a file never opened; an
    unreadable 'file:' is placed at that 'file:', and so is this one."""
    import importlib
    load = importlib.import_module("netgraph.spec.load")  # (netgraph.spec's load() hides the module)
    monkeypatch.setattr(load, "MAX_FILES", 2)
    (tmp_path / "part.yaml").write_text("netgraph: 1\nlayers: {a: {type: LinearLayer, output: 4}}\n")
    (tmp_path / "main.yaml").write_text("netgraph: 1\ninputs: {Input: 4}\nlayers:\n  p: {file: part.yaml}\n"
                                        "  q: {file: part.yaml}\nedges: [p -> q]\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(tmp_path / "main.yaml")
    (d,) = info.value.diagnostics
    assert (Path(d.file).name, d.line, d.column) == ("main.yaml", 5, 13), d
    assert (d.kind, d.layer, d.found) == ("limit", ("q",), "part.yaml"), d
    assert "more than 2 spec files read for one net" in d.message


def test_a_file_read_twice_that_changed_between_the_reads_starts_the_load_anew(tmp_path, monkeypatch):
    """Found by review: the second read of a file overwrote the identity seen before the first, so a change between
    the two reads went unseen and the load failed instead of starting over."""
    import importlib
    load = importlib.import_module("netgraph.spec.load")
    good, bad = "netgraph: 1\nlayers: {a: {type: LinearLayer, output: 4}}\n", "netgraph: 1\nlayers: {a: {type: Nope}}\n"
    (tmp_path / "part.yaml").write_text(good)
    (tmp_path / "main.yaml").write_text("netgraph: 1\ninputs: {Input: 3}\nlayers:\n  p: {file: part.yaml}\n"
                                        "  q: {file: part.yaml}\nedges: [Input -> p -> q]\n")
    read, reads = load.read_limited, []

    def replaced_between(path, *args, **kwargs):
        if Path(path).name == "part.yaml":
            reads.append(path)
            if len(reads) == 3:  # the load started over: the save beside it has put the good file back
                (tmp_path / "part.yaml").write_text(good)
        text = read(path, *args, **kwargs)
        if len(reads) == 1 and Path(path).name == "part.yaml":  # replaced after the first read
            (tmp_path / "part.yaml").write_text(bad)
        return text

    monkeypatch.setattr(load, "read_limited", replaced_between)
    net = NetGraph.from_yaml(tmp_path / "main.yaml")
    assert len(reads) == 4 and net.layers["q"].layers["a"].output == (4,)

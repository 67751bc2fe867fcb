"""Limits: each refusal states the limit, the value found and how to raise it; raising it lets the input
through; hostile 50 MB specs are refused fast and small (measured in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import netgraph
from netgraph import LinearLayer, NetChain, NetGraph, OptionError, ShapeError, SpecError, load, net_initialize, save
from netgraph.cli import main
from netgraph.core.limits import Limits, current_limits
from tests.subprocess_env import checkout_env

ROOT = Path(__file__).resolve().parent.parent
SPEC = "netgraph: 1\nlayers:\n  a: {type: NetArrayLayer, array: [[1, 2], [3, 4]]}\n"


def test_limits_and_set_limits_change_only_what_they_name_and_restore_it():
    before = current_limits()
    with netgraph.limits(yaml_nodes=7) as inside:
        assert inside == current_limits() == Limits(**{**vars(before), "yaml_nodes": 7})
    assert current_limits() == before
    previous = netgraph.set_limits(yaml_depth=3, init_elements=10)
    try:
        assert previous == before and (current_limits().yaml_depth, current_limits().init_elements) == (3, 10)
    finally:
        netgraph.set_limits(**vars(previous))
    assert current_limits() == before


@pytest.mark.parametrize("changes, fragment", [({"yaml_bytez": 1}, "unknown limit 'yaml_bytez' (did you mean 'yaml_bytes'?)"),
                                               ({"yaml_depth": 0}, "yaml_depth= must be a positive int, found 0"),
                                               ({"header_bytes": 1.5}, "found 1.5"),
                                               ({"yaml_nodes": True}, "found True"),
                                               ({"init_elements": None, "yaml_nodes": None}, "yaml_nodes=")])
def test_bad_limits_are_option_errors_and_change_nothing(changes, fragment):
    before = current_limits()
    with pytest.raises(OptionError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        netgraph.set_limits(**changes)
    assert current_limits() == before


@pytest.mark.parametrize("name, value, found", [("yaml_bytes", 20, f"{len(SPEC)} characters"),
                                                ("yaml_nodes", 6, "more than 6 values"),
                                                ("yaml_depth", 3, "nested deeper than 3 levels")])
def test_each_yaml_limit_is_stated_with_how_to_raise_it_and_raising_it_reads_the_spec(name, value, found):
    with netgraph.limits(**{name: value}), pytest.raises(SpecError) as info:
        NetGraph.from_yaml(SPEC)
    assert found in str(info.value) and f"the {name} limit" in str(info.value)
    assert f"netgraph.limits({name}=...) raises it (command line: --limit {name}=N)" in str(info.value)
    assert NetGraph.from_yaml(SPEC, limits={name: value * 100}).layers["a"].arrays["Array"].tolist() == [[1, 2], [3, 4]]



def test_too_many_values_without_aliases_is_not_called_an_alias_bomb():
    """A plain large inline array was refused as 'aliases expand to more than N values (an alias bomb?)'."""
    with netgraph.limits(yaml_nodes=6), pytest.raises(SpecError) as info:
        NetGraph.from_yaml(SPEC)
    assert "the spec holds more than 6 values" in str(info.value) and "alias" not in str(info.value)
    row = ", ".join(["0.5"] * 1990)  # the README: a 1000x1990 inline array fits the default limit
    big = f"netgraph: 1\nlayers:\n  a: {{type: NetArrayLayer, array: [{', '.join([f'[{row}]'] * 1000)}]}}\n"
    assert NetGraph.from_yaml(big).layers["a"].arrays["Array"].shape == (1000, 1990)

def test_spec_files_over_the_byte_limit_are_refused_before_they_are_read(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(SPEC)
    with netgraph.limits(yaml_bytes=10), pytest.raises(SpecError, match=f"has {len(SPEC)} bytes, more than the "
                                                                        f"yaml_bytes limit \\(10;"):
        load(path)
    assert load(path, limits={"yaml_bytes": 1000, "yaml_depth": 6}).layers["a"].arrays["Array"].shape == (2, 2)
    assert current_limits().yaml_bytes != 10


def test_weights_limits_are_stated_and_can_be_raised(tmp_path):
    net = net_initialize(NetGraph({"lin": LinearLayer(4)}, [], Input=3), seed=0)
    save(net, tmp_path / "m.yaml")
    header = int.from_bytes(next(tmp_path.glob("*.safetensors")).read_bytes()[:8], "little")
    with pytest.raises(SpecError, match=f"has a {header}-byte header, more than the header_bytes limit \\(10; "):
        load(tmp_path / "m.yaml", limits={"header_bytes": 10})
    with pytest.raises(SpecError, match="more than the weights_bytes limit \\(100; netgraph.limits\\(weights_bytes="):
        load(tmp_path / "m.yaml", limits={"weights_bytes": 100})
    assert load(tmp_path / "m.yaml", limits={"header_bytes": header}) == net


def test_the_init_budget_comes_from_the_limits_and_max_elements_overrides_it():
    net = NetGraph({"lin": LinearLayer(4)}, [], Input=3)  # 12 weights + 4 biases
    with netgraph.limits(init_elements=15):
        with pytest.raises(ShapeError, match=r"16 float32 elements\), more than the init_elements limit, 15 "
                                             r"elements \(60 B; netgraph.limits\(init_elements=\.\.\.\) raises it"):
            net_initialize(net)
        assert net_initialize(net, max_elements=16).layers["lin"].arrays["Weights"].shape == (4, 3)
    assert net_initialize(net).layers["lin"].arrays["Weights"].shape == (4, 3)


def test_the_cli_takes_limit_flags_and_refuses_bad_ones(tmp_path, capsys):
    path = tmp_path / "net.yaml"
    path.write_text(SPEC + "inputs: {}\n")
    assert main(["check", str(path), "--limit", "yaml_depth=2"]) == 1
    assert "the yaml_depth limit" in capsys.readouterr().err
    assert main(["check", str(path), "--limit", "yaml_depth=20", "--limit", "yaml_nodes=1000"]) == 0
    assert main(["check", str(path), "--limit", "yaml_depht=20"]) == 1
    assert "unknown limit 'yaml_depht'" in capsys.readouterr().err
    assert main(["check", str(path), "--limit", "yaml_depth"]) == 1
    assert "--limit takes NAME=N" in capsys.readouterr().err
    assert current_limits() == Limits()


_HOSTILE_YAML = """
import json, resource, sys, time
import netgraph
from netgraph import NetGraph
NetGraph.from_yaml("netgraph: 1\\nlayers: {a: {type: LinearLayer, output: 3}}\\n")  # warm up the imports
size = 50 * 10**6
array = "netgraph: 1\\nlayers:\\n  a: {type: NetArrayLayer, array: [" + "1, " * (size // 3) + "1]}\\n"
layer = "  l{:07d}: {{type: LinearLayer, output: 3}}\\n"
layers = "netgraph: 1\\nlayers:\\n" + "".join(layer.format(i) for i in range(-(-size // len(layer.format(0)))))
path = sys.argv[1] + "/layers.yaml"
with open(path, "w") as f:
    f.write(layers)
out = {}
for name, read in [("array", lambda: NetGraph.from_yaml(array)), ("layers", lambda: NetGraph.from_yaml(layers)),
                   ("file", lambda: netgraph.load(path))]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    try:
        read()
    except netgraph.SpecError as exc:
        out[name] = [len(array) if name == "array" else len(layers), time.process_time() - start,
                     resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, str(exc)]
print(json.dumps(out))
"""


def test_hostile_50mb_specs_are_refused_in_under_2s_and_200mb(tmp_path):
    run = subprocess.run([sys.executable, "-c", _HOSTILE_YAML, str(tmp_path)], capture_output=True, text=True,
                         timeout=300, env=checkout_env())
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert set(results) == {"array", "layers", "file"}, run.stdout
    for size, seconds, grew_kb, message in results.values():
        assert size >= 50 * 10**6 and seconds <= 2.0 and grew_kb <= 200 * 1024, (seconds, grew_kb)
        assert "yaml_bytes limit" in message and str(size) in message


def test_port_elements_bounds_python_and_yaml_nets_alike_and_can_be_raised():
    text = "netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3000000000}\ninputs: {Input: 1}\n"
    with pytest.raises(SpecError, match=r"port 'Output' is too large: \(3000000000\).*more than the port_elements "
                                        r"limit \(268435456; "):
        NetGraph.from_yaml(text)
    with pytest.raises(ShapeError, match=r"port 'Output' is too large: \(3000000000\) holds 3e\+09 elements per example"):
        NetGraph([LinearLayer(3 * 10**9)], [], Input=1)
    assert NetGraph.from_yaml(text, limits={"port_elements": 2**33}).output_shapes == {"Output": (3 * 10**9,)}
    with netgraph.limits(port_elements=2**32):
        assert NetGraph([LinearLayer(3 * 10**9)], [], Input=1).output_shapes == {"Output": (3 * 10**9,)}


def _nested_bidirectional_yaml(depth: int) -> str:
    layer = "{type: NetMapOperator, net: {type: LinearLayer, output: 4}}"  # a sequence to a sequence, 2 arrays
    for _ in range(depth):
        layer = f"{{type: NetBidirectionalOperator, aggregation: Plus, forward_net: {layer}}}"
    return f"netgraph: 1\nlayers:\n  bi: {layer}\ninputs: {{Input: [5, 4]}}\n"


def test_operator_arrays_bound_operators_that_copy_their_net_and_can_be_raised():
    """A NetBidirectionalOperator given one net holds two copies of it, so nesting doubles the arrays per level:
    30 levels would be 2^31 arrays (building 19 levels took 47 s before the limit). Refused at the level that
    passes 100,000 arrays, in Python and at the spec's option; raising the limit builds it."""
    net = NetGraph([LinearLayer(4)], [])
    with netgraph.limits(operator_arrays=1000):
        for level in range(16):
            try:
                net = NetGraph([netgraph.NetBidirectionalOperator(net, "Plus")], [])
            except OptionError as exc:
                message = str(exc)
                break
    assert level == 8 and 2 ** (level + 2) == 1024 and len(net.layers["1"].arrays) == 512
    assert message.startswith("NetBidirectionalOperator: its inner nets hold 1,024 arrays (each copy counted")
    assert "operator_arrays limit (1,000; netgraph.limits(operator_arrays=...) raises it" in message
    with pytest.raises(SpecError, match=r"<string>:3:\d+: layer 'bi/forward_net/.*/forward_net': NetBidirectionalOperator: .*hold "
                                        r"131,072 arrays .*operator_arrays limit \(100,000; "):
        NetGraph.from_yaml(_nested_bidirectional_yaml(30))
    with pytest.raises(SpecError, match=r"hold 16 arrays"):
        NetGraph.from_yaml(_nested_bidirectional_yaml(3), limits={"operator_arrays": 15})
    assert len(NetGraph.from_yaml(_nested_bidirectional_yaml(3), limits={"operator_arrays": 16}).layers["bi"].arrays) == 16


def test_nest_applications_bound_a_nest_count_and_nested_nests_multiply():
    cell = NetGraph({"lin": LinearLayer(4)}, [], Input=4)
    with pytest.raises(OptionError, match=r"NetNestOperator option n= 1,000,000,000: one call would apply its net "
                                          r"1,000,000,000 times, more than the nest_applications limit \(1,000,000; "):
        netgraph.NetNestOperator(cell, 10**9)
    inner = netgraph.NetNestOperator(cell, 1000)
    assert netgraph.NetNestOperator(NetGraph({"map": netgraph.NetMapOperator(inner)}, []), 1000)._applications == 10**6
    with pytest.raises(OptionError, match=r"apply its net 1,001,000 times \(1,001 x 1,000 by the NetNestOperators "
                                          r"inside it\)"):
        netgraph.NetNestOperator(NetGraph({"map": netgraph.NetMapOperator(inner)}, []), 1001)
    doubling = cell
    for level in range(25):  # 2 applications per level: 2^25 in all
        try:
            doubling = NetGraph({"nest": netgraph.NetNestOperator(doubling, 2)}, [])
        except OptionError:
            break
    assert level == 19 and 2 ** (level + 1) > 10**6 >= 2 ** level
    text = ("netgraph: 1\nlayers:\n  nest:\n    type: NetNestOperator\n    n: 2000000\n"
            "    net: {type: LinearLayer, output: 4}\ninputs: {Input: 4}\n")
    with pytest.raises(SpecError, match=r"<string>:5:8: layer 'nest': NetNestOperator option n= 2,000,000: .*"
                                        r"nest_applications limit"):
        NetGraph.from_yaml(text)
    assert NetGraph.from_yaml(text, limits={"nest_applications": 2 * 10**6}).layers["nest"].n == 2 * 10**6


@pytest.mark.parametrize("limit, levels", [("yaml_depth", 60), ("yaml_layers", 3)])
def test_to_yaml_refuses_what_from_yaml_would_refuse_as_save_does(tmp_path, limit, levels):
    """to_yaml of a net 60 graphs deep wrote text that from_yaml refused (yaml_depth), where save refused it up
    front: both now give one SpecError naming the limit, and under a raised limit the text loads back."""
    net = NetChain([LinearLayer(2)], input=2)
    for _ in range(levels):
        net = NetChain([net])
    small = {"yaml_depth": 100, "yaml_layers": levels}[limit]
    with netgraph.limits(**{limit: small}):
        with pytest.raises(SpecError) as by_save:
            save(net, tmp_path / "net.yaml")
        with pytest.raises(SpecError) as by_text:
            net.to_yaml()
    assert str(by_text.value) == str(by_save.value) and f"{limit} limit ({small})" in str(by_text.value)
    assert not os.listdir(tmp_path)
    with netgraph.limits(**{limit: 1000}):
        assert NetGraph.from_yaml(net.to_yaml()) == net

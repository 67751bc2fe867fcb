"""An index port's range (Restricted) is part of its PortType: shown by PortTypes, the net's repr, check's listing,
the layer table and the diagram; carried by layers that only move or pick values (not by padding or sums); kept
through save and load; compared by equality (nets differing only in range are not equal)."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from netgraph import (EmbeddingLayer, ExtractLayer, FlattenLayer, NetChain, NetGraph, PaddingLayer, PartLayer,
                      ReshapeLayer, Restricted, ShapeError, TransposeLayer)
from netgraph.cli import main
from netgraph.core.information import information
from netgraph.core.summary import one_line, summary_table
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType, unify
from netgraph.spec.schema import spec_schema


def _chain(span=6):
    return NetChain([ReshapeLayer((2, 2)), FlattenLayer(), EmbeddingLayer(3, n=6)],
                    input=Restricted("Integer", span, shape=(4,)))


def test_the_range_is_part_of_the_type_its_text_and_its_equality():
    t = PortType((4,), INTEGER, (0, 5))
    assert str(t) == "(4) Integer 0..5" and repr(t) == "PortType(shape=(4,), dtype='Integer', range=(0, 5))"
    assert repr(PortType((4,), INTEGER)) == "PortType(shape=(4,), dtype='Integer')"
    assert t != PortType((4,), INTEGER) and t != PortType((4,), INTEGER, (0, 6)) and t == PortType((4,), INTEGER, (0, 5))
    assert len({t, PortType((4,), INTEGER), PortType((4,), INTEGER, (0, 5))}) == 2


def test_unify_keeps_a_range_and_still_refuses_a_dtype_clash():
    t = PortType((4,), INTEGER, (0, 5))
    assert unify(t, PortType(None, None)) is t and unify(PortType((None,), None), t) == t
    assert unify(PortType((4,), INTEGER), t) is t
    with pytest.raises(Conflict, match="expected dtype Real, found Integer"):
        unify(PortType((4,), REAL), t)


def test_layers_that_move_or_pick_values_carry_the_range_to_their_output():
    types = _chain().layer_types
    assert types((1,))["Output"] == PortType((2, 2), INTEGER, (0, 5))
    assert types((2,))["Output"] == PortType((4,), INTEGER, (0, 5))
    port = Restricted("Integer", (1, 9), shape=(2, 3))
    for layer, shape in ((PartLayer(1), (3,)), (TransposeLayer(), (3, 2))):
        assert NetGraph({"l": layer}, [], Input=port).port_types["Output"] == PortType(shape, INTEGER, (1, 9))
    picked = NetGraph({"ex": ExtractLayer()}, [], Input=Restricted("Integer", (0, 5), shape=(4,)),
                      Position=Restricted("Integer", (1, 4), shape=(1,)))
    assert picked.port_types["Output"] == PortType((), INTEGER, (0, 5))  # the picked values', not the positions'


def test_padding_adds_values_so_its_output_has_no_range():
    padded = NetGraph({"pad": PaddingLayer([[1, 1]])}, [], Input=Restricted("Integer", (1, 9), shape=(4,)))
    assert padded.port_types["Output"] == PortType((6,), INTEGER)


def test_port_types_repr_check_line_and_layer_table_show_the_range():
    net = _chain()
    assert information(net, "PortTypes")["Input"] == PortType((4,), INTEGER, (0, 5))
    assert information(net, "InputPorts") == {"Input": (4,)}  # shapes, as for every port
    assert repr(net) == "NetChain(<3 layers>, inputs={'Input': (4) Integer 0..5}, outputs={'Output': (4, 3)})"
    assert one_line(net).startswith("inputs Input (4) Integer 0..5 -> outputs Output (4, 3)")
    rows = summary_table(net, 20).splitlines()
    assert "Output (2, 2) Integer 0..5" in rows[1] and "Input (2, 2) Integer 0..5" in rows[2]


def test_check_prints_the_range(tmp_path, capsys):
    spec = tmp_path / "r.yaml"
    spec.write_text(_chain().to_yaml())
    assert main(["check", str(spec)]) == 0
    assert "inputs Input (4) Integer 0..5 -> outputs Output (4, 3)" in capsys.readouterr().out


def test_diagram_edge_labels_and_port_tooltips_show_the_range():
    dot = _chain().to_dot()
    assert 'label="(b, 2, 2) int 0..5"' in dot and 'label="(b, 4) int 0..5"' in dot
    assert "graph input 'Input': (b, 4) int 0..5" in dot and 'label="(b, 4, 3)"' in dot


def test_save_and_load_keep_the_range_and_the_written_spec_validates():
    net = _chain((1, 5))
    text = net.to_yaml()
    jsonschema.Draft202012Validator(spec_schema()).validate(yaml.safe_load(text))
    loaded = NetChain.from_yaml(text)
    assert loaded == net and loaded.port_types == net.port_types
    assert loaded.layer_types((2,))["Output"] == PortType((4,), INTEGER, (1, 5))


def test_nets_differing_only_in_range_are_not_equal():
    assert _chain(6) != _chain((1, 5)) and _chain(6) == _chain(6)
    assert _chain(6).port_types != _chain((1, 5)).port_types


def test_an_input_declared_with_a_ranged_port_type_is_its_restricted_encoder():
    net = NetGraph({"emb": EmbeddingLayer(4)}, [], Input=PortType((), INTEGER, (0, 6)))
    assert net.coders == {"Input": Restricted("Integer", (0, 6))} and net.layers["emb"].count == 7
    assert net == NetGraph({"emb": EmbeddingLayer(4)}, [], Input=Restricted("Integer", 7))


@pytest.mark.parametrize("port_type", [PortType((), REAL, (0, 6)), PortType((), INTEGER, (6, 0)),
                                       PortType((), INTEGER, (0, 2**63))])  # "ab": refused by PortType itself
def test_a_bad_declared_range_is_a_shape_error_naming_the_port(port_type):
    with pytest.raises(ShapeError, match=r"range of port 'Input' must be \(lo, hi\)") as info:
        NetGraph({"emb": EmbeddingLayer(4)}, [], Input=port_type)
    assert info.value.kind == "port-shape" and info.value.port == "Input"


def test_a_range_declared_on_an_output_is_a_shape_error():
    with pytest.raises(ShapeError, match="graph output 'Output': a range \\(here \\(0, 2\\)\\) goes on an input port") \
            as info:
        NetGraph({"p": PartLayer(1)}, [], Input=PortType((3,), INTEGER), Output=PortType((), INTEGER, (0, 2)))
    assert (info.value.kind, info.value.port, info.value.found) == ("port-shape", "Output", (0, 2))


@pytest.mark.parametrize("span, reason", [(6, r"takes n=4 \(indices 0 to 3\); give it n=6, or narrow the "
                                                 r"range to within 0..3"),
                                          ((-1, 2), r"takes indices from 0 to 3 \(no negative ones\)")])
def test_an_embedding_a_carried_range_reaches_checks_it_at_construction(span, reason):
    inner = NetChain([ReshapeLayer((2, 2)), FlattenLayer(), EmbeddingLayer(3, n=4)])
    with pytest.raises(ShapeError, match=rf"graph input 'Input' takes indices in its range .*, but layer 'box/3' "
                                         rf"\(EmbeddingLayer\) {reason}") as info:
        NetGraph({"box": inner}, [], Input=Restricted("Integer", span, shape=(4,)))
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.port) == ("encoder-range", ("box", "3"), "Input")
    assert NetGraph({"box": inner}, [], Input=Restricted("Integer", 4, shape=(4,))).layer_types(("box", "3"))[
        "Input"] == PortType((4,), INTEGER, (0, 3))

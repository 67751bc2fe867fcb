"""Every shape conflict a layer raises carries the values it compared as Diagnostic fields (``expected``, ``found``,
and the port where the layer knows it), so a reader (the YAML loader, the command line's JSON, a user's except)
needs no message parsing: a representative failing build per layer family, and an ast walk over the package that
finds any Conflict made without them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from netgraph import (AppendLayer, AttentionLayer, BatchNormalizationLayer, CatenateLayer, ConvolutionLayer,
                      CrossEntropyLossLayer, CTCLossLayer, DeconvolutionLayer, DotLayer, ExtractLayer, FlattenLayer,
                      FunctionLayer, KLDivergenceLayer, LayerNormalizationLayer, LinearLayer, NetBidirectionalOperator,
                      NetChain, NetGraph, NetGraphError, NetMapOperator, NormalDistribution, NormalizationLayer,
                      PaddingLayer, ParametricRampLayer, PartLayer, PoolingLayer, RandomArrayLayer, ReplicateLayer,
                      ReshapeLayer, ResizeLayer, SequenceLastLayer, SequenceMostLayer, ShapeError, ThreadingLayer,
                      TorchLayer, TransposeLayer)
from netgraph.core import types
from netgraph.core.conflicts import Conflict
from netgraph.core.types import LengthConflict, broadcast, format_shape
from tests.diagnostic_helpers import calls_without_fields

PACKAGE = Path(__file__).resolve().parent.parent / "netgraph"


def _refuse(x: torch.Tensor) -> torch.Tensor:
    raise ValueError("takes 4 features")


class _Refusing(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _refuse(x)

# (build, port, expected, found): the values worked out from the build by hand
CASES = {
    "catenate-other-dim": (lambda: NetGraph([CatenateLayer()], [], Input1=(2, 3), Input2=(4, 5)), "Input2", 3, 5),
    "catenate-sum": (lambda: NetGraph([CatenateLayer()], [], Input1=(2, 3), Input2=(4, 3), Output=(7, 3)),
                     "Output", 6, 7),
    "catenate-variable-length": (lambda: NetGraph([CatenateLayer()], [], Input1=("n", 3), Input2=(4, 3)),
                                 "Input1", "a fixed size", "n"),
    "dot-inner-dims": (lambda: NetGraph([DotLayer()], [], Input1=(2, 3), Input2=(4, 5)), "Input2", 3, 4),
    "dot-scalar": (lambda: NetGraph([DotLayer()], [], Input1=(), Input2=(4, 5)), "Input1", "rank >= 1", ()),
    "reshape-elements": (lambda: NetChain([ReshapeLayer((4, 2))], input=(3, 2)), "Input", 6, 8),
    "flatten-rank": (lambda: NetChain([FlattenLayer(2)], input=(2, 3)), "Input", "rank >= 3", 2),
    "transpose-rank": (lambda: NetChain([TransposeLayer("1<->3")], input=(2, 3)), "Input", "rank >= 3", 2),
    "part-range": (lambda: NetChain([PartLayer(5)], input=(3, 2)), "Input", 3, 5),
    "replicate-level": (lambda: NetChain([ReplicateLayer(3, level=5)], input=(3, 2)), "Input",
                        "1 to 3, or -1 to -3", 5),
    "threading-broadcast": (lambda: NetGraph([ThreadingLayer("Plus")], [], Input1=(2, 3), Input2=(4,)),
                            "Input2", (2, 3), (4,)),
    "threading-length-against-size": (lambda: NetGraph([ThreadingLayer("Plus")], [], Input1=("n",), Input2=(3,)),
                                      "Input2", ("n",), (3,)),
    "threading-broadcast-spec": (lambda: NetGraph([ThreadingLayer("Plus", broadcast=["None", 1])], [],
                                                  Input1=(2,), Input2=(2, 3)), "Input1", 2, 1),
    "function-broadcast": (lambda: NetGraph([FunctionLayer("#a + #b")], [], a=(2, 3), b=(4,)), "b", (2, 3), (4,)),
    "function-dot": (lambda: NetGraph([FunctionLayer("Dot[#a, #b]")], [], a=(2, 3), b=(4,)), "a", 3, 4),
    "function-transpose": (lambda: NetGraph([FunctionLayer("Transpose[#x]")], [], x=(3,)), "x", "rank 2 or more",
                           (3,)),
    "function-part": (lambda: NetGraph([FunctionLayer("#x[[5]]")], [], x=(3,)), "x", "-3 to 3", 5),
    "convolution-kernel": (lambda: NetChain([ConvolutionLayer(4, 5)], input=(1, 3, 3)), "Input", "at least 5", 3),
    "convolution-rank": (lambda: NetChain([ConvolutionLayer(4, (2, 2))], input=(1, 3, 3, 3, 3)), "Input", 3,
                         (1, 3, 3, 3, 3)),
    "convolution-groups": (lambda: NetChain([ConvolutionLayer(4, 2, channel_groups=2)], input=(3, 5)), "Input",
                           "divisible by channel_groups= 2", 3),
    "pooling-kernel": (lambda: NetChain([PoolingLayer(5)], input=(1, 3)), "Input", "at least 5", 3),
    "deconvolution-padding": (lambda: NetChain([DeconvolutionLayer(4, 1, padding_size=2)], input=(1, 1)), "Input",
                              "at least 5", 1),
    "attention-sizes": (lambda: NetGraph([AttentionLayer()], [], Key=(5, 4), Value=(5, 4), Query=(3,)), "Key", 4, 3),
    "layer-normalization": (lambda: NetChain([LayerNormalizationLayer()], input=()), "Input",
                            "at least one dimension", ()),
    "batch-normalization": (lambda: NetChain([BatchNormalizationLayer()], input=()), "Input",
                            "at least one dimension", ()),
    "normalization-levels": (lambda: NetChain([NormalizationLayer(aggregation_levels=5)], input=(3, 2)), "Input",
                             "1 to 2, or -1 to -2", 5),
    "normalization-groups": (lambda: NetChain([NormalizationLayer(group_number=2, aggregation_levels="2;;")],
                                              input=(3, 4)), "Input", "a fixed size divisible by group_number=2", 3),
    "parametric-ramp": (lambda: NetChain([ParametricRampLayer(levels=1)], input=("n", 3)), "Input", "a fixed size",
                        "n"),
    "linear-variable-length": (lambda: NetChain([LinearLayer(3)], input=("n", 2)), "Input", "fixed sizes", ("n", 2)),
    "sequence-last": (lambda: NetChain([SequenceLastLayer()], input=()), "Input", "rank >= 1", ()),
    "sequence-most": (lambda: NetChain([SequenceMostLayer()], input=(1, 2)), "Input", "length 2 or more", (1, 2)),
    "append": (lambda: NetGraph([AppendLayer()], [], Input=(3, 2), Output=(1, 2)), "Output", "length 2 or more",
               (1, 2)),
    "extract": (lambda: NetGraph([ExtractLayer()], [], Input=(3, 4), Position=(3,)), "Position", 2, 3),
    "padding": (lambda: NetChain([PaddingLayer([[1, 1], [1, 1], [1, 1]])], input=(3, 2)), "Input", 3, 2),
    "resize": (lambda: NetChain([ResizeLayer((4, 4))], input=(3, 2)), "Input",
               "(channels, *spatial) with 2 spatial dims", (3, 2)),
    "cross-entropy": (lambda: NetGraph([CrossEntropyLossLayer("Probabilities")], [], Input=(), Target=()), "Input",
                      "class probabilities on their last dimension", ()),
    "ctc": (lambda: NetGraph([CTCLossLayer()], [], Input=(3,)), "Input", "(length, classes)", (3,)),
    "map-operator": (lambda: NetChain([NetMapOperator(LinearLayer(3))], input=()), "Input", "a sequence", ()),
    "bidirectional-operator": (lambda: NetChain([NetBidirectionalOperator([LinearLayer(3), LinearLayer(3)])],
                                                input=(4,)), "Input", "a sequence (a length first, e.g. (n, 4))",
                               (4,)),
    "random-variable-length": (lambda: NetGraph([RandomArrayLayer(NormalDistribution(0, 1), output=("n",))], []),
                               "Output", "a fixed length", "n"),
    "random-constant-parameters": (lambda: NetGraph([RandomArrayLayer(NormalDistribution([1.0, 2.0], 1.0),
                                                                      output=(3,))], []), None, (2,), (3,)),
    "kl-divergence": (lambda: NetGraph([KLDivergenceLayer(NormalDistribution("#m1", 1), NormalDistribution("#m2", 1))],
                                       [], m1=(2,), m2=(3,)), "m1", (2,), (3,)),
    "torch-layer": (lambda: NetChain([TorchLayer(_Refusing())], input=3), "Input", ((3,),),
                    "ValueError: takes 4 features"),
    "python-function": (lambda: NetGraph([FunctionLayer(_refuse)], [], x=3), "x", ((3,),),
                        "ValueError: takes 4 features"),
}


def _in_message(value: object, message: str) -> bool:
    """Whether ``message`` writes ``value``: a shape as ``(2, 3)``, shapes each so, a length or number as itself."""
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        return all(_in_message(v, message) for v in value)
    forms = [str(value), repr(value)] + ([format_shape(value)] if isinstance(value, tuple) else [])
    return any(form in message for form in forms)


@pytest.mark.parametrize("name", CASES)
def test_a_layers_shape_conflict_carries_its_compared_values(name):
    build, port, expected, found = CASES[name]
    with pytest.raises(NetGraphError) as info:
        build()
    assert isinstance(info.value, ShapeError)
    [d] = info.value.diagnostics
    assert (d.port, d.expected, d.found) == (port, expected, found), d.message
    for value in (d.expected, d.found):
        assert _in_message(value, d.message), (value, d.message)
    hash(d)  # a Diagnostic is a value: collected problems are deduplicated by it


@pytest.mark.parametrize("shapes, expected, found, cls", [
    (((2, 3), (4, 3)), (2, 3), (4, 3), Conflict),
    (((None, 3), (2, 1), (4, 3)), (2, 1), (4, 3), Conflict),  # the first shape that sizes the clashing dim
    ((("n",), (3,)), ("n",), (3,), LengthConflict),
    ((("n",), ("m",)), ("n",), ("m",), LengthConflict),
])
def test_broadcast_names_the_two_shapes_that_clash(shapes, expected, found, cls):
    with pytest.raises(cls) as info:
        broadcast(*shapes)
    assert (info.value.expected, info.value.found) == (expected, found)
    assert format_shape(expected) in str(info.value) and format_shape(found) in str(info.value)


def test_a_conflict_keeps_lists_as_tuples_so_its_diagnostic_hashes():
    conflict = Conflict("levels [1, 5] do not exist", expected=[1, [2]], found=[5])
    assert (conflict.expected, conflict.found) == ((1, (2,)), (5,))
    assert Conflict("a dict", expected=1, found={"a": [1]}).found == (("a", (1,)),)  # as a Diagnostic keeps it


@pytest.mark.parametrize("shape", [{"a": 1}, {2, 3}, [[2], 3]])
def test_a_graph_port_given_an_unhashable_non_shape_is_a_shape_error(shape):
    with pytest.raises(ShapeError) as info:
        NetGraph([LinearLayer(3)], [], Input=shape)
    hash(info.value.diagnostics[0])


def test_a_graph_ports_bad_shape_keeps_the_conflicts_values_on_the_shape_error():
    with pytest.raises(ShapeError) as info:
        NetGraph([LinearLayer(3)], [], Input=[-1])
    [d] = info.value.diagnostics
    assert (d.port, d.expected, d.found) == ("Input", "positive ints", -1)


def _conflicts_without_fields(source: str, filename: str) -> list[str]:
    """``file:line`` of each call of a ``...Conflict`` class in ``source`` that does not name both ``expected=``
    and ``found=``."""
    return calls_without_fields(source, filename, lambda name: name.endswith("Conflict"))


def test_the_walk_finds_a_conflict_without_its_values():
    source = ("raise Conflict('a')\nraise LengthConflict('b', expected=1)\nreturn types.Conflict('c', found=2)\n"
              "raise Conflict('d', expected=1, found=2)\n")
    assert _conflicts_without_fields(source, "x.py") == ["x.py:1", "x.py:2", "x.py:3"]


def test_every_conflict_in_the_package_names_the_values_it_compared():
    missing = [site for path in sorted(PACKAGE.rglob("*.py"))
               for site in _conflicts_without_fields(path.read_text(encoding="utf-8"),
                                                     str(path.relative_to(PACKAGE.parent)))]
    assert not missing, f"Conflict(...) without expected= and found=: {missing}"


def test_a_conflict_raised_by_a_layers_build_is_a_shape_problem():
    """compile() turned it into a ShapeError with its port and values but the default kind "error"."""
    import dataclasses

    from netgraph.core.layer import Layer

    @dataclasses.dataclass(frozen=True, eq=False, repr=False)
    class Fussy(Layer):
        input_ports = ("Input",)

        def infer(self, types):
            return {"Input": types["Input"], "Output": types["Input"]}

        def build(self, types):
            raise Conflict("needs 4 features", port="Input", expected=(4,), found=types["Input"].shape)

    with pytest.raises(ShapeError) as info:
        NetChain({"f": Fussy()}, input=3).compile()
    (d,) = info.value.diagnostics
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("shape", ("f",), "Input", (4,), (3,))


def test_conflict_is_imported_from_its_home_only():
    """core/conflicts.py defines Conflict; core/types.py does not re-export it (one place to import it from)."""
    sites = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
             for root in (PACKAGE, PACKAGE.parent / "tests", PACKAGE.parent / "benchmarks")
             for path in sorted(root.rglob("*.py"))
             if "Conflict" in (text := path.read_text(encoding="utf-8"))  # (only these can import it: 63 of 1,355)
             for node in ast.walk(ast.parse(text))
             if isinstance(node, ast.ImportFrom) and node.module != "netgraph.core.conflicts"
             and "Conflict" in (a.name for a in node.names)]
    assert "Conflict" not in types.__all__
    assert not sites, f"Conflict imported from elsewhere than netgraph.core.conflicts: {sites}"

"""A shape's bad dims as one error tells them: the subject named once, each dim by its place, the first LISTED_DIMS
and how many more (a 100,000-item list is refused at once), in one wording whichever path made the shape."""

from __future__ import annotations

import pytest

import torch

from netgraph import (FunctionLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph, NetPort, OptionError,
                      PortType, ShapeError, SpecError, TorchLayer)
from netgraph.core import shape_values
from netgraph.core.shape_dims import LISTED_DIMS

BAD = "must be positive ints (or None for unknown)"


def refused(make, error):
    with pytest.raises(error) as info:
        make()
    return info.value


def test_a_port_shape_names_its_subject_once_and_each_dim_by_its_place():
    error = refused(lambda: NetChain([LinearLayer(2)], input=[-1, 4, -1]), ShapeError)
    assert str(error) == \
        f"shape of port 'Input' has 2 bad dims:\n  - dim 0: {BAD}, found -1\n  - dim 2: {BAD}, found -1"


@pytest.mark.parametrize("make, error", [(lambda n: LinearLayer([-1] * n), OptionError),
                                         (lambda n: NetChain([LinearLayer(2)], input=[-1] * n), ShapeError)])
def test_a_huge_bad_shape_lists_the_first_bad_dims_and_counts_the_rest(make, error):
    n = 10**5
    found = refused(lambda: make(n), error)
    assert len(str(found)) < 2000
    assert f"{n - LISTED_DIMS} more bad dims" in str(found)
    assert [d.item for d in found.diagnostics] == [*range(LISTED_DIMS), None]  # and one counting the rest


def test_the_bad_dims_past_those_listed_are_counted_whatever_they_are():
    dims = [-1] * LISTED_DIMS + [4, "x y", 0, None, "n", 2**70, True]
    found = refused(lambda: NetChain([LinearLayer(2)], input=dims), ShapeError)
    assert f"has {LISTED_DIMS + 4} bad dims" in str(found) and "... and 4 more bad dims" in str(found)


@pytest.mark.parametrize("make", [lambda: LinearLayer([3, -1, 0]), lambda: LinearLayer(2, input=[3, -1, 0]),
                                  lambda: GatedRecurrentLayer(2, input=[3, -1, 0]),
                                  lambda: FunctionLayer(lambda x: x, input={"Input": [3, -1, 0]})])
def test_every_shape_option_expects_the_same_of_a_dim(make):
    assert [d.expected for d in refused(make, OptionError).diagnostics] == ["positive ints"] * 2


def test_a_port_type_names_every_bad_dim_at_its_item_as_shape_options_do():
    found = refused(lambda: PortType([3, -1, 0]), ShapeError)
    assert [(d.item, d.found, d.kind) for d in found.diagnostics] == [(1, -1, "port-shape"), (2, 0, "port-shape")]
    assert str(found) == f"PortType shape has 2 bad dims:\n  - dim 1: {BAD}, found -1\n  - dim 2: {BAD}, found 0"


@pytest.mark.parametrize("make, error, ports", [
    (lambda: NetGraph({"a": LinearLayer(2), "b": LinearLayer(2)}, [(NetPort("x"), "a"), (NetPort("y"), "b")],
                      x=[3, -1], y=[0, -2]), ShapeError, ["x", "y", "y"]),
    (lambda: FunctionLayer(lambda x, y: x, input={"x": [3, -1], "y": [0]}), OptionError, ["x", "y"]),
    (lambda: TorchLayer(torch.nn.Identity(), inputs={"x": [3, -1], "y": [0, -2]}), OptionError, ["x", "y", "y"])])
def test_every_ports_bad_dims_are_told_in_one_error(make, error, ports):
    assert [d.port for d in refused(make, error).diagnostics] == ports


@pytest.mark.parametrize("make, error, header", [
    (lambda: NetGraph({"a": LinearLayer(2), "b": LinearLayer(2)}, [(NetPort("x"), "a"), (NetPort("y"), "b")],
                      x=[-1] * (LISTED_DIMS + 11), y=[0, -2]), ShapeError, "declared port shapes: "),
    (lambda: FunctionLayer(lambda x, y: x, input={"x": [-1] * (LISTED_DIMS + 11), "y": [0, -2]}), OptionError,
     "FunctionLayer: ")])
def test_a_header_over_capped_bad_dims_counts_the_problems_not_the_lines(make, error, header):
    """Found by QA: the line '... has 11 more bad dims' counted as one problem ('12 problems' for 22)."""
    found = refused(make, error)
    assert str(found).startswith(f"{header}{LISTED_DIMS + 11 + 2} problems:\n")
    assert "port 'x' has 11 more bad dims" in str(found) or "input['x']= has 11 more bad dims" in str(found)


@pytest.mark.parametrize("text", [
    "netgraph: 1\nlayers:\n  f: {type: FunctionLayer, function: '#x', input: {x: %s}}\n",
    "netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2}\ninputs: {Input: %s}\nedges: [Input -> a]\n"])
def test_a_spec_s_header_and_problem_count_count_the_capped_bad_dims(text):
    """Review r4: a spec counted the line '... has 21 more bad dims' as one problem ('10 problems' for 30)."""
    found = refused(lambda: NetGraph.from_yaml(text % ([-1] * (LISTED_DIMS + 21))), SpecError)
    assert str(found).startswith(f"{LISTED_DIMS + 21} problems in <string>:\n")
    assert (found.problem_count, found.complete) == (LISTED_DIMS + 21, False)
    assert sorted(d.count for d in found.diagnostics) == [1] * LISTED_DIMS + [21]


@pytest.mark.parametrize("bad", [1.5, True, [2], "x y"])
def test_bad_dims_past_those_listed_are_counted_without_wording_each(monkeypatch, bad):
    """Review r4: PortType([1.5] * 100000) worded a Conflict for every item (0.0003 s -> 0.9 s)."""
    import netgraph.core.shape_dims as shape_dims
    worded = []

    def counted(d, what, item=None):
        worded.append(item)
        return shape_values.shape_dim(d, what, item)
    monkeypatch.setattr(shape_dims, "shape_dim", counted)
    n = 10**4
    found = refused(lambda: PortType([bad] * n), ShapeError)
    assert f"has {n} bad dims" in str(found) and f"... and {n - LISTED_DIMS} more bad dims" in str(found)
    assert worded == list(range(1, LISTED_DIMS))  # the first is as_shape's own

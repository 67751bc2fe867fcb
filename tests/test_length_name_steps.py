"""A length name whose step is impossible is refused where it is declared, with a ShapeError (kind "port-shape")
naming the port, the name and why: a step over or times 0 (``"n_over_0"``) gives no length, and one whose size has
leading zeros (``"n_over_02"``) would be read as a length apart, not as ``n`` over 2.

``"n_over_0"`` beside ``"n_over_2"`` (or beside ``"n"``) crashed ``net(x)`` and the compiled forward with a raw
ZeroDivisionError; ``"n_over_01"`` ran as a length unrelated to ``n``.
"""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetGraph, OptionError, ShapeError, SpecError
from tests.test_length_groups import _draws

REFUSED = {"n_over_0": "its step '_over_0' divides by 0", "n_times_0": "its step '_times_0' multiplies by 0",
           "n_minus_1_over_00": "its step '_over_00' divides by 0",
           "n_over_02": "has leading zeros, so it would name a length apart: write 'n_over_2'",
           "n_plus_01_over_2": "its step '_plus_01' has leading zeros, so it would name a length apart: write "
                               "'n_plus_1_over_2'"}


@pytest.mark.parametrize("beside", ["n", "n_over_2"])
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_impossible_step_is_refused_where_the_port_is_declared(name, beside):
    with pytest.raises(ShapeError) as caught:
        _draws(x=beside, y=name)
    e = caught.value
    assert (e.kind, e.port, e.found) == ("port-shape", "y", name)
    assert f"port 'y' has the length name {name!r}: " in str(e) and REFUSED[name] in str(e)


@pytest.mark.parametrize("name", ["n_over_2", "n_minus_0", "n_times_10", "t_0", "n_over_0x", "x_01"])
def test_possible_steps_and_names_that_tell_no_step_are_kept(name):
    assert _draws(x="n", y=name).input_shapes["y"] == (name,)


def test_a_layers_input_option_refuses_the_name_too():
    with pytest.raises(OptionError, match="length name 'n_times_0': its step '_times_0' multiplies by 0") as caught:
        LinearLayer(2, input=("n_times_0", 3))
    assert caught.value.option == "input"


def test_a_spec_points_at_the_shape_that_declares_it():
    text = "netgraph: 1\nlayers:\n  f: Tanh\ninputs:\n  Input: [n_over_0, 3]\nedges: [Input -> f]\n"
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(text)
    (d,) = caught.value.diagnostics
    assert (d.kind, d.port, d.line, d.column) == ("port-shape", "Input", 5, 11)  # the item, not the list's '['
    assert "'n_over_0': its step '_over_0' divides by 0" in d.message

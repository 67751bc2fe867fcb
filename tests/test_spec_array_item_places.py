"""A value an array cannot hold (a boolean, a decimal too large for any float, text) is told at its own line:col,
with its 1-based index path and the array option's name, however long the array."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError
from netgraph.cli.check import problem_json


def _problem(text: str):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    (problem,) = info.value.diagnostics
    return problem, str(info.value)


def _at(text: str, line: int, written: str) -> str:
    return f"<string>:{line}:{text.splitlines()[line - 1].index(written) + 1}: "


@pytest.mark.parametrize("array, written, path", [
    ("[1.0, 2.0, true]", "true", "[3]"),
    ("[[1, 2], [3, false]]", "false", "[2, 2]"),
    ("[1.0, 1.2.3, 2.0]", "1.2.3", "[2]"),
    ("[[1.0], [abc]]", "abc", "[2, 1]")])
def test_an_array_item_that_is_no_number_is_placed_at_itself(array, written, path):
    text = f"netgraph: 1\nlayers:\n  arr: {{type: NetArrayLayer, array: {array}}}\n"
    problem, message = _problem(text)
    assert message.startswith(_at(text, 3, written) + "layer 'arr' option array: an array holds numbers, found ")
    assert f"{written!r}" in message or written in message
    assert f"at {path}" in message
    fields = problem_json(problem, "s.yaml")
    assert (fields["layer"], fields["option"], fields["expected"]) == (["arr"], "array", "numbers")
    assert str(fields["found"]).lower() == written


def test_an_overflowing_item_of_a_block_row_is_placed_at_itself_as_written():
    text = "netgraph: 1\nlayers:\n  arr2:\n    type: NetArrayLayer\n    array:\n      - [1.0, 2.0]\n" \
           "      - [3.0, 1.0e400]\n"
    problem, message = _problem(text)
    assert message.startswith(_at(text, 7, "1.0e400") + "layer 'arr2' option array: the array holds 1.0e400 at [2, 2]")
    assert (problem.option, repr(problem.found)) == ("array", "1.0e400")


def test_one_bad_item_among_many_numbers_is_named_and_placed():
    numbers = ", ".join(["1.0"] * 5000)
    text = f"netgraph: 1\nlayers:\n  arr: {{type: NetArrayLayer, array: [{numbers},\n    {numbers}, 1.2.3, 2.0]}}\n"
    problem, message = _problem(text)
    assert message.startswith(_at(text, 4, "1.2.3")) and "at [10001]" in message and "'1.2.3'" in message
    assert (problem.found, problem.option) == ("1.2.3", "array")


def test_a_bad_item_of_a_shared_array_with_values_is_placed_at_itself():
    text = "netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 2, input: 1,\n" \
           "    biases: {shared: b, array: [1, null]}}\n"
    problem, message = _problem(text)
    assert message.startswith(_at(text, 4, "null") + "layer 'lin' option biases: an array holds numbers, found ")
    assert "at [2]" in message and problem.option == "biases"


@pytest.mark.parametrize("weights", [
    "[[1, 2, 3],\n      [4, 5]]", "{dtype: float64, array: [[1, 2, 3],\n      [4, 5]]}",
    "{shared: w2, array: [[1, 2, 3],\n      [4, 5]]}"])
def test_ragged_rows_are_placed_at_the_short_row(weights):
    text = f"netgraph: 1\nlayers:\n  lin: {{type: LinearLayer, output: 2, input: 3,\n    weights: {weights}}}\n"
    problem, message = _problem(text)
    assert message.startswith("<string>:5:7: layer 'lin'") and "row [2] has 2 values where row [1] has 3" in message
    assert problem.option == "weights"


@pytest.mark.parametrize("array, written, dtype", [
    ("[1.0, 2.0, 1.0e39]", "1.0e39", "float32"), ("{array: [[1.0, 2.0], [-7.0e4, 1.0]], dtype: float16}", "-7.0e4",
                                                  "float16")])
def test_a_value_beyond_the_array_s_dtype_is_placed_at_itself(array, written, dtype):
    text = f"netgraph: 1\nlayers:\n  arr: {{type: NetArrayLayer, array: {array}}}\n"
    problem, message = _problem(text)
    assert message.startswith(_at(text, 3, written)) and f"beyond {dtype}'s range" in message
    assert problem.found == abs(float(written))


def test_a_python_array_that_is_no_numbers_names_the_item_and_its_path():
    from netgraph import NetArrayLayer
    with pytest.raises(ValueError) as info:
        NetArrayLayer(array=[1.0] * 200_000 + ["1.2.3"])
    assert str(info.value).endswith(", ...], whose item [200001] (1-based) is '1.2.3' (str)")
    assert info.value.diagnostics[0].found == "1.2.3"

"""A built-in layer's True-or-False option given another value is refused by the shared annotation check
(core/option_checks.check_plain_types), in its words for every layer: '<Layer> option <name>= must be True or
False, found <value>', with the option, expected and found as data (layers' own copies said it three ways)."""

import pytest

import netgraph as ng
from netgraph import OptionError

_MADE = {
    ("CTCLossLayer", "logits"): lambda v: ng.CTCLossLayer(logits=v),
    ("CrossEntropyLossLayer", "logits"): lambda v: ng.CrossEntropyLossLayer("Index", logits=v),
    ("NormalizationLayer", "unbiased"): lambda v: ng.NormalizationLayer(unbiased=v),
    ("AttentionLayer", "multi_head"): lambda v: ng.AttentionLayer(multi_head=v),
    ("PoolingLayer", "ceil_mode"): lambda v: ng.PoolingLayer(2, ceil_mode=v),
    ("RandomArrayLayer", "log_probability"):
        lambda v: ng.RandomArrayLayer(ng.NormalDistribution(0, 1), output=2, log_probability=v),
}


@pytest.mark.parametrize("layer, option", sorted(_MADE))
@pytest.mark.parametrize("value, shown", [("yes", "'yes'"), (1, "1"), (None, "None"),
                                          (list(range(100)), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1… 90, 91, 92, "
                                                             "93, 94, 95, 96, 97, 98, 99] (390 characters)")])
def test_a_true_or_false_option_given_another_value(layer, option, value, shown):
    with pytest.raises(OptionError) as info:
        _MADE[layer, option](value)
    assert str(info.value) == f"{layer} option {option}= must be True or False, found {shown}"
    problem = info.value.diagnostics[0]
    found = tuple(value) if isinstance(value, list) else value  # a layer's values are kept frozen
    assert (problem.option, problem.expected, problem.found, problem.kind) == (option, "True or False", found,
                                                                              "option-value")


@pytest.mark.parametrize("layer, option", sorted(_MADE))
def test_true_and_false_are_taken(layer, option):
    assert _MADE[layer, option](True) is not None and _MADE[layer, option](False) is not None


def test_a_true_or_false_problem_comes_with_a_problem_validate_raises():
    """check_plain_types runs before the checks of options together, so a validate that raises loses it not."""
    with pytest.raises(OptionError) as info:
        ng.CrossEntropyLossLayer("Index", logits="x", input=())
    assert [d.option for d in info.value.diagnostics] == ["logits", "input"]

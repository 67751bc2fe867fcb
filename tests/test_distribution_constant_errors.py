"""A distribution's bad constants: one OptionError naming each bad parameter (its option), with the rule it breaks."""

from __future__ import annotations

import pytest
import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, DiscreteUniformDistribution, ErlangDistribution,
                      GammaDistribution, MultinormalDiagonalDistribution, NormalDistribution, OptionError,
                      PoissonDistribution, UniformDistribution, WeibullDistribution)


@pytest.mark.parametrize("make_bad,match", [
    (lambda: NormalDistribution(0, -1), r"sigma \(standard deviation\) must be a finite number > 0, found -1.0"),
    (lambda: GammaDistribution(2, 0), r"beta \(scale\) must be a finite number > 0"),
    (lambda: BernoulliDistribution(1.2), r"p \(probability of 1\) must be a finite number in \[0, 1\]"),
    (lambda: BinomialDistribution(3.5, 0.5), r"n \(number of trials, an integer\) must be an integer >= 0"),
    (lambda: ErlangDistribution(0, 1), "k .* must be an integer >= 1"),
    (lambda: UniformDistribution([1, 1]), "needs min < max"),
    (lambda: DiscreteUniformDistribution([3, 1]), "needs imin <= imax"),
    (lambda: PoissonDistribution(float("nan")), "mu .* must be a finite number >= 0, found nan"),
    (lambda: NormalDistribution([0.0, 1.0], [1.0, -2.0]), r"found -2.0 at index \(1,\)"),
    (lambda: NormalDistribution("#lambda", 1), "not a keyword"),
    (lambda: NormalDistribution("mu", 1), "slot like '#mu'"),
    (lambda: NormalDistribution(torch.zeros(2, requires_grad=True), 1), "must not require grad"),
    (lambda: GammaDistribution(1), "takes 2 or 4 parameters"),
    (lambda: UniformDistribution(0, 1), "one list argument"),
    (lambda: WeibullDistribution(1, {"a": 1}), "must be a number"),
])
def test_bad_constants_are_option_errors_naming_the_parameter(make_bad, match):
    with pytest.raises(OptionError, match=match):
        make_bad()


@pytest.mark.parametrize("make_bad, options", [
    (lambda: GammaDistribution(-1, -2), ["alpha", "beta"]),
    (lambda: NormalDistribution(float("nan"), 0), ["mu", "sigma"]),
    (lambda: UniformDistribution([float("inf"), float("nan")]), ["min", "max"]),
    (lambda: NormalDistribution([], -1), ["mu", "sigma"]),
    (lambda: MultinormalDiagonalDistribution([0, float("nan")], [1, -1]), ["mu", "sigma"]),
    (lambda: NormalDistribution(1e300, 1), ["mu"]),  # beyond the sampler's range
    (lambda: UniformDistribution([1, 1]), [None]),  # a condition of them together names none
])
def test_each_bad_constant_is_its_own_problem_naming_its_parameter(make_bad, options):
    """Several bad constants were one message with no option named: each is its own Diagnostic (a spec points at
    its value), all in one OptionError."""
    with pytest.raises(OptionError) as info:
        make_bad()
    assert [(d.option, d.kind) for d in info.value.diagnostics] == [(o, "option-value") for o in options]
    assert (f"{len(options)} problems:" in str(info.value)) == (len(options) > 1)


@pytest.mark.parametrize("make_bad, expected, found", [
    (lambda: NormalDistribution(0, -1), "a finite number > 0", -1.0),
    (lambda: BernoulliDistribution([0.2, 1.5]), "a finite number in [0, 1]", 1.5),
    (lambda: BinomialDistribution(3.5, 0.5), "an integer >= 0", 3.5),
    (lambda: MultinormalDiagonalDistribution([0.0, 0.0], [1.0, -2.0]), "a finite number > 0", -2.0),
])
def test_a_bad_constant_diagnostic_has_what_was_expected_and_found(make_bad, expected, found):
    """Found by QA: a bad slot value's Diagnostic had expected and found, a bad constant's only the option."""
    with pytest.raises(OptionError) as info:
        make_bad()
    assert [(d.expected, d.found) for d in info.value.diagnostics] == [(expected, found)]

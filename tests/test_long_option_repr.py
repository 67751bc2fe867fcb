"""A layer's or coder's repr shows a long list option (labels, a vocabulary, PartLayer's positions) by its first
items and its count, as a large array by its shape (QA: a 100,000-label ClassEncoder's repr was 1.39M characters);
a short one is shown whole, as given."""

import dataclasses

import numpy as np
import pytest

from netgraph import (AggregationLayer, ClassDecoder, ClassEncoder, GatedRecurrentLayer, NetBidirectionalOperator,
                      NetGraph, PaddingLayer, PartLayer, ReplicateLayer, TokensEncoder, net_initialize)
from netgraph.core.errors import NetGraphError
from tests.profile_helpers import calls
from tests.test_layer_parity import EXAMPLES, distribution_examples


@pytest.mark.parametrize("make", [lambda labels: ClassEncoder(labels), lambda labels: ClassDecoder(labels),
                                  lambda labels: TokensEncoder(labels)])
def test_a_long_list_of_labels_is_shown_by_its_first_and_its_count(make):
    shown = repr(make([f"label{i}" for i in range(100000)]))
    assert len(shown) < 300
    assert "('label0', 'label1', 'label2', 'label3', 'label4', 'label5', ... 100000 items)" in shown


def test_a_long_list_option_of_a_layer_is_cut_short():
    assert repr(PartLayer(list(range(1, 50001)))) == "PartLayer([1, 2, 3, 4, 5, 6, ... 50000 items])"


def test_short_lists_are_shown_whole():
    assert repr(ClassEncoder(["a", "b"])) == "ClassEncoder(labels=('a', 'b'), output='Index')"
    assert repr(PartLayer(list(range(1, 21)))) == f"PartLayer({list(range(1, 21))})"
    assert repr(ClassDecoder(list(range(20)))) == f"ClassDecoder(labels={tuple(range(20))})"


def test_long_labels_stay_told_apart():
    # reprlib cut each label to 30 characters: six labels all shown as 'category-000...nopqrstuvwxyz'
    labels = [f"category-{i:04d}-abcdefghijklmnopqrstuvwxyz" for i in range(30)]
    assert f"({', '.join(map(repr, labels[:6]))}, ... 30 items)" in repr(ClassEncoder(labels))
    assert repr(PartLayer([10 ** 45 + i for i in range(1, 31)])).startswith(f"PartLayer([{10 ** 45 + 1}, ")
    shown = repr(ClassEncoder([f"{i}" + "x" * 500 for i in range(30)]))
    assert len(shown) < 700 and "'0xxx" in shown  # a very long label is still cut


def _catalogue() -> list:
    """(kind, option) for every option of every registered kind, with the layer whose other options it keeps."""
    layers = {kind: examples[0].layer for kind, examples in EXAMPLES.items() if examples}
    layers["RandomArrayLayer"] = next(iter(distribution_examples().values())).layer
    return [(layer, f.name) for kind, layer in sorted(layers.items())
            for f in dataclasses.fields(type(layer)) if f.init]


def _refusal(make) -> str:
    try:
        make()
    except NetGraphError as e:
        return str(e)
    return ""


@pytest.mark.parametrize("found", [list(range(1, 10001)), np.arange(1.0, 1001.0), ["a"] * 1000],
                         ids=["ints", "array", "strings"])
def test_a_long_value_for_any_option_of_any_kind_makes_a_short_message(found):
    # QA: DropoutLayer(list(range(10000))) said 59 KB; NetGraph([AttentionLayer(key=...)]) 118 KB. 1,000 strings or
    # floats are as telling as 10,000 (17 s: a list as an operator's net= is checked and hinted at item by item):
    # each value's own text is over twice the limit, so a message quoting it whole is caught. The ints stay 10,000:
    # 1 to 1,000 is a valid NetNestOperator chain of 333M parameters, which initialising would build
    assert len(str(found)) > 2 * 2000 and len(repr(found)) > 2 * 2000
    long = {}
    for layer, option in _catalogue():
        given = {f.name: getattr(layer, f.name) for f in dataclasses.fields(type(layer)) if f.init}
        given[option] = found
        made = []
        message = _refusal(lambda: made.append(type(layer)(**given)))
        if made:
            message = _refusal(lambda: net_initialize(NetGraph([made[0]]), seed=0))
        if len(message) >= 2000:
            long[f"{type(layer).__name__}.{option}"] = len(message)
    assert long == {}


def test_a_padding_size_of_many_bad_levels_is_refused_in_calls_linear_in_its_length():
    """Each bad level made a problem that froze the whole value again: 10,000 float levels took 85 s to refuse."""
    def refused(n: int) -> int:
        return calls(_refusal, lambda: PaddingLayer(padding_size=np.arange(1.0, n + 1.0)))
    small, large = refused(1000), refused(2000)
    assert large < 2.2 * small, (small, large)


@pytest.mark.parametrize("make, start", [
    (lambda v: AggregationLayer(function=v), "AggregationLayer option function= must be one of ['Max', "),  # unhashable
    (lambda v: NetBidirectionalOperator(GatedRecurrentLayer(3), aggregation=v),
     "NetBidirectionalOperator option aggregation= must be one of ")])
def test_the_shared_option_checks_quote_a_found_value_by_its_head_and_tail(make, start):
    """The annotation checks (core/option_checks) quote as every layer's own checks do (``quoted``): head, tail and
    length, so the end of a list shows (reprlib showed its first six items: '[0, 1, 2, 3, 4, 5, ...]')."""
    with pytest.raises(NetGraphError) as info:
        make(list(range(100)))
    message = str(info.value)
    assert message.startswith(start)
    assert message.endswith("97, 98, 99] (390 characters)")


def test_replicate_counts_all_bad_make_one_problem():
    """ReplicateLayer's n= list: the first bad count is reported, not one problem per count (each ~20 calls)."""
    def refused(n: int) -> int:
        return calls(_refusal, lambda: ReplicateLayer(["a"] * n))
    refused(10)  # imports and first-call caches out of the counts
    small, large = refused(2000), refused(4000)
    assert large - small < 2000, (small, large)
    first = "ReplicateLayer option n= must be a positive integer, found 'a'"
    assert _refusal(lambda: ReplicateLayer([2, "a", -1])) == first


@pytest.mark.parametrize("bad", [True, 1.0, None])
def test_replicate_counts_equal_to_one_but_bad_make_one_problem(bad):
    """A bad count equal to 1 (True, 1.0) stops the check at once too: each made ~20 calls (3 s for 100,000)."""
    def refused(n: int) -> int:
        return calls(_refusal, lambda: ReplicateLayer([bad] * n))
    refused(10)
    small, large = refused(2000), refused(4000)
    assert large - small < 2000, (small, large)
    assert _refusal(lambda: ReplicateLayer([2, bad, -1])).endswith(f"found {bad!r}")

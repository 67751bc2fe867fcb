"""A Diagnostic is a hashable value whatever values it was given: lists and dicts (a user's wrong option value) are
kept as tuples, sets as frozensets, other unhashable values as their repr (collected problems are deduplicated by
hashing them, and a tool may keep them in a set)."""

from __future__ import annotations

import dataclasses

import numpy
import pytest

from netgraph import OptionError, PoolingLayer
from netgraph.core.errors import Diagnostic, OptionError as CoreOptionError, raise_all


class _Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<unhashable>"


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("given, kept", [
    ([1, [2, 3]], (1, (2, 3))),
    ((1, [2]), (1, (2,))),
    ({"a": [2], "b": 3}, (("a", (2,)), ("b", 3))),
    ({2, 3}, frozenset({2, 3})),
    ([{4}, {"k": {5: [6]}}], (frozenset({4}), (("k", ((5, (6,)),)),))),
    (bytearray(b"ab"), "bytearray(b'ab')"),
    (_Unhashable(), "<unhashable>"),
    ([_Unhashable()], ("<unhashable>",)),
    ("Max", "Max"), (3, 3), (None, None), ((2, 3), (2, 3)),
])
@pytest.mark.parametrize("field", ["expected", "found"])
def test_a_diagnostic_given_any_value_hashes_and_keeps_it_frozen(field, given, kept):
    diagnostic = Diagnostic("bad", "option-value", **{field: given})
    assert getattr(diagnostic, field) == kept and type(getattr(diagnostic, field)) is type(kept)
    assert hash(diagnostic) == hash(Diagnostic("bad", "option-value", **{field: kept}))
    assert diagnostic == Diagnostic("bad", "option-value", **{field: kept})


def test_an_array_and_a_hostile_nesting_are_kept_as_their_repr():
    array = numpy.arange(3)
    assert Diagnostic("bad", found=array).found == repr(array)
    deep = Diagnostic("bad", found=_nested(100)).found
    hash(deep)
    assert "[[[" in str(deep)


def test_every_field_given_a_list_is_kept_as_a_tuple():
    diagnostic = Diagnostic("bad", layer=["enc", "lin"], graph=["enc"], parts=["bad"])  # type: ignore[arg-type]
    assert (diagnostic.layer, diagnostic.graph, diagnostic.parts) == (("enc", "lin"), ("enc",), ("bad",))
    assert diagnostic.within("top").layer == ("top", "enc", "lin")
    assert hash(dataclasses.replace(diagnostic, found=[1])) == hash(dataclasses.replace(diagnostic, found=(1,)))


def test_an_unhashable_choice_option_is_one_option_error_with_hashable_diagnostics():
    """PoolingLayer(2, function=['Max']): its Diagnostic held lists, so it could not be hashed."""
    with pytest.raises(OptionError) as info:
        PoolingLayer(2, function=["Max"])
    [d] = info.value.diagnostics
    assert (d.option, d.expected, d.found) == ("function", ("Max", "Mean", "Total"), ("Max",))
    assert {d: 1}[d] == 1


def test_problems_given_lists_are_raised_once_each():
    """raise_all deduplicates the problems by hashing them: a list among their values raised Python's TypeError."""
    same = [Diagnostic("bad size", "option-value", found=[2, 3]), Diagnostic("bad size", "option-value", found=[2, 3])]
    with pytest.raises(CoreOptionError) as info:
        raise_all(same + [Diagnostic("bad kind", found={"a": [1]})], CoreOptionError, "invalid")
    assert [d.found for d in info.value.diagnostics] == [(2, 3), (("a", (1,)),)]


def test_any_mapping_is_kept_as_its_pairs():
    import types
    assert Diagnostic("bad", found=types.MappingProxyType({"a": [1]})).found == (("a", (1,)),)


def test_only_the_unhashable_field_is_frozen():
    """A list in one field froze every field: a torch.Size or a namedtuple in another became a plain tuple."""
    import collections

    import torch

    from netgraph.core.errors import Diagnostic

    Pair = collections.namedtuple("Pair", "a b")
    d = Diagnostic("m", "option-value", expected=torch.Size([2, 3]), found=[Pair(1, 2)], hint=None)
    assert type(d.expected) is torch.Size and d.found == (Pair(1, 2),)
    hash(d)

"""An option holding itself more than once (``b = []; b.append(b); b.append(b)``) or lists shared down many levels
doubles at each level when walked as nested lists: freezing it for a Diagnostic and finding the deepest option hung.
It is one OptionError naming the option, at once."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, OptionError
from netgraph.core.frozen_values import frozen_value


def _held_twice() -> list:
    held = []
    held.extend([held, held])
    return held


def _shared_30_levels() -> list:
    value: object = 0
    for _ in range(30):
        value = [value, value]  # 2**30 leaves counted as nested lists, 31 lists in all
    return value


@pytest.mark.timeout(30)
@pytest.mark.parametrize("make", [_held_twice, _shared_30_levels])
def test_an_option_doubling_at_each_level_is_one_option_error_naming_it(make):
    with pytest.raises(OptionError, match="option 'output' is nested too deeply") as refused:
        LinearLayer(make())
    assert (refused.value.option, refused.value.kind) == ("output", "option-value")


@pytest.mark.timeout(30)
def test_a_value_doubling_at_each_level_is_frozen_as_its_short_repr_and_a_small_one_as_tuples():
    frozen = frozen_value(_shared_30_levels())
    assert isinstance(frozen, str) and len(frozen) < 200 and hash(frozen) == hash(frozen)
    assert frozen_value([[1, 2], {"a": [3]}]) == ((1, 2), (("a", (3,)),))

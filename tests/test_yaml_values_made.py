"""A YAML list or mapping made in code (as 'edges:' written as a mapping gives each edge, ``YSeq([a, b])``) has no
item or value written as an alias: an empty ``alias_locs`` that a lookup reads like one read from a file's."""

from __future__ import annotations

import pytest

from netgraph.spec.scalar_spans import Loc
from netgraph.spec.yaml_values import YMap, YSeq


@pytest.mark.parametrize("made", [YSeq(["a", "b"]), YMap.made({"a": "b"}, Loc(1, 1))], ids=["YSeq", "YMap"])
def test_a_value_made_in_code_has_no_aliases(made):
    assert dict(made.alias_locs) == {} and made.alias_locs.get(0, "here") == "here"
    with pytest.raises(TypeError):
        made.alias_locs[0] = (2, 2)  # shared by every value made in code: not to be written to

"""The message a spec's refusal gives, for tests that compare two ways of refusing one text."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError


def refusal(text: str) -> str:
    """The SpecError message of ``NetGraph.from_yaml(text)``, which must refuse it."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return str(info.value)

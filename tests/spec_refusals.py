"""What a spec's refusal gives (its message, its diagnostics' fields), for tests of refusing texts."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError


def refusal(text: str) -> str:
    """The SpecError message of ``NetGraph.from_yaml(text)``, which must refuse it."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return str(info.value)


def spec_problems(text: str, fields: tuple[str, ...] = ("line", "column", "kind")) -> list[tuple]:
    """The ``fields`` of each Diagnostic of the SpecError that ``NetGraph.from_yaml(text)`` must raise."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    return [tuple(getattr(d, f) for f in fields) for d in info.value.diagnostics]

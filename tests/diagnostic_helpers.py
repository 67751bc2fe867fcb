"""What the diagnostic-field tests share: the one Diagnostic an error raised by a call carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from netgraph.core.errors import Diagnostic, NetGraphError


def sole_diagnostic(call: Callable[[], Any], cls: type[NetGraphError] = NetGraphError) -> Diagnostic:
    """The one Diagnostic of the ``cls`` that ``call()`` raises (the test fails when it raises none, or has several)."""
    with pytest.raises(cls) as info:
        call()
    (diagnostic,) = info.value.diagnostics
    return diagnostic

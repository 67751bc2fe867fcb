"""Warnings shown at the user's line: ``user_stacklevel()`` is the ``stacklevel`` that makes ``warnings.warn``
point at the first frame outside the netgraph package, however deep inside it the warning is given (a count fixed
by hand goes stale when a function is split).

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     warnings.warn("here", stacklevel=user_stacklevel())
>>> caught[0].filename == __file__ or caught[0].filename.startswith("<doctest")
True
"""

from __future__ import annotations

import os
import sys

__all__ = ["user_stacklevel"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # .../netgraph/


def user_stacklevel() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` in the function calling this one: the first caller outside the
    netgraph package (1, that function itself, when it is outside)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level

"""Where a warning should point: the user's line that called into netgraph, however many of its frames are between
(``warnings.warn``'s ``skip_file_prefixes`` is 3.12's; this works on 3.11 too). A count fixed by hand goes stale
when a function is split.

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

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # netgraph/


def user_stacklevel() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` in the caller of this function that names the first frame outside
    the netgraph package (the caller's own frame is 1)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level

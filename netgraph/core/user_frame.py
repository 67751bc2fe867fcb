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
from types import FrameType

__all__ = ["user_stacklevel"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # netgraph/
_GENERATED = "<netgraph-compiled-"  # a compiled net's generated forward (``netgraph.backend.code_lines``)


def user_stacklevel(through_torch: bool = False) -> int:
    """The ``stacklevel`` for a ``warnings.warn`` in the caller of this function that names the first frame outside
    the netgraph package and its generated forwards (the caller's own frame is 1); ``through_torch``: torch's frames
    are passed over too (a warning from inside ``loss.backward()`` or a module call, under torch's frames)."""
    torch = sys.modules.get("torch") if through_torch else None
    folders = (_PACKAGE,) if torch is None else (_PACKAGE, os.path.dirname(os.path.abspath(torch.__file__)) + os.sep)
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and _passed_over(frame, folders):
        frame, level = frame.f_back, level + 1
    return level


def _passed_over(frame: FrameType, folders: tuple[str, ...]) -> bool:
    """Whether ``frame`` is netgraph's: in its folders, a compiled forward, or code generated for a netgraph module
    (a dataclass's ``__init__``, file "<string>")."""
    filename = frame.f_code.co_filename
    if filename == "<string>":
        return frame.f_globals.get("__name__", "").startswith("netgraph.")
    return filename.startswith(_GENERATED) or os.path.abspath(filename).startswith(folders)

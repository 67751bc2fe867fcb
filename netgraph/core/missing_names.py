"""The error on a name ``netgraph`` does not have: ``netgraph.NetTake`` and ``from netgraph import NetTake`` alike
say what to use instead (Wolfram's NetTake is net_take here; a near spelling of a public name).

Python turns the module ``__getattr__``'s AttributeError into a bare ``cannot import name`` ImportError in a
``from`` import, losing the hint, so there the hint comes as that ImportError itself.

>>> str(missing_name_error("nets", "NetChian", ["NetChain", "NetGraph"], importing=True))  # no module, no file
"cannot import name 'NetChian' from 'nets' (did you mean 'NetChain'?)"
>>> str(missing_name_error("nets", "NetTake", ["net_take"], importing=False))
"module 'nets' has no attribute 'NetTake' (Wolfram's NetTake is net_take here)"
"""

from __future__ import annotations

import dis
import difflib
import sys
from collections.abc import Iterable
from types import FrameType

from netgraph.core.errors import MAX_GUESSED
from netgraph.core.naming_scope import quoted
from netgraph.core.other_layer_names import other_layer_hint, wolfram_function_hint

__all__ = ["missing_name_error", "imported_by"]

_IMPORT_FROM = dis.opmap["IMPORT_FROM"]
_CLOSE_NAMES = 3  # the near spellings named at most


def imported_by(frame: FrameType | None) -> bool:
    """Whether ``frame`` (the caller of a module ``__getattr__``) runs a ``from module import name`` on it."""
    return frame is not None and frame.f_code.co_code[frame.f_lasti] == _IMPORT_FROM


def missing_name_error(module: str, name: str, public: Iterable[str], importing: bool) -> Exception:
    """An ImportError (``importing``: a ``from`` import) or an AttributeError on ``name``, naming what to use."""
    if importing:  # Python's words (the module's file in parentheses), then the hint
        path = getattr(sys.modules.get(module), "__file__", None)
        where = f" ({path})" if path else ""
        return ImportError(f"cannot import name {quoted(name)} from "
                           f"{module!r}{where}{_hint(name, public)}", name=module,
                           path=path)
    message = (f"module {module!r} has no attribute {quoted(name)}"
               f"{other_layer_hint(name) or wolfram_function_hint(name)}")
    return AttributeError(message, name=name, obj=sys.modules.get(module))


def _hint(name: str, public: Iterable[str]) -> str:
    """Another library's or Wolfram's name for ours, else up to three near spellings of public names."""
    hint = other_layer_hint(name) or wolfram_function_hint(name)
    if hint or len(name) > MAX_GUESSED:
        return hint
    names = sorted(public)
    close = difflib.get_close_matches(name, names, n=_CLOSE_NAMES) or [
        n for n in names if n.lower() == name.lower()]
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""

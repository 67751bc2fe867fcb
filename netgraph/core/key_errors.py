"""A KeyError that is also a NetGraphError: ``str()`` of it is its message, not KeyError's repr of the key.

>>> from netgraph.core.errors import OptionError
>>> class MissingKey(OptionError, MessageKeyError):
...     pass
>>> str(MissingKey("no key 'x'")), isinstance(MissingKey("m"), KeyError)
("no key 'x'", True)
"""

from __future__ import annotations

__all__ = ["MessageKeyError"]


class MessageKeyError(KeyError):
    """Mixed into a NetGraphError subclass for a lookup that fails (``net.layers[k]``, ``info[k]``, ``batch[k]``)."""

    __str__ = BaseException.__str__  # the message, not KeyError's repr of it

"""Whether a class is netgraph's own (defined in the package) or a user's: a user's layer or module is checked and
blamed where netgraph's own is trusted.

>>> from netgraph import LinearLayer
>>> is_netgraph_class(LinearLayer), is_netgraph_class(type("Mine", (LinearLayer,), {"__module__": "mine"}))
(True, False)
"""

from __future__ import annotations

__all__ = ["is_netgraph_class"]


def is_netgraph_class(cls: type) -> bool:
    """Whether ``cls`` is defined in netgraph's package (a subclass a user defines elsewhere is not)."""
    return cls.__module__.startswith("netgraph.")

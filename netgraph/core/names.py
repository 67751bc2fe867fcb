"""Fresh names: a name not yet taken, made from a base by counting on (the one rule for ports and layers).

>>> fresh_name("Output", {"Output", "Output2"}), fresh_name("enc/l1", {"enc/l1"}, "_"), fresh_name("x", set())
('Output3', 'enc/l1_2', 'x')
"""

from __future__ import annotations

from collections.abc import Container

__all__ = ["fresh_name"]


def fresh_name(base: str, taken: Container[str], sep: str = "") -> str:
    """``base`` if it is not in ``taken``, else ``base + sep + 2``, ``3``, ... (the first not taken)."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{sep}{n}"
    return name

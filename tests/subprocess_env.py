"""The environment of a test's Python subprocess: this checkout first on PYTHONPATH and the caller's own entries
kept after it, so a machine that finds packages through PYTHONPATH (the GPU machine's carried wheels) still finds
them in the child.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["ROOT", "checkout_env"]

ROOT = Path(__file__).resolve().parents[1]


def checkout_env(environ: Mapping[str, str] = os.environ, **overrides: str) -> dict[str, str]:
    """``environ`` with this checkout put first on PYTHONPATH, then ``overrides``.

    >>> env = checkout_env({"PYTHONPATH": "/carried/site", "HOME": "/h"}, PATH="/bin")
    >>> env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), "/carried/site"], env["HOME"], env["PATH"]
    (True, '/h', '/bin')
    >>> checkout_env({})["PYTHONPATH"] == str(ROOT)
    True
    """
    path = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    return {**environ, "PYTHONPATH": path, **overrides}

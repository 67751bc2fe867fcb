"""Benchmark scripts (benchmarks/*.py) loaded as modules, for tests that use the nets and estimates they build
rather than keep copies of them. Each is loaded once, under the name ``<script>_benchmark``; loading one puts
benchmarks/ on sys.path, as running it does (the scripts import ``_common`` from there).

>>> benchmark("render").skip_net(4).layers.keys()
dict_keys(['l0', 'l1', 'l2', 'l3'])
"""

from __future__ import annotations

import functools
import importlib.util
from types import ModuleType

from tests.subprocess_env import ROOT

__all__ = ["benchmark"]


@functools.cache
def benchmark(script: str) -> ModuleType:
    """benchmarks/``script``.py as a module (its ``main`` not run)."""
    spec = importlib.util.spec_from_file_location(f"{script}_benchmark", ROOT / "benchmarks" / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

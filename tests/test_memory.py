"""Nets free their memory as soon as they are dropped: building, initialising, compiling and running a net leaves
no reference cycle holding the net, its module or its arrays, and no per-net entry in a global cache.

A cycle is freed only by Python's cycle collector, whose full collections come rarely (they are triggered by the
count of objects, not by the bytes the cycle holds): a cycle per net holding its arrays made a long fuzz run grow
by gigabytes. Measured in a fresh process with the collector off, where any such cycle stays behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.subprocess_env import checkout_env

ROOT = Path(__file__).resolve().parent.parent

_EVERY_LAYER = """
import gc, json, linecache, weakref
import torch
import netgraph
from netgraph import NetGraph, interpret, net_initialize
from netgraph.backend.code_lines import release_collected
from tests.fuzz._oracle import random_inputs
from tests.fuzz._strategies import SEEDS

def run_one(example, nested):
    layer = NetGraph({"g": NetGraph([example.layer], [])}, []) if nested else example.layer
    net = net_initialize(NetGraph([layer], [], **example.shapes), seed=0)
    module = net.compile(checks=True)
    inputs = random_inputs(net, 0)
    module(**inputs), interpret(net, module, **inputs), net(**inputs)
    given = [id(a) for _, leaf in NetGraph([example.layer], []).leaves() for a in leaf.arrays.values()]
    arrays = [a for _, leaf in net.leaves() for a in leaf.arrays.values() if id(a) not in given]
    return {f"{example.layer.type_name} {what}": weakref.ref(obj)
            for what, obj in [("net", net), ("module", module), *(("array", a) for a in arrays[:1])]}

def one_round():
    kept = []
    for i, example in enumerate(SEEDS):
        for nested in (False, True) if i % 5 == 0 else (False,):  # inside another graph: nested inference
            try:
                refs = run_one(example, nested)
            except netgraph.NetGraphError:
                continue
            kept += [name for name, ref in refs.items() if ref() is not None]
    return kept

def counts():
    gc.collect()
    release_collected()  # collected modules' entries leave at the next compile (code_lines): as if one came now
    return len(linecache.cache), len(gc.get_objects())

gc.disable()
with netgraph.limits(init_elements=2**20):
    one_round()  # first use fills the lazy imports and caches
    before = counts()
    kept = one_round()
    after = counts()
print(json.dumps({"kept": kept, "lines": [before[0], after[0]], "objects": [before[1], after[1]]}))
"""


def test_every_layer_s_net_module_and_arrays_are_freed_without_the_cycle_collector():
    run = subprocess.run([sys.executable, "-c", _EVERY_LAYER], capture_output=True, text=True, timeout=600,
                         cwd=ROOT, env=checkout_env())
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["kept"] == [], "kept alive by a reference cycle (or a global cache)"
    assert result["lines"][1] == result["lines"][0], "linecache grows with every compiled net"
    assert result["objects"][1] - result["objects"][0] < 200, "objects that live on after their net is dropped"

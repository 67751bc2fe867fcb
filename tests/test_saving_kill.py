"""A save killed at any moment (SIGKILL) leaves the old net or the new one, never a mixed pair or litter."""

from __future__ import annotations

import multiprocessing
import random
import re
import shutil
import time

import pytest
import torch

from netgraph import LinearLayer, NetGraph, load, net_initialize, save

KILLS = 50


def _nets() -> tuple[NetGraph, NetGraph]:
    """Two nets of the same spec with different arrays (about 130 kB of weights each)."""
    net = NetGraph({"a": LinearLayer(128), "b": LinearLayer(128)}, [("a", "b")], Input=128)
    return net_initialize(net, seed=1), net_initialize(net, seed=2)


def _save_forever(path: str, saves: object) -> None:
    """The child: saves the new net, then the old one, and so on, counting saves, until it is killed."""
    old, new = _nets()
    saves.value = 0
    for i in range(10**9):
        save(new if i % 2 == 0 else old, path)
        saves.value = i + 1


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _same(a: NetGraph, b: NetGraph) -> bool:
    return a == b and all(torch.equal(x.arrays[n], y.arrays[n]) for (_, x), (_, y) in zip(a.leaves(), b.leaves())
                          for n in x.arrays)


@pytest.mark.slow
def test_fifty_sigkills_during_saves_leave_the_old_or_the_new_net_and_the_next_save_cleans_up(tmp_path):
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["netgraph", "torch", "safetensors.torch", "netgraph.spec.api",
                                    "netgraph.backend.initialize", "tests.test_saving_kill"])
    old, new = _nets()
    path = tmp_path / "m.yaml"
    save(old, path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    save_time = sorted(_timed(lambda: save(net, scratch / "m.yaml")) for net in (old, new, old))[1]
    shutil.rmtree(scratch)
    rng, seen, litter = random.Random(0), set(), 0
    start = time.monotonic()
    for k in range(KILLS):
        saves = context.Value("q", -1)
        child = context.Process(target=_save_forever, args=(str(path), saves))
        child.start()
        deadline = time.monotonic() + 120
        while saves.value < k % 3 and time.monotonic() < deadline:  # kill during the 1st, 2nd or 3rd save
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 1.2 * save_time))
        child.kill()  # SIGKILL: no cleanup handler runs
        child.join()
        assert child.exitcode == -9
        back = load(path)
        matches = [name for name, net in (("old", old), ("new", new)) if _same(back, net)]
        assert len(matches) == 1, "a killed save left a net that is neither the old nor the new one"
        seen.add(matches[0])
        litter += len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")])
    assert seen == {"old", "new"}  # kills landed at different points of the save loop
    save(old, path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[1] == "m.yaml", names
    assert re.fullmatch(r"m\.[0-9a-f]{64}\.safetensors", names[0])
    assert _same(load(path), old)
    print(f"save takes {save_time:.3f} s; {KILLS} kills in {time.monotonic() - start:.0f} s; temporary files seen after kills: {litter}")

"""net_replace_part's keys put in order in linear time: each key scanned every earlier one (8000 array keys: 8.3 s), and
telling an array from a layer built a refusal with the tensor's text (2000 arrays 64x64: 3.4 s); each shared array's key
copied every shared array's value and users (1,500 keys: 2.8 s)."""

from __future__ import annotations

import time

import torch

from netgraph import LinearLayer, NetChain, NetSharedArray, net_initialize, net_replace_part
from netgraph.core.surgery_values import in_order
from tests.profile_helpers import calls


def _cpu_seconds(count: int, size: int = 4) -> float:
    net = NetChain({f"l{i}": LinearLayer(size) for i in range(count)}, input=size)
    keys = {(f"l{i}", "Weights"): torch.ones(size, size) for i in range(count)}
    start = time.process_time()
    changes, *_ = in_order(net, keys, None)
    assert len(changes) == count
    return time.process_time() - start


def test_keys_are_put_in_order_in_linear_time():
    ratios = [_cpu_seconds(8000) / max(_cpu_seconds(2000), 1e-6) for _ in range(5)]
    assert min(ratios) < 6, ratios  # four times the keys: about 4.7 times the time, single reads up to 6.2 (was ~14)


def test_an_array_is_told_from_a_layer_without_its_text():
    assert _cpu_seconds(2000, 64) < 1.0  # 2000 arrays 64x64 took 3.4 s, each one's repr built into a refusal


def _shared_keys_cpu_seconds(count: int) -> float:
    layers = {f"l{i}": LinearLayer(4, weights=NetSharedArray(f"w{i}")) for i in range(count)}
    net = net_initialize(NetChain(layers, input=4), seed=0)
    keys = {NetSharedArray(f"w{i}"): torch.full((4, 4), float(i)) for i in range(count)}
    start = time.process_time()
    new = net_replace_part(net, keys)
    seconds = time.process_time() - start
    assert all(float(new.layers[f"l{i}"].arrays["Weights"][0, 0]) == i for i in (0, count - 1))
    return seconds


def test_shared_array_keys_are_replaced_in_linear_time():
    ratios = [_shared_keys_cpu_seconds(1600) / max(_shared_keys_cpu_seconds(400), 1e-6) for _ in range(3)]
    assert min(ratios) < 8, ratios  # four times the keys: about 4 times the time (a copy of all shared per key: ~15)


def _edit_calls(count: int) -> int:
    """Python calls (cProfile) of one net_replace_part setting a middle LinearLayer's weights in a chain of ``count``
    layers whose Input is unknown (the layer's own ports are known: its input is the layer before's output)."""
    net = NetChain([LinearLayer(8) if i % 2 == 0 else "Tanh" for i in range(count)])
    key = (count // 2 + 1, "Weights")
    net = net_replace_part(net, {key: torch.ones(8, 8)})  # the first edit: what one net does once (its IR, tables)
    edited = []
    made = calls(lambda: edited.append(net_replace_part(net, {key: torch.full((8, 8), 2.0)})))
    again = NetChain(list(edited[0].layers.values()))  # the same layers, built at once
    assert edited[0].port_types == again.port_types and edited[0].port_types["Input"].shape is None
    return made


def test_an_array_edit_in_a_graph_with_an_unknown_input_costs_its_neighbourhood():
    """Each such edit inferred the whole net again (62 calls a layer): n edits cost O(n^2). An array that fits the
    known types of its layer's ports sizes nothing, so the types stay."""
    assert _edit_calls(2000) - _edit_calls(1000) < 1000

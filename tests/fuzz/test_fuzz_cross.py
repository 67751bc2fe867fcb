"""Properties between components on random valid nets (tests/fuzz/_nets.py): the compiled module and the
interpreter, YAML and save/load round trips, seeded initialisation, ONNX export (onnxruntime) and import, diagrams,
and surgery identities. Regressions they found are plain tests in test_cross_regressions.py."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
from typing import Any

import onnxruntime
import pytest
import torch
from hypothesis import given, strategies as st

import netgraph
from netgraph import NetGraph, SpecError, interpret, net_initialize, net_rename, net_replace
from tests.fuzz._nets import inputs_for, valid_nets

pytestmark = pytest.mark.fuzz
SEEDS = st.integers(0, 2**16)


def _outputs(result: Any) -> list[torch.Tensor]:
    return list(result.values()) if isinstance(result, dict) else list(result) if isinstance(result, list) else [result]


def _assert_same(got: Any, want: Any, tolerance: float = 1e-6) -> None:
    got, want = _outputs(got), _outputs(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = torch.as_tensor(g)
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        torch.testing.assert_close(g, w.detach(), atol=tolerance, rtol=tolerance)


def _run(net: Any, inputs: dict) -> list[torch.Tensor]:
    with torch.no_grad():
        return _outputs(net.compile().eval()(**inputs))


def _values_and_gradients(run: Any, module: torch.nn.Module, inputs: dict) -> tuple[list, list]:
    inputs = {k: v.clone().requires_grad_(v.is_floating_point()) for k, v in inputs.items()}
    outputs = _outputs(run(inputs))
    wrt = [*module.parameters(), *(v for v in inputs.values() if v.requires_grad)]
    gradients = torch.autograd.grad(sum(o.sum() for o in outputs), wrt, allow_unused=True)
    return outputs, [torch.zeros_like(w) if g is None else g for g, w in zip(gradients, wrt)]


@given(valid_nets(), SEEDS, st.sampled_from([torch.float32, torch.float64]))
def test_compiled_equals_interpreted_in_values_dtypes_and_gradients(net, seed, dtype):
    net = net_initialize(net, seed=seed)
    module = net.compile().to(dtype).eval()
    inputs = inputs_for(net, 2, 3, seed, dtype)
    compiled = _values_and_gradients(lambda x: module(**x), module, inputs)
    interpreted = _values_and_gradients(lambda x: interpret(net, module, **x), module, inputs)
    tolerance = 1e-4 if dtype == torch.float32 else 1e-10
    for got, want in zip(compiled, interpreted):
        _assert_same(got, want, tolerance)
    assert all(o.dtype == dtype for o in compiled[0])


@given(valid_nets(), SEEDS)
def test_yaml_round_trip_gives_an_equal_net_computing_the_same(net, seed):
    net = net_initialize(net, seed=seed)
    text = net.to_yaml()
    back = NetGraph.from_yaml(text)
    assert back == net
    assert back.to_yaml() == text
    inputs = inputs_for(net, 2, 3, seed)
    _assert_same(_run(back, inputs), _run(net, inputs))


@given(valid_nets(), SEEDS, st.booleans())
def test_save_load_computes_the_same_and_initialises_alike(tmp_path_factory, net, seed, initialise_first):
    folder = tmp_path_factory.mktemp("saved")
    saved = net_initialize(net, seed=seed) if initialise_first else net
    back = netgraph.load(netgraph.save(saved, folder / "net.yaml"))
    assert back == saved
    inputs = inputs_for(net, 2, 3, seed)
    _assert_same(_run(net_initialize(back, seed=seed), inputs), _run(net_initialize(saved, seed=seed), inputs), 0)


@given(valid_nets(), SEEDS)
def test_seeded_initialisation_is_deterministic(net, seed):
    first, second = net_initialize(net, seed=seed), net_initialize(net, seed=seed)
    assert first == second
    inputs = inputs_for(net, 2, 3, seed)
    _assert_same(_run(first, inputs), _run(second, inputs), 0)


@given(valid_nets(), SEEDS)
def test_onnx_export_runs_as_compiled_and_imports_back(tmp_path_factory, net, seed):
    net = net_initialize(net, seed=seed)
    path = netgraph.export_onnx(net, tmp_path_factory.mktemp("onnx") / "net.onnx")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    try:
        imported = netgraph.import_onnx(path)
    except SpecError as exc:  # import limitations are documented refusals (e.g. a map over a constant operand)
        assert exc.kind in ("unsupported-node", "no-computation"), exc
        imported = None
    for batch, length in ((1, 2), (3, 5)):  # dims stay dynamic: neither is the traced size
        inputs = inputs_for(net, batch, length, seed + batch)
        want = _run(net, inputs)
        got = session.run(None, {name: inputs[name].numpy() for name in names})
        _assert_same([torch.from_numpy(g) for g in got], want, 1e-4)
        if imported is not None:
            _assert_same(_run(imported, inputs), want, 1e-4)


@given(valid_nets())
def test_diagram_is_well_formed_svg_naming_every_layer(net):
    # each layer's name is a text element of its own (a net's: its cluster's heading "name · NetChain[ · options]");
    # a substring of all the text could hardly fail (names "1", "a" are in type names and shapes)
    svg = ElementTree.fromstring(net.render_svg())
    texts = {"".join(t.itertext()).strip() for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    for name, layer in net.layers.items():
        heading = f"{name} · {type(layer).__name__}"
        assert any(t in (name, heading) or t.startswith(f"{heading} · ") for t in texts), (name, texts)


@given(valid_nets(), SEEDS)
def test_surgery_identities_change_nothing(net, seed):
    net = net_initialize(net, seed=seed)
    renamed = net_rename(net, lambda name: f"{name}_x", [1, math.inf])
    assert net_rename(renamed, lambda name: name[:-2], [1, math.inf]) == net
    for kind in {type(layer) for _, layer in net.leaves()}:
        assert net_replace(net, {kind: lambda layer: layer}) == net
    inputs = inputs_for(net, 2, 3, seed)
    _assert_same(_run(renamed, inputs), _run(net, inputs), 0)
    _assert_same(_run(netgraph.net_flatten(net), inputs), _run(net, inputs), 1e-6)

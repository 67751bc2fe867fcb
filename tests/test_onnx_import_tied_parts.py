"""import_onnx of ties inside one tensor of the file: a bidirectional recurrence whose two directions read one
parameter (``bias_ih_l0_reverse = bias_ih_l0``: one initializer B of equal halves), our own one-bias recurrent
layers sharing their arrays (B's recurrence half zero: its gate blocks are also the gates' sums), and one Constant
node feeding two layers. Each imports as one NetSharedArray that trains tied; equal values of separate tensors, and
equal halves all one number (fresh biases), stay apart."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper, save
from torch import nn

import netgraph
from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetSharedArray, export_onnx, import_onnx,
                      net_initialize, net_rename, net_take, net_train)
from netgraph.core.shared import shared_users
from netgraph.export import onnx_array_names, onnx_tied
from tests.onnx_helpers import pinned_model, run_onnx, torch_export

_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class Bidirectional(nn.Module):
    """A bidirectional recurrence whose reverse direction's biases are the forward direction's (``tied``), or its
    own parameters of the forward's values (``copied``)."""

    def __init__(self, kind: str, how: str):
        super().__init__()
        self.r = _MODULES[kind](3, 4, batch_first=True, bidirectional=True)
        for k in ("ih", "hh"):
            forward = getattr(self.r, f"bias_{k}_l0")
            reverse = forward if how == "tied" else nn.Parameter(forward.detach().clone())
            setattr(self.r, f"bias_{k}_l0_reverse", reverse)

    def forward(self, x):
        return self.r(x)[0]


def _trains_tied(net, x: torch.Tensor, port: str = "x") -> None:
    """One round of training (``x`` at input ``port``) changes each shared array and keeps its users equal."""
    users = shared_users(net)
    trained = net_train(net, {port: x, net.output_ports[0]: torch.zeros_like(net(x))}, max_training_rounds=1,
                        batch_size=4, progress=False, random_seed=0)
    for places in users.values():
        before, after = ([n.layer_at(path).arrays[array] for path, array in places] for n in (net, trained))
        assert not torch.equal(after[0], before[0])
        assert all(torch.equal(value, after[0]) for value in after)


@pytest.mark.parametrize("kind", sorted(_MODULES))
def test_a_bidirectional_recurrences_tied_biases_import_as_one_shared_array_per_gate(kind, tmp_path):
    torch.manual_seed(0)
    module, path = Bidirectional(kind, "tied").eval(), tmp_path / "bi.onnx"
    torch_export(module, torch.randn(2, 5, 3), path, "x", axes={"x": {0: "b", 1: "n"}}, output_names=["y"])
    net = import_onnx(path)
    (name, layer), = net.layers.items()
    biases = [a for a, v in layer.arrays.items() if "Biases" in a and v is not None]  # forward_net.layer.<gate>Biases
    gates = sorted(a.rsplit(".", 1)[1] for a in biases if a.startswith("forward"))
    assert len(gates) == {"lstm": 4, "gru": 4, "rnn": 1}[kind]  # a GRU's memory gate has its state biases apart
    assert {shared: sorted(a for _, a in places) for shared, places in shared_users(net).items()} == {
        f"{name}_{gate}": [f"backward_net.layer.{gate}", f"forward_net.layer.{gate}"] for gate in gates}
    x = torch.randn(8, 6, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)
    _trains_tied(net, x)


def test_separate_parameters_of_equal_values_in_one_initializer_import_tied_unless_all_one_number(tmp_path):
    # ONNX holds both directions in one B: copied values cannot be told from a tie; biases of one number per gate
    # (a fresh init) in both directions are separate parameters
    torch.manual_seed(0)
    copied, path = Bidirectional("lstm", "copied").eval(), tmp_path / "copied.onnx"
    torch_export(copied, torch.randn(2, 5, 3), path, "x", axes={"x": {0: "b", 1: "n"}}, output_names=["y"])
    assert len(shared_users(import_onnx(path))) == 4
    with torch.no_grad():
        for k, d in [(k, d) for k in ("ih", "hh") for d in ("_l0", "_l0_reverse")]:
            value = torch.arange(4.0).repeat_interleave(4) if k == "ih" else torch.zeros(16)  # one number a gate
            getattr(copied.r, f"bias_{k}{d}").copy_(value)
    torch_export(copied, torch.randn(2, 5, 3), path, "x", axes={"x": {0: "b", 1: "n"}}, output_names=["y"])
    net = import_onnx(path)
    assert shared_users(net) == {}
    x = torch.randn(8, 6, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kind", ["LongShortTermMemoryLayer", "GatedRecurrentLayer", "BasicRecurrentLayer"])
def test_our_one_bias_layers_sharing_their_arrays_export_and_import_shared(kind, tmp_path):
    # our layers export B with a zero recurrence half: each gate's bias is both a block of B and a sum of its halves
    layer = net_initialize(getattr(netgraph, kind)(4, input=["n", 4]), seed=0)
    generator = torch.Generator().manual_seed(2)
    arrays = {a: torch.randn(v.shape, generator=generator) for a, v in layer.arrays.items() if v is not None}
    shared = {layer.ARRAYS[a]: NetSharedArray(a, value) for a, value in arrays.items()}
    net = NetChain({"a": layer.replace(**shared), "b": layer.replace(**shared)}, input=["n", 4])
    export_onnx(net, tmp_path / "own.onnx")
    back = import_onnx(tmp_path / "own.onnx")
    assert sorted(len(places) for places in shared_users(back).values()) == [2] * len(arrays)
    x = torch.randn(8, 5, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(back(x).numpy(), run_onnx(tmp_path / "own.onnx", {"Input": x})[0], atol=1e-5,
                                   rtol=1e-4)
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-4)
    _trains_tied(back, x, "Input")



@pytest.mark.parametrize("kind, gate", [("LongShortTermMemoryLayer", "InputGate"),
                                        ("GatedRecurrentLayer", "ResetGate")])
def test_one_gates_arrays_shared_by_two_recurrent_layers_import_shared(kind, gate, tmp_path):
    """torch writes each layer's own W, R and B, so the shared gate is an equal block of two initializers: it
    imported apart; now one shared array per array of that gate, the other gates (other values) apart."""
    make = getattr(netgraph, kind)
    generator = torch.Generator().manual_seed(2)
    first, second = (net_initialize(make(4, input=["n", 4]), seed=seed) for seed in (0, 1))
    arrays = {a: torch.randn(v.shape, generator=generator) for a, v in first.arrays.items() if a.startswith(gate)}
    shared = {first.ARRAYS[a]: NetSharedArray(a, value) for a, value in arrays.items()}
    net = NetChain({"a": first.replace(**shared), "b": second.replace(**shared)}, input=["n", 4])
    export_onnx(net, tmp_path / "gate.onnx")
    back = import_onnx(tmp_path / "gate.onnx")
    users = shared_users(back)
    assert sorted(name.rsplit("_", 1)[1] for name in users) == sorted(arrays) and len(arrays) == 3
    assert all(len({path for path, _ in places}) == len(places) == 2 for places in users.values())  # a's and b's
    x = torch.randn(8, 5, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-4)
        np.testing.assert_allclose(back(x).numpy(), run_onnx(tmp_path / "gate.onnx", {"Input": x})[0], atol=1e-5,
                                   rtol=1e-4)
    assert not [name for name in onnx_array_names(back) if "Weights" in name]  # blocks of two initializers: no name
    _trains_tied(back, x, "Input")


class TwoGRUs(nn.Module):
    """Two separate GRUs, one after the other, each reset gate's recurrence block an identity of its own."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.GRU(4, 4, batch_first=True), nn.GRU(4, 4, batch_first=True)
        with torch.no_grad():
            for gru in (self.a, self.b):
                gru.weight_hh_l0[:4].copy_(torch.eye(4))

    def forward(self, x):
        return self.b(self.a(x)[0])[0]


def test_equal_gate_blocks_of_separate_torch_recurrences_import_apart(tmp_path):
    # torch's file records no shared arrays: equal blocks of two initializers are two parameters (they imported tied)
    torch.manual_seed(0)
    module = TwoGRUs().eval()
    torch_export(module, torch.randn(1, 3, 4), tmp_path / "two.onnx", "x", axes={"x": {0: "b", 1: "n"}})
    net = import_onnx(tmp_path / "two.onnx")
    assert shared_users(net) == {}
    x = torch.randn(8, 5, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


def test_a_shared_gate_ties_only_by_export_onnxs_record_of_its_shared_arrays(tmp_path):
    import onnx
    make = netgraph.GatedRecurrentLayer
    first, second = (net_initialize(make(4, input=["n", 4]), seed=seed) for seed in (0, 1))
    shared = NetSharedArray("reset", torch.eye(4))
    net = NetChain({"a": first.replace(reset_gate_state_weights=shared),
                    "b": second.replace(reset_gate_state_weights=shared)}, input=["n", 4])
    export_onnx(net, tmp_path / "gate.onnx")
    assert len(shared_users(import_onnx(tmp_path / "gate.onnx"))) == 1
    model = onnx.load(str(tmp_path / "gate.onnx"))
    kept = [p for p in model.metadata_props if p.key != onnx_tied.SHARED_KEY]
    assert len(kept) == len(model.metadata_props) - 1
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    onnx.save(model, str(tmp_path / "unrecorded.onnx"))
    assert shared_users(import_onnx(tmp_path / "unrecorded.onnx")) == {}


def _constant_gemms(first: np.ndarray, second: np.ndarray | None, path) -> str:
    """x @ W1.T @ W2.T (two Gemm nodes, transB=1) of 4 x 4 weights given by Constant nodes: ``second`` None reads
    ``first``'s node twice."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Constant", [], ["W1"], value=numpy_helper.from_array(first)),
             helper.make_node("Gemm", ["x", "W1"], ["h"], transB=1)]
    if second is not None:
        nodes.append(helper.make_node("Constant", [], ["W2"], value=numpy_helper.from_array(second)))
    nodes.append(helper.make_node("Gemm", ["h", "W1" if second is None else "W2"], ["y"], transB=1))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4])])
    onnx.save(pinned_model(graph), str(path))
    return str(path)


def test_one_constant_node_feeding_two_layers_imports_as_one_shared_array(tmp_path):
    weights = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    path = _constant_gemms(weights, None, tmp_path / "tied.onnx")
    net = import_onnx(path)
    assert {s: len(p) for s, p in shared_users(net).items()} == {"W1": 2}
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)
    _trains_tied(net, x)


@pytest.mark.parametrize("first, second", [("ramp", "ramp"), ("ones", None)])
def test_equal_constants_of_separate_nodes_and_a_constant_of_one_number_stay_apart(first, second, tmp_path):
    values = {"ramp": np.arange(16, dtype=np.float32).reshape(4, 4) / 16, "ones": np.ones((4, 4), np.float32)}
    path = _constant_gemms(values[first], None if second is None else values[second].copy(), tmp_path / "m.onnx")
    net = import_onnx(path)
    assert shared_users(net) == {}
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)


class TiedThenOther(nn.Module):
    """``fc`` called twice (its weight and bias tied), then ``out``."""

    def __init__(self):
        super().__init__()
        self.fc, self.out = nn.Linear(4, 4), nn.Linear(4, 3)

    def forward(self, x):
        return self.out(torch.tanh(self.fc(torch.tanh(self.fc(x)))))


def test_onnx_array_names_follows_edits_that_keep_the_arrays(tmp_path):
    torch.manual_seed(0)
    path = torch_export(TiedThenOther(), torch.randn(2, 4), tmp_path / "m.onnx", "x", output_names=["y"])
    net = import_onnx(path)
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)
    names = {"fc_weight": "fc.weight", "fc_bias": "fc.bias"}
    assert onnx_array_names(net) == names and list(net.layers) == ["fc", "Tanh", "fc_2", "Tanh_1", "out"]
    replaced = net.replace_layers({"out": LinearLayer(2), "fc_2": LinearLayer(4)})  # fc keeps both arrays
    assert onnx_array_names(replaced) == names and set(shared_users(replaced)) == set(names)
    assert onnx_array_names(net_rename(net, {"fc": "first"})) == names
    assert onnx_array_names(NetChain([net, ElementwiseLayer("Tanh")])[0:1]) == names  # a NetChain slice
    assert onnx_array_names(net_take(net, "fc_2")) == names
    assert onnx_array_names(netgraph.load(netgraph.save(net, tmp_path / "net.yaml"))) == names
    # arrays no longer there, or renamed, or of new values (trained) have no ONNX name
    assert onnx_array_names(net.replace_layers({"fc": LinearLayer(4), "fc_2": LinearLayer(4)})) == {}
    weights = net.layers["fc"].arrays["Weights"]
    renamed = net.replace_layers({n: net.layers[n].replace(weights=NetSharedArray("w", weights))
                                  for n in ("fc", "fc_2")})
    assert onnx_array_names(renamed) == {"fc_bias": "fc.bias"}  # the bias kept (copied by replace)
    trained = net_train(net, {"x": x, "y": torch.zeros(8, 3)}, max_training_rounds=1, batch_size=4, progress=False,
                        random_seed=0)
    assert onnx_array_names(trained) == {}


def _tied_file(path, weight_name: str, weights: np.ndarray) -> str:
    """A Gemm and a MatMul of one 4x4 weight (the MatMul's a transposed copy ``B``): one shared array."""
    nodes = [helper.make_node("Gemm", ["x", weight_name], ["h"], transB=1),
             helper.make_node("MatMul", ["h", "B"], ["y"])]
    ports = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["b", 4]) for n in ("x", "y")]
    tensors = [numpy_helper.from_array(weights, weight_name),
               numpy_helper.from_array(np.ascontiguousarray(weights.T), "B")]
    save(pinned_model(helper.make_graph(nodes, "g", ports[:1], ports[1:], tensors)), path)
    return str(path)


def test_onnx_array_names_leaves_out_an_array_two_files_name_apart(tmp_path):
    weights = np.arange(16, dtype=np.float32).reshape(4, 4) / 7 + 0.25  # values no other test imports
    first = import_onnx(_tied_file(tmp_path / "a.onnx", "enc.w", weights))
    assert onnx_array_names(first) == {"enc_w": "enc.w"} and set(shared_users(first)) == {"enc_w"}
    second = import_onnx(_tied_file(tmp_path / "b.onnx", "enc_w", weights))  # one shared array enc_w, another name
    assert set(shared_users(second)) == {"enc_w"}
    assert onnx_array_names(second) == {} and onnx_array_names(first) == {}  # which file's: unknown, so neither
    again = import_onnx(_tied_file(tmp_path / "c.onnx", "dec.w", weights + 1))
    assert onnx_array_names(again) == {"dec_w": "dec.w"}  # other values: another array
    by_hand = first.replace_layers({n: first.layers[n].replace(weights=NetSharedArray("other", weights))
                                    for n in first.layers if "Weights" in first.layers[n].shared})
    assert set(shared_users(by_hand)) == {"other"} and onnx_array_names(by_hand) == {}


def test_onnx_array_names_are_kept_while_a_net_holds_the_array_and_freed_with_it(tmp_path):
    """The record behind ``onnx_array_names`` lived for the process; it now goes with the last net holding the
    array: the imported one, its edits, or a copy (saved and loaded) asked about while the record lived."""
    weights = np.arange(16, dtype=np.float32).reshape(4, 4) / 9 + 0.5  # values no other test imports
    gc.collect()  # records of earlier tests' nets held in reference cycles go first
    before = len(onnx_tied._SOURCES)
    net = import_onnx(_tied_file(tmp_path / "a.onnx", "enc.w", weights))
    assert len(onnx_tied._SOURCES) == before + 1
    loaded = netgraph.load(netgraph.save(net, tmp_path / "net.yaml"))
    assert onnx_array_names(loaded) == onnx_array_names(net) == {"enc_w": "enc.w"}
    edited = net_rename(net, {"enc": "first"})
    del net
    gc.collect()
    assert onnx_array_names(loaded) == onnx_array_names(edited) == {"enc_w": "enc.w"}  # they keep it
    del loaded, edited
    gc.collect()
    assert len(onnx_tied._SOURCES) == before  # freed with the nets
    other = import_onnx(_tied_file(tmp_path / "b.onnx", "enc_w", weights))  # another name: no longer ambiguous
    assert onnx_array_names(other) == {"enc_w": "enc_w"}


def test_only_arrays_that_could_be_tied_are_hashed(tmp_path, monkeypatch):
    # every 2-D initializer was hashed (twice) to find transposed copies, and every array to join recurrent gates:
    # a (16, 8) and a (4, 16) weight have no transposed partner, and a file without export_onnx's record no gates
    from netgraph.export import onnx_tied
    path = torch_export(nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4)), torch.randn(2, 8),
                        tmp_path / "mlp.onnx")
    hashed = []
    real = onnx_tied._key
    monkeypatch.setattr(onnx_tied, "_key", lambda array: hashed.append(array.shape) or real(array))
    net = import_onnx(path)
    assert hashed == [] and len(net.layers) == 3

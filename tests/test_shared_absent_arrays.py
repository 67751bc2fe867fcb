"""Sharing an array a layer holds only with some options: a GRU's optional ``MemoryGateStateBiases`` shared exists
(drawn once by net_initialize), an ``AttentionLayer`` scored "Dot" (no ``Weights``) refuses a shared ``weights=``; no
layer type lets a raw KeyError out (each failed before its fix: KeyError in netgraph.core.shared._value)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AttentionLayer, GatedRecurrentLayer, NetGraph, NetSharedArray, net_extract, net_initialize,
                      net_replace_part)
from netgraph.core.errors import OptionError, SpecError
from netgraph.core.operator import NetOperator
from netgraph.core.options import Array
from netgraph.core.shared import shared_users, shared_values
from netgraph.layers import Layer
from tests.test_layer_parity import EXAMPLES

GRU_SPEC = ("netgraph: 1\nlayers:\n  a: {type: GatedRecurrentLayer, output: 3, memory_gate_state_biases: {shared: w}}\n"
            "  b: {type: GatedRecurrentLayer, output: 3, memory_gate_state_biases: {shared: w}}\nedges:\n  - a -> b\n"
            "inputs: {Input: [4, 2]}\n")
ATTENTION_SPEC = ("netgraph: 1\nlayers:\n  a: {type: AttentionLayer, weights: {shared: w}}\n"
                  "inputs: {Key: [4, 2], Value: [4, 2], Query: [3, 2]}\n")


def test_a_shared_gru_state_bias_exists_and_is_drawn_once():
    net = net_initialize(NetGraph.from_yaml(GRU_SPEC), seed=1)
    bias = shared_values(net)["w"]
    assert tuple(bias.shape) == (3,)
    assert net.layers["a"].arrays["MemoryGateStateBiases"] is net.layers["b"].arrays["MemoryGateStateBiases"] \
        or torch.equal(net.layers["a"].arrays["MemoryGateStateBiases"], net.layers["b"].arrays["MemoryGateStateBiases"])
    assert "MemoryGateStateBiases" not in GatedRecurrentLayer(3).arrays  # unshared and not given: still absent
    back = NetGraph.from_yaml(net.to_yaml())  # written once, with its first user, and read back shared
    assert torch.equal(shared_values(back)["w"], bias) and back.layers["b"].shared == {"MemoryGateStateBiases": "w"}


def test_a_shared_gru_state_bias_acts_inside_the_reset_product():
    """With the shared bias set to c, the layer equals the unshared layer given c (the bias is used, not dropped)."""
    net = net_initialize(NetGraph({"a": GatedRecurrentLayer(3, memory_gate_state_biases=NetSharedArray("w"))}, [],
                                  Input=(4, 2)), seed=2)
    c = torch.tensor([0.5, -1.0, 2.0])
    shared = net.layers["a"].with_arrays(MemoryGateStateBiases=c)
    plain = GatedRecurrentLayer(3, **{f: getattr(shared, f) for f in GatedRecurrentLayer.ARRAYS.values()})
    without = plain.with_arrays(MemoryGateStateBiases=torch.zeros(3))
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(0))
    got = NetGraph({"a": shared}, [], Input=(4, 2))(x)
    assert torch.allclose(got, NetGraph({"a": plain}, [], Input=(4, 2))(x))
    assert not torch.allclose(got, NetGraph({"a": without}, [], Input=(4, 2))(x))


def test_a_shared_weights_on_dot_attention_names_the_option_and_scoring():
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(ATTENTION_SPEC)
    assert str(info.value).startswith("<string>:3:")
    assert "weights=" in str(info.value) and "'Bilinear'" in str(info.value)
    with pytest.raises(OptionError) as info:
        AttentionLayer(weights=NetSharedArray("w"))
    assert info.value.diagnostics[0].option == "weights"
    assert AttentionLayer("Bilinear", weights=NetSharedArray("w")).shared == {"Weights": "w"}


EXAMPLE_ARRAYS = sorted({(name, i, array) for name, examples in EXAMPLES.items() for i, e in enumerate(examples)
                         for array in {**type(e.layer).ARRAYS, **e.layer.settable_arrays}})
REFUSED = {("AttentionLayer", 0, "Weights"), ("AttentionLayer", 2, "Weights")}  # scored "Dot": no Weights


def _shared_as_a_user_would(layer: Layer, array: str) -> Layer:
    """``layer`` with ``array`` shared as "w": a layer's array option given ``NetSharedArray("w")``; an operator's inner
    array (``"net.h.Weights"``: option, inner path, array) by giving it so to that inner layer (net_replace_part at
    its path: the operator's own options hold no array)."""
    if not isinstance(layer, NetOperator):
        return layer.replace(**{{**type(layer).ARRAYS, **layer.settable_arrays}[array]: NetSharedArray("w")})
    *path, inner_array = array.split(".")
    inner = net_extract(layer, tuple(path))
    shared = inner.replace(**{inner.settable_arrays[inner_array]: NetSharedArray("w")})
    return net_replace_part(layer, {tuple(path): shared})


@pytest.mark.parametrize("name, index, array", EXAMPLE_ARRAYS, ids=[f"{n}{i}-{a}" for n, i, a in EXAMPLE_ARRAYS])
def test_every_array_of_every_type_shared_without_value_is_held_or_refused(name, index, array):
    """Each array any option could give a layer, shared in two copies: the net holds it as one array of both copies;
    a TorchLayer's (its module's own) and a Dot AttentionLayer's missing Weights are refused, each saying why."""
    example = EXAMPLES[name][index]
    if name == "TorchLayer":
        with pytest.raises(OptionError, match=rf"TorchLayer array {array!r} cannot be shared "
                                              r"\(NetSharedArray\('w'\)\): its arrays are its module's own") as info:
            example.layer.with_arrays({array: NetSharedArray("w")})
        assert (info.value.kind, info.value.option) == ("option-value", "module")
        return
    if (name, index, array) in REFUSED:
        with pytest.raises(OptionError, match=r"weights= belongs to the 'Bilinear' scoring") as info:
            _shared_as_a_user_would(example.layer, array)
        assert (info.value.kind, info.value.option) == ("option-combination", "weights")
        return
    layer = _shared_as_a_user_would(example.layer, array)
    net = NetGraph({"a": layer, "b": layer}, [], **example.shapes)
    assert layer.shared == {array: "w"} and array in layer.arrays
    assert shared_values(net) == {"w": None} and shared_users(net) == {"w": [(("a",), array), (("b",), array)]}


def test_the_operators_inner_arrays_are_among_the_cases():
    """26 operator cases and 2 TorchLayer ones once passed sharing nothing: their names are no option of ``replace``
    (each refused as an unknown option, which the test took for a refusal of sharing)."""
    inner = [case for case in EXAMPLE_ARRAYS if "." in case[2]]
    assert len(inner) >= 26 and {name for name, _, _ in inner} >= {"NetMapOperator", "NetBidirectionalOperator"}
    assert len([case for case in EXAMPLE_ARRAYS if case[0] == "TorchLayer"]) == 2


class _Scaled(Layer, register=False):
    """A user's layer whose ``Scale`` array exists only with ``scaled=True`` (as AttentionLayer's with "Bilinear")."""
    scaled: bool = False
    scale: Array = None
    ARRAYS = {"Scale": "scale"}
    input_ports = ("Input",)

    def normalize(self):
        return {"ARRAYS": {"Scale": "scale"} if self.scaled else {}}


def test_a_layer_type_without_its_own_check_refuses_sharing_an_array_it_lacks():
    assert _Scaled(scaled=True, scale=NetSharedArray("s")).shared == {"Scale": "s"}
    with pytest.raises(OptionError, match=r"_Scaled: scale= shares array 'Scale' as 's', but with these options the "
                                          r"layer has no such array \(its arrays: none\)") as info:
        _Scaled(scale=NetSharedArray("s"))
    assert (info.value.diagnostics[0].option, info.value.diagnostics[0].kind) == ("scale", "option-combination")


def test_net_replace_part_given_a_shared_array_for_an_inner_array_names_the_inner_layer_to_give_it_to():
    """The hint said layer.replace(net.h.Weights=NetSharedArray('w')): no Python, and no option of the operator."""
    example = EXAMPLES["NetMapOperator"][0]
    net = NetGraph({"m": example.layer}, [], **example.shapes)
    with pytest.raises(OptionError) as info:
        net_replace_part(net, {("m", "net.h.Weights"): NetSharedArray("w")})
    assert info.value.hint == ("to share the array, give it as the inner layer's option: net_replace_part(net, "
                               "{('m', 'net', 'h'): layer.replace(weights=NetSharedArray('w'))}); to set a shared "
                               "array's values in every user: net_replace_part(net, {NetSharedArray(name): values})")
    assert info.value.layer == ("m",)  # the layer whose array it is (it named none)
    inner = net.layer_at(("m", "net", "h"))
    shared = net_replace_part(net, {("m", "net", "h"): inner.replace(weights=NetSharedArray("w"))})
    assert shared.layers["m"].shared == {"net.h.Weights": "w"}  # the way the hint gives works


def test_net_replace_part_given_a_shared_array_for_a_torch_layer_s_says_it_cannot_share():
    """The hint said layer.replace(weight=NetSharedArray('w')), which TorchLayer.replace refuses (no such option)."""
    example = EXAMPLES["TorchLayer"][0]
    net = NetGraph({"t": example.layer}, [], **example.shapes)
    with pytest.raises(OptionError) as info:
        net_replace_part(net, {("t", "weight"): NetSharedArray("w")})
    assert str(info.value).startswith("net_replace_part: layer 1 't' (TorchLayer) array 'weight' takes the array's "
                                      "values, not the shared array NetSharedArray('w'); a TorchLayer's arrays are "
                                      "its module's own: it cannot share one; ")

"""A compiled module's state_dict names an array ``enc.fc.Weights``; given to ``net_replace_part``, whose paths are
tuples, such a key says which path it is (and how a whole state dict goes in), not only that no layer has that name."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, WiringError, net_initialize, net_replace_part


def _net():
    return net_initialize(NetChain({"enc": NetChain({"fc": LinearLayer(3)}), "out": LinearLayer(2)}, input=4), seed=0)


@pytest.mark.parametrize("key, path", [("out.Weights", ("out", "Weights")), ("enc.fc.Biases", ("enc", "fc", "Biases")),
                                       ("enc/fc/Weights", ("enc", "fc", "Weights"))])
def test_a_state_dict_key_names_the_path_it_is(key, path):
    net = _net()
    value = net.compile().state_dict()[".".join(path)]
    with pytest.raises(WiringError) as info:
        net_replace_part(net, {key: value})
    assert f"{key!r} is the array {path!r}: give that path" in str(info.value)
    assert "module.load_state_dict(state_dict), then module.to_net()" in str(info.value)
    assert info.value.diagnostics[0].hint == f"net_replace_part(net, {{{path!r}: ...}})"
    assert torch.equal(net_replace_part(net, {path: value}).compile().state_dict()[".".join(path)], value)


def test_a_dotted_name_that_is_no_array_keeps_the_plain_message():
    with pytest.raises(WiringError) as info:
        net_replace_part(_net(), {"out.Wieghts": torch.ones(2, 3)})
    assert "is the array" not in str(info.value) and info.value.diagnostics[0].hint is None


def test_a_key_into_an_operators_inner_net_names_its_path():
    from netgraph import NetMapOperator
    net = net_initialize(NetChain({"map": NetMapOperator(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)]))},
                                  input=("n", 4)), seed=0)
    with pytest.raises(WiringError, match=r"'map\.net\.3\.Weights' is the array \('map', 'net', '3', 'Weights'\)"):
        net_replace_part(net, {"map.net.3.Weights": torch.ones(2, 3)})


def test_a_key_of_a_flattened_net_names_its_layer_holding_a_slash():
    from netgraph import net_flatten
    flat = net_flatten(_net())  # layers 'enc/fc' and 'out': the compiled module's keys are 'enc/fc.Weights', ...
    value = flat.compile().state_dict()["enc/fc.Weights"]
    with pytest.raises(WiringError) as info:
        net_replace_part(flat, {"enc/fc.Weights": value})
    assert "'enc/fc.Weights' is the array ('enc/fc', 'Weights'): give that path" in str(info.value)
    assert "did you mean" not in str(info.value)  # the note says what the key is: no other name is suggested
    assert info.value.diagnostics[0].hint == "net_replace_part(net, {('enc/fc', 'Weights'): ...})"
    assert torch.equal(net_replace_part(flat, {("enc/fc", "Weights"): value}).compile().state_dict()["enc/fc.Weights"],
                       value)

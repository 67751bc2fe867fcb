"""Shared arrays (NetSharedArray): one parameter in the compiled module, initialised, trained and saved once."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from netgraph import (NetChain, NetGraph, NetMapOperator, NetPort, NetSharedArray, LinearLayer, interpret, load,
                      net_extract, net_flatten, net_initialize, net_rename, net_replace_part,
                      net_set_learning_rate_multipliers, net_take, net_train, save)
from netgraph.core.errors import NetGraphError, OptionError, ShapeError, SpecError
from netgraph.core.shared import shared_users, shared_values


def _net(seed: int = 0) -> NetGraph:
    """a -> enc/c -> b, all three LinearLayer(3) using one weight matrix ``w`` (one user inside a nested graph)."""
    w = NetSharedArray("w")
    inner = NetGraph({"c": LinearLayer(3, weights=w)}, [], Input=3)
    net = NetGraph({"a": LinearLayer(3, weights=w), "enc": inner, "b": LinearLayer(3, weights=w)},
                   [("a", "enc", "b")], Input=3)
    net = net_initialize(net, seed=seed)
    biases = {p: torch.randn(3, generator=torch.Generator().manual_seed(i)) for i, p in enumerate(("a", "enc/c", "b"))}
    return net_replace_part(net, {tuple(p.split("/")) + ("Biases",): b for p, b in biases.items()})


class _Handwritten(torch.nn.Module):
    """The same computation written in torch, with one weight Parameter used three times."""

    def __init__(self, net: NetGraph):
        super().__init__()
        self.w = torch.nn.Parameter(shared_values(net)["w"].clone())
        self.biases = torch.nn.ParameterList([torch.nn.Parameter(net.layer_at(p).biases.clone())
                                              for p in (("a",), ("enc", "c"), ("b",))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.biases:
            x = F.linear(x, self.w, b)
        return x


def test_one_parameter_whose_gradient_sums_every_use_compiled_interpreted_and_handwritten_agree():
    net = _net()
    module, reference = net.compile(), _Handwritten(net)
    assert len(list(module.parameters())) == 4  # w once, three biases
    assert module.a.Weights is module.b.Weights is module.enc.c.Weights
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(3))
    compiled, interpreted, expected = module(x), interpret(net, module, Input=x), reference(x)
    assert torch.equal(compiled, interpreted) and torch.equal(compiled, expected)
    compiled.square().sum().backward()
    expected.square().sum().backward()
    assert torch.equal(module.a.Weights.grad, reference.w.grad)
    for name, b in zip(("a", "enc.c", "b"), reference.biases):
        assert torch.equal(module.get_submodule(name).Biases.grad, b.grad)


def test_the_gradient_is_the_sum_of_the_uses_gradients():
    """Against unshared copies of the same net: the shared gradient is the sum of the three copies' gradients."""
    net = _net()
    apart = NetGraph({"a": LinearLayer(3), "enc": NetGraph({"c": LinearLayer(3)}, [], Input=3), "b": LinearLayer(3)},
                     [("a", "enc", "b")], Input=3)
    apart = net_replace_part(apart, {key: net_extract(net, key) for key in (
        ("a", "Weights"), ("a", "Biases"), ("enc", "c", "Weights"), ("enc", "c", "Biases"), ("b", "Weights"),
        ("b", "Biases"))})
    shared, separate = net.compile(), apart.compile()
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(1))
    shared(x).sum().backward()
    separate(x).sum().backward()
    total = separate.a.Weights.grad + separate.enc.c.Weights.grad + separate.b.Weights.grad
    torch.testing.assert_close(shared.a.Weights.grad, total, rtol=1e-6, atol=1e-6)


def test_an_optimizer_step_updates_the_shared_array_once():
    module = _net().compile()
    before = module.a.Weights.detach().clone()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    module(torch.ones(2, 3)).sum().backward()
    step = module.a.Weights.grad.clone()
    optimizer.step()
    torch.testing.assert_close(module.b.Weights.detach(), before - 0.1 * step, rtol=0, atol=1e-6)  # one step, not 3
    trained = module.to_net()
    assert shared_users(trained) == shared_users(_net())
    assert torch.equal(trained.layers["a"].weights, trained.layer_at(("enc", "c")).weights)


def test_net_initialize_draws_it_once():
    net = _net()
    users = [net.layer_at(p).arrays[a] for p, a in shared_users(net)["w"]]
    assert all(torch.equal(u, users[0]) for u in users)
    assert len(users) == 3 and users[0].shape == (3, 3)


def test_users_needing_different_shapes_are_refused_when_the_net_is_built(tmp_path):
    w = NetSharedArray("w")
    with pytest.raises(ShapeError) as caught:  # before: built and saved, refused only by net_initialize and load
        NetGraph({"wide": LinearLayer(3, weights=w), "narrow": LinearLayer(2, weights=w)}, [("wide", "narrow")],
                 Input=4)
    message = str(caught.value)
    assert "'wide' (LinearLayer) array 'Weights' of shape (3, 4)" in message
    assert "'narrow' (LinearLayer) array 'Weights' of shape (2, 3)" in message
    assert [(d.kind, d.layer, d.option) for d in caught.value.diagnostics] == [("shared-shape", ("narrow",), "weights")]
    with pytest.raises(ShapeError) as inner:  # a user inside an operator's inner net is named by its full path
        NetGraph({"a": LinearLayer(4, weights=w), "m": NetMapOperator(NetChain({"l": LinearLayer(3, weights=w)}))},
                 [(NetPort("X"), "a"), (NetPort("S"), "m")], X=4, S=[5, 4])
    assert "layer 'm/net/l' (LinearLayer) array 'Weights' of shape (3, 4)" in str(inner.value)
    assert inner.value.diagnostics[0].layer == ("m", "net", "l")
    tied = NetGraph({"a": LinearLayer(4, weights=w), "m": NetMapOperator(NetChain({"l": LinearLayer(4, weights=w)}))},
                    [(NetPort("X"), "a"), (NetPort("S"), "m")], X=4, S=[5, 4])
    assert load(save(tied, tmp_path / "tied.yaml")) == tied  # what builds, saves and loads back


def test_a_value_given_once_reaches_every_user_and_two_different_values_are_refused():
    value = torch.arange(9.0).reshape(3, 3)
    net = NetGraph({"a": LinearLayer(3, weights=NetSharedArray("w", value)), "b": LinearLayer(3, weights=NetSharedArray("w"))},
                   [("a", "b")], Input=3)
    assert torch.equal(net.layers["b"].weights, value)
    with pytest.raises(OptionError, match="shared array 'w' has different values in layer 'a'.*and layer 'b'"):
        NetGraph({"a": LinearLayer(3, weights=NetSharedArray("w", value)),
                  "b": LinearLayer(3, weights=NetSharedArray("w", value + 1))}, [("a", "b")], Input=3)
    layer = LinearLayer(3, weights=NetSharedArray("w"))
    assert layer.replace(output=4).shared == layer.with_arrays({"Weights": value}).shared == {"Weights": "w"}
    assert layer.replace(weights=NetSharedArray("v")).shared == {"Weights": "v"}
    assert layer != LinearLayer(3) and layer == LinearLayer(3, weights=NetSharedArray("w"))
    with pytest.raises(OptionError, match="NetSharedArray name"):
        NetSharedArray("a.b")


def test_net_train_trains_it_once():
    net = _net()
    x = torch.randn(32, 3, generator=torch.Generator().manual_seed(0))
    trained = net_train(net, {"Input": x, "Output": 0.5 * x}, max_training_rounds=2, batch_size=8, progress=False,
                        random_seed=0)
    values = [trained.layer_at(p).arrays[a] for p, a in shared_users(trained)["w"]]
    assert not torch.equal(values[0], shared_values(net)["w"])
    assert all(torch.equal(v, values[0]) for v in values)


def test_operator_inner_nets_share_with_the_outer_graph():
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(3, weights=w), "map": NetMapOperator(NetGraph({"l": LinearLayer(3, weights=w)}, [],
                                                                                  Input=3))},
                   [(NetPort("X"), "a"), (NetPort("S"), "map")], X=3, S=(4, 3))
    net = net_initialize(net)
    assert shared_users(net) == {"w": [(("a",), "Weights"), (("map",), "net.l.Weights")]}
    module = net.compile()
    assert module.a.Weights is module.map.net.l.Weights
    x, s = torch.randn(2, 3), torch.randn(2, 4, 3)
    out = module(X=x, S=s)
    weight = shared_values(net)["w"]
    torch.testing.assert_close(out["Output2"], F.linear(s, weight, net.layer_at(("map",)).arrays["net.l.Biases"]))
    assert net_flatten(net).information("SharedArraysCount") == 1


def test_yaml_and_saved_files_hold_it_once(tmp_path):
    net = _net()
    text = net.to_yaml()
    assert text.count("shared: w") == 3 and text.count("array:") == 1
    back = NetGraph.from_yaml(text)
    assert back == net and shared_users(back) == shared_users(net)
    path = save(net, tmp_path / "m.yaml")
    (weights,) = tmp_path.glob("*.safetensors")
    assert [k for k in load_file(weights) if k.endswith("Weights")] == ["a.Weights"]
    loaded = load(path)
    assert loaded == net and len(list(loaded.compile().parameters())) == 4


def test_yaml_shared_arrays_are_read_and_bad_ones_named():
    spec = ("netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 2, weights: {shared: w, array: [[1, 2], [3, 4]]}}\n"
            "  b: {type: LinearLayer, output: 2, weights: {shared: w}}\nedges:\n  - a -> b\ninputs: {Input: 2}\n")
    net = NetGraph.from_yaml(spec)
    assert torch.equal(net.layers["b"].weights, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(SpecError, match="<string>:4:46: layer 'b' option weights: .*found keys \\['share'\\] "
                                        "\\(did you mean 'shared'\\?\\)$"):
        NetGraph.from_yaml(spec.replace("{shared: w}", "{share: w}"))


def test_information_and_diagram_show_it():
    net = _net()
    assert net.information("SharedArraysCount") == 1
    assert torch.equal(net.information("SharedArrays")["w"], shared_values(net)["w"])
    assert NetChain([LinearLayer(2)], input=2).information("SharedArraysCount") == 0
    assert net.render_svg(expand=True).count("shared Weights=w") == 3
    assert "3 layers, 18 parameters" in str(net.information())  # w (9 elements) once, three biases
    module_elements = sum(p.numel() for p in net.compile().parameters())
    assert net.information("ArraysTotalElementCount") == module_elements == 18  # the totals count w once
    assert net.information("ArraysCount") == len(list(net.compile().parameters())) == 4
    assert net.information("ArraysTotalByteCount") == 4 * module_elements


def test_surgery_keeps_sharing_where_the_users_remain():
    net = _net()
    flat = net_flatten(net)
    assert shared_users(flat) == {"w": [(("a",), "Weights"), (("enc/c",), "Weights"), (("b",), "Weights")]}
    renamed = net_rename(net, {"a": "first", ("enc", "c"): "mid"})
    assert [p for p, _ in shared_users(renamed)["w"]] == [("first",), ("enc", "mid"), ("b",)]
    taken = net_take(net, "enc")
    assert [p for p, _ in shared_users(taken)["w"]] == [("a",), ("enc", "c")]
    assert len(list(taken.compile().parameters())) == 3
    assert net_extract(net, "enc").information("SharedArraysCount") == 1
    new = torch.eye(3)
    replaced = net_replace_part(net, {("b", "Weights"): new})
    assert all(torch.equal(replaced.layer_at(p).weights, new) for p, _ in shared_users(replaced)["w"])
    assert torch.equal(net_extract(net_replace_part(net, {NetSharedArray("w"): 2 * new}), NetSharedArray("w")), 2 * new)
    with pytest.raises(NetGraphError, match="no shared array 'v'"):
        net_extract(net, NetSharedArray("v"))


def test_a_learning_rate_multiplier_reaches_it_through_its_first_user_or_any_users_array_path():
    """A rule naming the array by a later user's path ('b/Weights', stored or given to net_train) was ignored."""
    net = _net()
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    data = {"Input": x, "Output": 0.5 * x}

    def trained_w(rules, stored=None):
        start = net_set_learning_rate_multipliers(net, stored) if stored else net
        out = net_train(start, data, max_training_rounds=1, batch_size=8, progress=False, random_seed=0,
                        learning_rate_multipliers=rules)
        return shared_values(out)["w"]
    assert torch.equal(trained_w({"a": 0}), shared_values(net)["w"])
    assert not torch.equal(trained_w({"b": 0}), shared_values(net)["w"])  # layer b's own arrays: its Biases
    assert torch.equal(trained_w({("b", "Weights"): 0}), shared_values(net)["w"])
    assert torch.equal(trained_w(None, {("enc", "c", "Weights"): 0}), shared_values(net)["w"])
    assert torch.equal(trained_w({("b", "Weights"): 0, "a": 1}), shared_values(net)["w"])  # the first rule wins


def _siamese() -> NetGraph:
    """'right' is a later user of every array it has: a layer rule on it reaches nothing."""
    w, v = NetSharedArray("w"), NetSharedArray("v")
    tower = NetChain({"l1": LinearLayer(3, weights=w, biases=v)})
    return NetGraph({"left": tower, "right": tower, "add": "Plus"},
                    [(NetPort("x1"), "left"), (NetPort("x2"), "right"), (["left", "right"], "add")], x1=3, x2=3)


@pytest.mark.parametrize("key", ["right", "right/*", ("right", "l1")])
def test_a_layer_rule_on_a_later_user_of_only_shared_arrays_is_refused_not_ignored(key):
    """Found by QA with Keras habits: freezing the right tower of a siamese net, {'right': 0}, was accepted and froze
    nothing (a layer rule reaches a shared array only through its first user), given to net_train or stored."""
    net = net_initialize(_siamese(), seed=0)
    data = {"x1": torch.randn(8, 3), "x2": torch.randn(8, 3), "Target": torch.randn(8, 3)}
    words = (f"key {key!r} reaches only shared arrays whose first user is layer 'left/l1': a layer rule reaches a "
             f"shared array through its first user; name that layer or the array itself, such as "
             f"('right', 'l1', 'Weights')")
    with pytest.raises(OptionError) as given:
        net_train(net, data, learning_rate_multipliers={key: 0}, max_training_rounds=1, progress=False)
    assert words in str(given.value)
    with pytest.raises(OptionError) as stored:
        net_set_learning_rate_multipliers(net, {key: 0})
    assert words in str(stored.value)
    frozen = net_train(net, data, learning_rate_multipliers={("right", "l1", "Weights"): 0}, max_training_rounds=1,
                       progress=False).layers["right"].layers["l1"].arrays
    start = net.layers["right"].layers["l1"].arrays
    assert torch.equal(frozen["Weights"], start["Weights"]) and not torch.equal(frozen["Biases"], start["Biases"])


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_net_with_shared_arrays_pickles_and_deep_copies(how):
    import copy
    import pickle
    net = _net()
    copied = pickle.loads(pickle.dumps(net)) if how == "pickle" else copy.deepcopy(net)
    assert copied == net and copied.layers["a"].shared == {"Weights": "w"}
    assert shared_users(copied) == shared_users(net)
    x = torch.randn(2, 3)
    assert torch.equal(copied(x), net(x))
    module = copied.compile()
    assert module.a.Weights is module.b.Weights


def test_a_given_value_that_does_not_fit_another_user_names_that_user_and_the_shared_array():
    value = torch.zeros(4, 4)
    with pytest.raises(OptionError) as caught:
        NetChain({"a": LinearLayer(4, weights=NetSharedArray("v", value)), "b": LinearLayer(3, weights=NetSharedArray("v"))},
                 input=4)
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.layer == ("b",) and diagnostic.option == "weights"
    assert "layer 'b'" in str(caught.value) and "shared array 'v'" in str(caught.value)
    assert "expected shape (3, 4) (from the net's sizes), found (4, 4)" in str(caught.value)  # b's input: a's output


def test_a_shared_array_left_with_one_user_after_surgery_is_still_a_shared_array():
    """Documented, found by QA: SharedArraysCount counts a shared array whose other users were deleted. As in
    Wolfram (NetInsertSharedArrays makes a shared array of each array, one user each), a shared array is one by
    its name, not by its number of users: the user left still holds it, and the spec still writes it shared."""
    from netgraph import net_delete
    w = NetSharedArray("w")
    tied = net_initialize(NetGraph({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w)}, [("a", "b")],
                                   Input=4), seed=0)
    alone = net_delete(tied, "b")
    assert alone.information("SharedArraysCount") == 1 and list(alone.information("SharedArrays")) == ["w"]
    assert "shared: w" in alone.to_yaml()
    assert torch.equal(alone.information("SharedArrays")["w"], tied.information("SharedArrays")["w"])


def test_a_value_that_does_not_fit_the_layer_it_is_given_at_names_the_shared_array():
    """README: NetSharedArray("w", torch.zeros(4, 4)) at a LinearLayer(3) is an OptionError naming the shared
    array; the layer's own check named only 'Weights', as for an array of its own."""
    with pytest.raises(OptionError) as caught:
        LinearLayer(3, weights=NetSharedArray("w", torch.zeros(4, 4)))
    message = str(caught.value)
    assert "shared array 'w'" in message and "expected shape (3, ·)" in message and "found (4, 4)" in message
    assert caught.value.diagnostics[0].option == "weights"


def test_a_shared_array_given_as_an_array_value_says_how_to_share_it():
    """net_replace_part(net, {("b", "Weights"): NetSharedArray("v", w)}) said the value 'needs a numeric array; found
    NetSharedArray NetSharedArra...': it names the option to give it and the call that shares the array."""
    net = _net()
    with pytest.raises(OptionError, match=r"layer 3 'b' \(LinearLayer\) array 'Weights' takes the array's values, "
                                          r"not the shared array NetSharedArray\('v'") as info:
        net_replace_part(net, {("b", "Weights"): NetSharedArray("v", torch.eye(3))})
    hint = info.value.diagnostics[0].hint
    assert "net_replace_part(net, {'b': layer.replace(weights=NetSharedArray('v'))})" in hint
    assert info.value.diagnostics[0].option == "weights"
    shared = net_replace_part(net, {"b": net.layer_at(("b",)).replace(weights=NetSharedArray("v", torch.eye(3)))})
    assert set(shared.information("SharedArrays")) == {"w", "v"}  # the way the hint gives works

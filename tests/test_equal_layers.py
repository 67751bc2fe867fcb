"""Equal layers made alike are one object (netgraph.core.equal_layers): only for plain int and str arguments, never
a subclass's, a copy's or a pickle's; the nets they sit in still treat each position apart."""

from __future__ import annotations

import copy
import gc
import pickle
import weakref

import numpy as np
import pytest
import torch

from netgraph import ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, OptionError, net_initialize


def test_the_same_call_gives_the_same_layer():
    assert LinearLayer(8) is LinearLayer(8)
    assert LinearLayer(8, input=3) is LinearLayer(8, input=3) and LinearLayer(output=8) is LinearLayer(output=8)
    assert ElementwiseLayer("Tanh") is ElementwiseLayer("Tanh")
    assert FunctionLayer("#a + #b") is FunctionLayer("#a + #b")


@pytest.mark.parametrize("make", [lambda: LinearLayer(np.int64(8)), lambda: LinearLayer([8]), lambda: LinearLayer((8,)),
                                  lambda: LinearLayer(8, input=(3,)), lambda: LinearLayer(8, input=np.int64(3))])
def test_other_calls_make_their_own_equal_layers(make):
    first, again = make(), make()
    assert first is not again and first == again and first.output == (8,)
    assert first is not LinearLayer(8) and first is not LinearLayer(8, input=3)


def test_a_bool_is_not_taken_for_an_int():
    with pytest.raises(OptionError, match="output="):
        LinearLayer(True)
    assert LinearLayer(1).output == (1,)


def test_different_arguments_give_different_layers():
    assert LinearLayer(8) is not LinearLayer(9)
    assert LinearLayer(8) is not LinearLayer(8, input=3)
    assert ElementwiseLayer("Tanh") is not ElementwiseLayer("Ramp")


def test_a_subclass_makes_its_own_layers():
    class Wide(LinearLayer):
        pass

    assert Wide(8) is not Wide(8) and Wide(8) == Wide(8)
    assert Wide(8) is not LinearLayer(8)


def test_copies_and_pickles_are_layers_of_their_own_and_leave_the_shared_one_as_it_was():
    shared, empty = LinearLayer(8), LinearLayer()
    for made in (copy.copy(shared), copy.deepcopy(shared), pickle.loads(pickle.dumps(shared))):
        assert made is not shared and made == shared
        assert made.output == (8,) and LinearLayer(8) is shared
    assert empty.output is None and LinearLayer().output is None  # a copy is made from cls.__new__(cls): never shared


def test_a_bad_option_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(OptionError, match="dims must be positive"):
            LinearLayer(0)
        with pytest.raises(OptionError, match="no option 'activation'"):
            LinearLayer(8, activation="relu")
        with pytest.raises(OptionError, match="unknown function 'Tahn'"):
            ElementwiseLayer("Tahn")


def test_replace_and_arrays_give_new_layers_and_leave_the_shared_one_as_it_was():
    shared = LinearLayer(8)
    wider = shared.replace(output=9)
    given = shared.with_arrays(Weights=torch.ones(8, 3))
    assert wider.output == (9,) and given.arrays["Weights"].shape == (8, 3)
    assert shared.output == (8,) and shared.weights is None and LinearLayer(8) is shared


def test_each_position_of_a_net_gets_its_own_arrays():
    net = net_initialize(NetChain([LinearLayer(8), ElementwiseLayer("Tanh"), LinearLayer(8)], input=8), seed=0)
    assert not torch.equal(net.layers["1"].arrays["Weights"], net.layers["3"].arrays["Weights"])
    graph = net_initialize(NetGraph({"a": LinearLayer(8), "b": LinearLayer(8)}, [("a", "b")],
                                    Input=8), seed=0)
    assert not torch.equal(graph.layers["a"].arrays["Weights"], graph.layers["b"].arrays["Weights"])


def test_a_layer_is_kept_only_while_held():
    held = weakref.ref(LinearLayer(12345))
    gc.collect()
    assert held() is None


def test_a_coder_made_from_keywords_is_made_as_before():
    # with_argument_errors wraps the coders' __init__ too: a coder has no mark of a layer made once
    from netgraph import ImageEncoder

    coder = ImageEncoder(size=[8, 8], color_space="Grayscale")
    assert coder.size == (8, 8) and coder.color_space == "Grayscale"

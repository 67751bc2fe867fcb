"""A user's function given to surgery raising (QA pass 11): net_rename named the layer it failed on in an
OptionError, but net_replace let the function's own exception escape (a ZeroDivisionError, a KeyError), against
'no other exception type may escape from bad user input'."""

from __future__ import annotations

import pytest

from netgraph import ElementwiseLayer, LinearLayer, NetChain, OptionError, WiringError, net_rename, net_replace


@pytest.mark.parametrize("rules, path, said", [
    (lambda layer: {}["x"], ("a",), "failed on layer 'a' (LinearLayer): KeyError: 'x'"),
    ({ElementwiseLayer: lambda layer: 1 / 0}, ("b", "1"),
     "failed on layer 'b/1' (ElementwiseLayer): ZeroDivisionError: division by zero"),
])
def test_a_replacement_function_that_raises_is_an_option_error_naming_the_layer(rules, path, said):
    net = NetChain({"a": LinearLayer(3), "b": NetChain(["Tanh"])}, input=2)
    with pytest.raises(OptionError) as info:
        net_replace(net, rules)
    assert said in str(info.value) and isinstance(info.value.__cause__, (KeyError, ZeroDivisionError))
    assert (info.value.diagnostics[0].layer, info.value.diagnostics[0].kind) == (path, "option-value")


@pytest.mark.parametrize("rules, path", [(lambda layer: LinearLayer(-1), ("a",)),
                                         ({ElementwiseLayer: lambda layer: LinearLayer(-1)}, ("b", "1"))])
def test_a_netgraph_error_raised_inside_the_function_keeps_its_class_and_kind_and_names_the_layer(rules, path):
    """Found by mends-b11: a NetGraphError (LinearLayer(-1)'s OptionError) passed through without the layer."""
    net = NetChain({"a": LinearLayer(3), "b": NetChain(["Tanh"])}, input=2)
    with pytest.raises(OptionError, match=r"^net_replace: the replacement function failed on layer '.+' \(\w+\): "
                                          r"LinearLayer option output= dims must be positive") as info:
        net_replace(net, rules)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.layer, diagnostic.kind, diagnostic.option) == (path, "option-value", "rules")
    assert f"layer {'/'.join(path)!r}" in str(info.value)


def test_a_netgraph_error_raised_inside_a_renaming_function_keeps_its_class_and_kind_as_net_replace_s_does():
    """Found by dedupe12: net_rename made any NetGraphError of the user's function an 'option-value' OptionError
    (losing its kind), where net_replace keeps its class and kind; the two now share one caller."""
    def rename(name):
        return net_rename(NetChain({"x": "Tanh"}), {"zz": "y"})  # a WiringError: no layer 'zz'

    net = NetChain({"a": LinearLayer(3), "b": NetChain(["Tanh"])}, input=2)
    with pytest.raises(WiringError, match=r"^net_rename: the renaming function failed on layer 'a': ") as info:
        net_rename(net, rename)
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.layer, diagnostic.option) == (_kind_of_the_inner_error(), ("a",), "rename")


@pytest.mark.parametrize("error", [OptionError("bad option", option="zz", kind="option-value"),
                                   WiringError("bad wiring", kind="unknown-port", layer=("q",), port="P", edge=2)])
@pytest.mark.parametrize("surgery, option", [(net_rename, "rename"), (net_replace, "rules")])
def test_the_fields_of_an_error_the_user_s_function_raised_name_the_layer_it_ran_for_and_the_surgery_s_option(
        error, surgery, option):
    """Found by review-a of yaml-advice12/dedupe12: the fields kept the layer and option the user's own error set
    (``('q',)``, ``'zz'``) where the message says the function failed on layer 'a'; its class and kind are kept."""
    def raising(argument):
        raise error

    with pytest.raises(type(error), match=r"failed on layer 'a'") as info:
        surgery(NetChain({"a": LinearLayer(3, input=2), "b": ElementwiseLayer("Tanh")}), raising)
    fields = [(d.kind, d.layer, d.option, d.port, d.edge) for d in info.value.diagnostics]
    assert fields == [(error.kind, ("a",), option, None, None)] and str(error) in str(info.value)


def _kind_of_the_inner_error():
    with pytest.raises(WiringError) as info:
        net_rename(NetChain({"x": "Tanh"}), {"zz": "y"})
    return info.value.diagnostics[0].kind


@pytest.mark.parametrize("rules", [{LinearLayer: 3.5}, {LinearLayer: lambda layer: 3.5}, lambda layer: 3.5])
def test_a_replacement_that_is_no_layer_is_named_once_by_the_layer_it_was_to_replace(rules):
    """Found in session 37's final read: a dict rule's value that is no layer was said to come from "the replacement
    function", with "net_replace:" twice in the message; a function rule's named no layer."""
    net = NetChain({"a": LinearLayer(3)}, input=2)
    with pytest.raises(OptionError, match=r"^net_replace: the replacement for LinearLayer is not a layer") as info:
        net_replace(net, rules)
    assert str(info.value).count("net_replace") == 1 and "replacement function" not in str(info.value)
    assert (info.value.kind, info.value.layer, info.value.found) == ("not-a-layer", ("a",), 3.5)

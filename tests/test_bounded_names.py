"""Names a user gave (layers, ports, paths, labels, spec keys) in messages: shortened past 80 characters and escaped, as
the session-44 ones; each message here quoted a 10,000-character name whole or wrote a newline, NUL or RTL mark raw."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest
import torch

import netgraph
from netgraph import (BatchNormalizationLayer, ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain,
                      NetGraph, NetMapOperator, NetPort, NetSharedArray, PoolingLayer, ThreadingLayer, TransposeLayer,
                      net_delete, net_rename, net_replace_part, net_take, register_module)
from netgraph.backend.masks import plan
from netgraph.core.layer import layer_class
from netgraph.core.types import PortType
from netgraph.layers._shapes import fill, level_dims, pass_dtype, same_rank
from netgraph.layers.dist_base import distribution_class
from netgraph.render import to_dot
from netgraph.spec import from_yaml
from netgraph.spec.problems import MAX_MESSAGE, MAX_UNBOUNDED, ProblemLog

LONG = "q" * 10_000
ODD = "a\nb\x00c\u200fd"  # a newline, a NUL and a right-to-left mark


def _check(message: str, name: str) -> None:
    """``message`` is short, has none of ``name``'s unprintable characters raw, and still names it."""
    assert len(message) < 2_000
    assert "\x00" not in message and "\u200f" not in message and "a\nb" not in message
    if len(name) > 80:
        assert "q" * 40 + "…" in message and f"({len(name)} characters)" in message
    else:
        assert "a\\nb\\x00c\\u200fd" in message


def _message(call) -> str:
    with pytest.raises(netgraph.NetGraphError) as caught:
        call()
    return str(caught.value)


def _with_output(name: str) -> NetGraph:
    return NetGraph({"lin": LinearLayer(2, input=3)}, [("lin", NetPort(name))])


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_an_unknown_graph_output_names_it_and_the_outputs_shortened(name):
    _check(_message(lambda: _with_output(name).with_output(NetPort(name + "x"))), name)


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_deleting_an_unknown_graph_output_names_it_shortened(name):
    _check(_message(lambda: net_delete(_with_output(name), NetPort(name + "x"))), name)


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_a_layer_path_to_no_layer_names_it_shortened(name):
    net = NetGraph({name: LinearLayer(2, input=3)}, [])
    _check(_message(lambda: net.layer_at((name + "x",))), name)


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_a_path_to_no_inner_net_names_it_shortened(name):
    net = NetGraph({"map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))}, [], Input=(5, 4))
    _check(_message(lambda: net.layer_at(("map", name))), name)


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_repeated_labels_are_named_shortened(name):
    _check(_message(lambda: ClassDecoder(labels=[name, "x", name])), name)


def test_repeated_labels_of_a_long_list_give_a_short_message():
    # it printed every label: 100,000 labels made a message of 500,000 characters
    message = _message(lambda: ClassDecoder(labels=["a", *map(str, range(100_000)), "a"]))
    assert len(message) < 300 and "'a' more than once" in message


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_a_compiled_modules_layer_label_is_shortened(name):
    net = NetGraph({name: BatchNormalizationLayer(), "lin": LinearLayer(2)}, [], Input=3)
    module = netgraph.net_initialize(net, seed=0).compile()
    labels = [m.layer_label for m in module.modules() if isinstance(getattr(m, "layer_label", None), str)]
    assert labels
    for label in labels:
        assert len(label) < 300 and label.isprintable()
    assert any("(10000 characters)" in label or "a\\nb" in label for label in labels)


@pytest.mark.parametrize("name", [LONG, ODD], ids=["long", "odd"])
def test_a_spec_endpoint_naming_no_layer_is_shortened(name):
    escaped = name.replace("\n", "\\n").replace("\x00", "\\0").replace("\u200f", "\\u200F")
    text = (f'netgraph: 1\nlayers: {{lin: {{type: LinearLayer, output: 2, input: 3}}}}\n'
            f'edges: ["{escaped}.Output -> lin"]\n')
    _check(_message(lambda: from_yaml(text)), name)


@pytest.mark.parametrize("name", [LONG[:1000], ODD], ids=["long", "odd"])  # YAML reads keys of 1024 at most
def test_a_spec_key_it_does_not_know_is_shortened(name):
    escaped = name.replace("\n", "\\n").replace("\x00", "\\0").replace("\u200f", "\\u200F")
    text = f'netgraph: 1\nlayers: {{lin: {{type: LinearLayer, output: 2, input: 3}}}}\n"{escaped}": 1\n'
    _check(_message(lambda: from_yaml(text)), name)


def test_the_diagram_names_the_batch_one_way_across_its_edges():
    # each edge chose alone: (b_2, b, 2) on one edge and (b, 3) on the other, b both the batch and a length
    net = NetGraph({"l": "Tanh", "k": "Tanh"}, [(NetPort("x"), "l"), (NetPort("y"), "k")], x=("b", 2), y=3)
    dot = to_dot(net)
    assert "(b_2, b, 2)" in dot and "(b_2, 3)" in dot and "(b, 3)" not in dot
    assert "(b, 3)" in to_dot(NetGraph({"k": "Tanh"}, [(NetPort("y"), "k")], y=3))


def test_a_long_name_runs_as_before():
    net = netgraph.net_initialize(NetGraph({LONG: LinearLayer(2, input=3)}, []), seed=0)
    assert net(torch.ones(1, 3)).shape == (1, 2)


def test_data_for_an_input_names_the_port_shortened():
    # a graph input is an identifier: no newline nor RTL mark; a long one was quoted whole, up to 3 times
    net = netgraph.net_initialize(NetGraph({"lin": LinearLayer(2, input=3)}, [(NetPort(LONG), "lin")]), seed=0)
    for call in (lambda: net({LONG + "x": torch.ones(1, 3)}), lambda: net({LONG: torch.ones(1, 4)})):
        message = _message(call)
        assert len(message) < 2_000 and "(10000 characters)" in message


def test_a_path_of_names_each_under_80_characters_is_shown_whole():
    """The joined path was cut again at 80 characters, mid-name: 'encoder_block_number_one/attention_heads…'."""
    a, b, c = "encoder_block_number_one", "attention_heads_projection", "output_linear_layer_x"
    net = NetChain({a: NetChain({b: NetChain({c: LinearLayer(3)})})}, input=[4])
    message = _message(lambda: net.layer_at((a, b, c + "x", "deeper")))
    assert f"no layer at '{a}/{b}/{c}x/deeper'" in message and "…" not in message, message


def test_an_unknown_path_key_is_shown_whole_when_each_name_is_short():
    """net_replace_part's unknown key 'a/b/c/Weights' (82 characters) was cut mid-name."""
    a, b, c = "encoder_block_number_one", "attention_heads_projection", "output_linear_layer_x"
    net = NetChain({a: NetChain({b: NetChain({c: LinearLayer(3)})})}, input=[4])
    key = f"{a}/{b}/{c}x/Weights"
    message = _message(lambda: netgraph.net_replace_part(net, {key: torch.zeros(3, 4)}))
    assert f"no layer or graph port {key!r}" in message and "…" not in message, message


HUGE = "x" * 10**6


def _raised(call) -> str:
    """The message of what ``call`` raises (a NetGraphError, or the Conflict or Fallback a helper raises)."""
    with pytest.raises(Exception) as caught:
        call()
    return str(caught.value)


def _nested(name: str) -> NetGraph:
    return NetGraph({name: NetChain({"lin": LinearLayer(3)}), "head": LinearLayer(2)}, [(name, "head")], Input=4)


def _positional_only(name: str) -> type:
    """A torch module whose ``__init__`` takes a positional-only parameter called ``name`` (by its signature)."""
    class Module(torch.nn.Module):
        def __init__(self, *args):
            super().__init__()
    Module.__init__.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in ("self", name)])
    return Module


_SITES = {  # each site's message, given a layer, port or option value 10^6 characters long
    "unknown layer type": lambda: layer_class(HUGE),
    "unknown distribution": lambda: distribution_class(HUGE),
    "levels that do not exist": lambda: level_dims([1, 5], 2, port=HUGE),
    "a level named twice": lambda: level_dims([1, -2], 2, port=HUGE),
    "levels selecting none": lambda: level_dims("3;;", 2, port=HUGE),
    "a wrong rank": lambda: same_rank((2,), 2, HUGE, "a matrix"),
    "ports of two dtypes": lambda: pass_dtype({HUGE: PortType((2,), "Real"), "b": PortType((2,), "Integer")},
                                              (HUGE, "b")),
    "a port it cannot fill": lambda: fill({HUGE: PortType((2,))}, HUGE, (3,)),
    "a layer no padding can pass": lambda: plan(NetGraph({HUGE: TransposeLayer()}, [], Input=("n", 3)), ["Input"]),
    "a positional-only option": lambda: register_module(_positional_only(HUGE), "PositionalOnly"),
    "a bad shared array name": lambda: NetSharedArray(HUGE + "!"),
    "a port renamed to no name": lambda: net_rename(
        NetGraph({"lin": LinearLayer(2, input=3)}, [(NetPort(HUGE), "lin")]), {NetPort(HUGE): ""}),
    "a layer renamed to no string": lambda: net_rename(NetGraph({HUGE: LinearLayer(2, input=3)}, []), {HUGE: 5}),
    "two layers renamed alike": lambda: net_rename(NetGraph({HUGE: "Tanh", "b": "Tanh"}, [], Input=3), {HUGE: "b"}),
    "one layer renamed twice": lambda: net_rename(NetGraph({HUGE: "Tanh"}, [], Input=3), {HUGE: "p", 1: "q"}),
    "a nested start": lambda: net_take(_nested(HUGE), "head", start=(HUGE, "lin")),
    "a nested part taken": lambda: net_take(_nested(HUGE), (HUGE, "lin")),
    "a replaced layer lacking a port": lambda: net_replace_part(_nested(HUGE), {(HUGE, "lin"): ThreadingLayer("Plus")}),
    "an encoder's range": lambda: NetGraph({"emb": EmbeddingLayer(2, 3)}, [(NetPort(HUGE), "emb")],
                                           **{HUGE: ClassEncoder(["a", "b", "c", "d"])}),
    "a spec's elementwise function": lambda: _spec_layer(f"{{type: ElementwiseLayer, function: '{HUGE}'}}", "2"),
    "a spec's threading function": lambda: _spec_layer(f"{{type: ThreadingLayer, function: '{HUGE}'}}",
                                                       "2", "Input2: 2"),
    "a spec's pooling function": lambda: _spec_layer(f"{{type: PoolingLayer, kernel: 2, function: '{HUGE}'}}",
                                                     "[1, 4, 4]"),
    "a spec's aggregation function": lambda: _spec_layer(f"{{type: AggregationLayer, function: '{HUGE}'}}", "[2, 3]"),
    "a spec's input shape": lambda: _spec_layer("Tanh", f"'{HUGE}'"),
    "a spec's input dtype": lambda: _spec_layer("Tanh", f"{{shape: 2, dtype: '{HUGE}'}}"),
    "a pooling ceil_mode": lambda: PoolingLayer(2, ceil_mode=HUGE),
}


def _spec_layer(layer: str, shape: str, *more_inputs: str) -> None:
    """Read a spec of one layer ``l`` (its YAML) with an input of ``shape`` (YAML), and any ``more_inputs``."""
    from_yaml(f"netgraph: 1\nlayers:\n  l: {layer}\ninputs: {{{', '.join([f'Input: {shape}', *more_inputs])}}}\n")


@pytest.mark.parametrize("site", _SITES)
def test_a_huge_name_or_value_gives_a_bounded_message_that_names_its_start(site):
    message = _raised(_SITES[site])
    assert len(message) < 2_000 and "x" * 40 + "…" in message and " characters)" in message


def test_a_huge_expression_in_a_spec_is_quoted_bounded_by_its_own_message():
    """The message quotes the expression as ``quoted`` does (head, tail, length), not cut afterwards."""
    expression = "(" * 1_500 + "x"  # (past 2,000 characters an expression is refused unread)
    text = f"netgraph: 1\nlayers:\n  f: {{type: FunctionLayer, function: '{expression}'}}\ninputs: {{Input: 2}}\n"
    message = _raised(lambda: from_yaml(text))
    assert len(message) < 2_000 and f"'{'(' * 100}…" in message and f"({len(expression)} characters)" in message


def _logged(message: str) -> str:
    """The SpecError a ProblemLog raises for one problem saying ``message``."""
    log = ProblemLog()
    log.errors, log.file = [], SimpleNamespace(name="f.yaml")
    log.error(SimpleNamespace(line=1, col=2), message, kind="value")
    return _raised(log.raise_errors)


def test_a_spec_message_quoting_a_value_whole_is_still_capped():
    """A site left quoting a value the file gave whole: its message is cut to head and tail when it is read, to
    MAX_UNBOUNDED characters (it was cut to about MAX_MESSAGE, so that a message's bound was two numbers)."""
    message = _logged(f"unknown thing {' '.join(['xxx'] * 10**5)!r}")
    assert MAX_MESSAGE < len(message) < MAX_UNBOUNDED + 100
    assert message.startswith("f.yaml:1:2: unknown thing 'xxx") and "not shown" in message


def test_a_spec_message_that_bounds_itself_is_kept_whole():
    """A bounded message past MAX_MESSAGE (a long list of names) is not cut."""
    names = ", ".join(f"name{i}" for i in range(400))
    assert _logged(f"known: {names}") == f"f.yaml:1:2: known: {names}"


def test_an_integer_too_long_to_write_is_named_by_its_size():
    """LinearLayer(3, input=[10**5000]) raised Python's raw ValueError (past 4300 digits an int cannot be written)."""
    message = _message(lambda: LinearLayer(3, input=[10**5000]))
    assert len(message) < 2_000 and f"an integer of {(10**5000).bit_length()} bits" in message

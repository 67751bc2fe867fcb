"""Regression tests for the escapes the fuzz suite (and an earlier attack) found: each is now a NetGraphError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import netgraph
from netgraph import (DataError, EmbeddingLayer, LinearLayer, MeanSquaredLossLayer, NetChain, NetGraph, NetGraphError,
                      OptionError, ShapeError, interpret, net_initialize, net_train)
from tests.subprocess_env import checkout_env

SPECS = Path(__file__).parents[2] / "specs"


def _net():
    return NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3)


def _data(n=8):
    return {"Input": torch.rand(n, 3), "Target": torch.rand(n, 2)}


@pytest.mark.parametrize("name", ["_module", "_params", "_net_", "__buffers"])  # attributes: tests/test_reserved_names
def test_layers_named_like_private_attributes_compile_and_match(name):
    inner = NetGraph({name: LinearLayer(2), "act": "Tanh"}, [(name, "act")], Input=3)
    net = net_initialize(NetGraph({name: inner, "out": LinearLayer(1)}, [(name, "out")]), seed=0)
    module = net.compile()
    x = torch.rand(2, 3)
    torch.testing.assert_close(module(x), interpret(module.net, module, Input=x))
    assert f"{name}.{name}.Weights" in module.state_dict()
    assert module.to_net() == net


def test_deeply_nested_shapes_and_layer_lists_are_refused():
    deep = 3
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ShapeError, match="dims must be positive"):
        NetChain([LinearLayer(2)], input=deep)
    with pytest.raises(OptionError, match="option 'array' is nested too deeply") as refused:
        netgraph.NetArrayLayer(array=deep)
    assert (refused.value.option, refused.value.kind) == ("array", "option-value")
    with pytest.raises(NetGraphError, match="nested more than 100 deep"):
        NetChain(deep)


def test_a_too_deep_layer_list_keeps_its_kind_and_a_bad_shorthand_is_not_a_layer():
    deep = 3
    for _ in range(101):
        deep = [deep]
    with pytest.raises(NetGraphError) as too_deep:
        NetChain({"a": 2, "b": deep})
    with pytest.raises(NetGraphError) as zero:
        NetChain([0])
    assert (too_deep.value.kind, too_deep.value.layer, too_deep.value.expected) == ("nesting-depth", ("b",), 100)
    assert (zero.value.kind, zero.value.layer) == ("not-a-layer", ("1",))


def test_arrays_of_the_wrong_shape_are_refused_naming_the_array():
    """Refused when the layer is made (its options fix the shape), else when the net fixes it, naming the layer."""
    with pytest.raises(OptionError, match=r"LinearLayer: array 'Biases': expected shape \(1,\).*found \(3, 2\)"):
        LinearLayer(output=1, input=2, biases=torch.zeros(3, 2))
    with pytest.raises(ShapeError, match=r"'lin'.*LinearLayer.*'Input'.*expected size 3 \(from weights=\)"):
        NetGraph({"lin": LinearLayer(output=1, weights=torch.zeros(1, 3))}, [], Input=2)


@pytest.mark.parametrize("index", [10, -1])
def test_embedding_index_out_of_range_is_a_data_error(index):
    net = net_initialize(NetGraph([EmbeddingLayer(4, 10, input=5)], []), seed=0)
    x = torch.full((2, 5), index)
    with pytest.raises(DataError, match=r"port 'Input' takes indices in \[0, 10\)"):
        net(x)
    with pytest.raises(DataError, match="indices"):
        interpret(net, net.compile(), Input=x)
    assert net(torch.full((2, 5), 9)).shape == (2, 5, 4)


def test_a_chain_ending_in_a_loss_refuses_a_single_tensor():
    with pytest.raises(NetGraphError):
        NetChain([MeanSquaredLossLayer(), 3], input=3)(torch.rand(2, 3))


@pytest.mark.parametrize("seed", [2**70, -1, 1.5, "automatic", True])
def test_seeds_out_of_range_are_option_errors(seed):
    """Out of range, not an integer, or a near-miss of a reserved word (any other string is a seed, as in Wolfram)."""
    with pytest.raises(OptionError, match="seed"):
        net_initialize(_net(), seed=seed)
    with pytest.raises(OptionError, match="random_seed"):
        net_train(_net(), _data(), random_seed=seed, max_training_rounds=1, progress=False)


def test_largest_seed_is_accepted():
    assert net_initialize(_net(), seed=2**64 - 1).layers["1"].arrays["Weights"] is not None


def test_bare_layer_is_initialised_and_junk_refused():
    assert net_initialize(LinearLayer(2, input=3), seed=0).arrays["Weights"].shape == (2, 3)
    with pytest.raises(OptionError, match="NetGraph or a layer"):
        net_initialize(3)


class _Claims(torch.utils.data.Dataset):
    def __init__(self, real, claimed, item=None):
        self.real, self.claimed, self.item = real, claimed, item

    def __len__(self):
        return self.claimed

    def __getitem__(self, i):
        if i >= self.real:
            raise IndexError(i)
        return self.item if self.item is not None else {"Input": torch.rand(3), "Target": torch.rand(2)}


@pytest.mark.parametrize("dataset, message", [(_Claims(0, 0), "empty"), (_Claims(2, 6), "says it has 6 items"),
                                              (_Claims(4, 4, item={"Input": torch.rand(3), "Target": None}), "cannot be batched")])
def test_bad_datasets_are_data_errors(dataset, message):
    with pytest.raises(DataError, match=message):
        net_train(_net(), dataset, max_training_rounds=1, batch_size=8, progress=False)


def test_good_dataset_still_trains():
    assert net_train(_net(), _Claims(4, 4), max_training_rounds=1, batch_size=2, progress=False) is not None


def test_yaml_text_with_only_carriage_returns_is_text_not_a_file_name():
    text = (SPECS / "normal_reparameterization.yaml").read_text()
    net = NetGraph.from_yaml(text.replace("\n", "\r"))
    assert net.output_ports == NetGraph.from_yaml(text).output_ports
    with pytest.raises(netgraph.SpecError):
        NetGraph.from_yaml("x" * 5000)  # a name too long for the OS is read as (bad) YAML text


@pytest.mark.parametrize("command", ["summary", "check"])
def test_cli_prints_lone_surrogate_names_without_a_traceback(tmp_path, command):
    spec = tmp_path / "s.yaml"
    spec.write_text('netgraph: 1\nlayers:\n  "a\\ud800": {type: LinearLayer, output: 2, input: 3}\n')
    env = checkout_env(PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "netgraph", command, str(spec)], capture_output=True, env=env,
                          timeout=300)
    assert done.returncode in (0, 1) and b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert command != "summary" or b"a\\ud800" in done.stdout  # the name, escaped


@pytest.mark.parametrize("path", [3, None, "bad\x00name", b"spec.yaml"])
def test_load_refuses_what_is_not_a_path(path):
    with pytest.raises(netgraph.SpecError, match="load needs a file path"):
        netgraph.load(path)


@pytest.mark.parametrize("value", [["Max"], {"a": 1}, ("Max", [1])])
def test_unhashable_choice_options_are_option_errors(value):
    with pytest.raises(OptionError, match=r"AggregationLayer option function= must be one of \['Max'"):
        netgraph.AggregationLayer(value)
    assert netgraph.AggregationLayer("Mean").function == "Mean"


def test_text_libyaml_refuses_is_read_by_the_reference_loader():
    """libyaml rejects a lone-surrogate escape that PyYAML's pure loader accepts: the result must not depend on
    which parser is installed (and never be reported as an indentation problem)."""
    from netgraph.spec.yaml_nodes import LOADERS, read_yaml
    text = 'layers:\n  "a\\ud800": Tanh\n'
    assert list(read_yaml(text, "s.yaml")["layers"]) == ["a\ud800"]
    assert set(LOADERS) >= {"pure"}


def test_a_lone_surrogate_in_the_text_is_a_spec_error_with_each_loader(yaml_loader):
    """libyaml takes UTF-8, which a lone surrogate character (not an escape) has no encoding in: found by the
    long fuzz profile as a UnicodeEncodeError escaping from the C parser."""
    with pytest.raises(netgraph.SpecError, match=r"<string>:1:1: invalid YAML: .*special characters"):
        netgraph.NetGraph.from_yaml("\ud800netgraph: 1\nlayers: {a: Tanh}\n")


def test_a_linear_layer_on_a_scalar_input_treats_it_as_a_one_vector():
    import torch
    from netgraph import NetChain, net_initialize
    net = net_initialize(NetChain([5, 5], input=[]), seed=0)
    x = torch.randn(4)
    module = net.compile()
    first, second = net.layers["1"], net.layers["2"]
    hidden = x[:, None] @ first.arrays["Weights"].T + first.arrays["Biases"]
    torch.testing.assert_close(net(x), hidden @ second.arrays["Weights"].T + second.arrays["Biases"])
    torch.testing.assert_close(module(x), netgraph.interpret(net, module, Input=x))


def test_a_raw_lone_surrogate_character_in_yaml_text_is_a_spec_error(yaml_loader):
    """libyaml cannot even encode such text (UnicodeEncodeError escaped); the reference loader refuses it."""
    text = (SPECS / "normal_reparameterization.yaml").read_text()
    expected = r"<string>:1:1: invalid YAML: character #xd800 \(special characters are not allowed; a spec is text\)"
    with pytest.raises(netgraph.SpecError, match=expected):
        NetGraph.from_yaml("\ud800" + text)


@pytest.mark.parametrize("kind", ["[]", "{a: 1}", "3"])
def test_a_distribution_type_that_is_not_a_name_is_located(kind):
    """An unhashable type: (a list or mapping) raised TypeError."""
    text = f"netgraph: 1\nlayers:\n  z: {{type: RandomArrayLayer, distribution: {{type: {kind}, args: [0, 1]}}}}\n"
    with pytest.raises(netgraph.SpecError, match=r"<string>:3:52: layer 'z' option distribution: unknown type"):
        NetGraph.from_yaml(text)


def test_layer_names_that_are_word_characters_but_no_identifiers_compile_and_match():
    """'²' is a word character to re but not a Python identifier (SyntaxError in the generated code), and
    'ﬁ' would become 'fi' under Python's NFKC identifier normalisation: local names are ASCII."""
    inner = NetGraph([netgraph.AggregationLayer("Max", levels=[1, 2])], [], Input=(2, 3, 4))
    net = net_initialize(NetGraph({"²": inner, "ﬁ": "Tanh", "fi": "Sin"}, [("²", "ﬁ"), ("²", "fi")]), seed=0)
    x = torch.randn(2, 2, 3, 4)
    module = net.compile()
    out = module(x)
    torch.testing.assert_close(out["Output1"], torch.tanh(x.amax((1, 2))))
    torch.testing.assert_close(out["Output2"], torch.sin(x.amax((1, 2))))
    torch.testing.assert_close(interpret(net, module, Input=x)["Output2"], out["Output2"])


@pytest.mark.parametrize("shape", [(10**6, 10**6), (2**62,), (10**30,)])
def test_random_arrays_too_large_to_draw_are_refused_when_built(shape):
    """They built, then torch's randn overflowed (TypeError) or its allocator failed (RuntimeError) at the call."""
    with pytest.raises(NetGraphError, match="too large|below 2\\*\\*63"):
        NetGraph([netgraph.RandomArrayLayer(netgraph.NormalDistribution(0, 1), output=shape)], [])


def test_names_python_reads_as_other_names_still_compile():
    """'º' is an identifier that Python reads as 'o' in code: as a layer name self.º reached self.o
    (AttributeError); as a graph input, forward(self, º) took 'o' (TypeError for the keyword 'º')."""
    inner = NetGraph([netgraph.FunctionLayer(lambda x, y: x * y.sum(-1, keepdim=True))], [], x=3, y=3)
    module = net_initialize(NetGraph({"º": inner}, []), seed=0).compile()
    torch.testing.assert_close(module(x=torch.ones(1, 3), y=torch.ones(1, 3)), torch.full((1, 3), 3.0))
    with pytest.raises(netgraph.WiringError, match="graph input 'º' must be a Python identifier that Python reads as"):
        NetGraph(["Tanh"], [(netgraph.NetPort("º"), 1)])


@pytest.mark.parametrize("layer", [netgraph.ContrastiveLossLayer(1e300), netgraph.ContrastiveLossLayer(float("inf"))],
                         ids=repr)  # (LayerNormalizationLayer(epsilon=inf) was a third: epsilon must now be finite)
def test_float_options_that_overflow_compile_and_match_the_interpreter(layer):
    """An infinite option was written into the code as ``inf`` (a NameError at the first call); a margin that
    overflows float32 gave NaN (0 * inf) where Target is 0 in the interpreted module, but not in the compiled."""
    net = net_initialize(NetGraph({"l": layer}, [], Input=3), seed=0)
    inputs = {p: torch.tensor([[0.2, 0.5, 0.7]] * 2) if p == "Input" else torch.tensor([[0, 1, 0], [1, 1, 0]])
              for p in net.input_ports}
    module = net.compile()
    compiled = module(**inputs)
    torch.testing.assert_close(compiled, interpret(net, module, **inputs), equal_nan=True)
    if isinstance(layer, netgraph.ContrastiveLossLayer):  # Input^2 where Target is 0, (margin - Input)^2 (inf) where 1
        assert compiled[0].isinf() and compiled[1].isinf()


@pytest.mark.parametrize("old, new", [
    ("Ramp, {type: LinearLayer, output: 64}", "Ramp, {type: LinearLayer, output: []}"),  # feed-forward: (n)
    ("[{type: LinearLayer, output: 64}]}}", "[{type: LinearLayer, output: [64, 1]}]}}"),  # projection: (n, 64, 1)
])
def test_transformer_block_whose_residual_cannot_broadcast_is_refused_not_run(tmp_path, capsys, old, new):
    """'netgraph run' failed in 'residual2 = (norm1 + feedforward[:, None])': inference had matched the length
    variable n against 64."""
    text = (SPECS / "transformer_block.yaml").read_text()
    assert text.count(old) == 1
    spec = tmp_path / "block.yaml"
    spec.write_text(text.replace(old, new))
    with pytest.raises(NetGraphError, match="do not broadcast"):  # (n) or (n, 64, 1) against (n, 64)
        NetGraph.from_yaml(spec.read_text())
    from netgraph.cli import main
    assert main(["run", str(spec), "-o", str(tmp_path / "out.svg")]) == 1
    assert "do not broadcast" in capsys.readouterr().err


@pytest.mark.parametrize("layer, shapes, bad", [
    (netgraph.SummationLayer(), {"Input": 3}, {"Input": [[1.0, 2.0, 3.0]]}),
    (netgraph.ConvolutionLayer(2, 3), {"Input": (2, 10)}, {"Input": torch.rand(2, 3, 10)}),
    (netgraph.TotalLayer(inputs=2), {"Input1": 3, "Input2": 3},
     {"Input1": torch.rand(2, 3), "Input2": torch.rand(2, 2)}),
    (netgraph.SoftmaxLayer(), {"Input": 3}, {"Input": torch.ones(2, 3, dtype=torch.long)}),
], ids=["list", "channels", "size", "dtype"])
def test_interpret_names_the_input_that_does_not_fit(layer, shapes, bad):
    """The reference interpreter let torch's (or Python's) error out of the layer: it now blames the input as the
    compiled module does (found by fuzzing interpret with random data)."""
    net = net_initialize(NetGraph([layer], [], **shapes), seed=0)
    port = next(p for p in net.input_ports if p in bad and not isinstance(bad[p], torch.Tensor)
                or bad[p].shape[1:] != net.input_shapes[p] or bad[p].dtype != torch.float32)
    with pytest.raises(DataError, match=f"input port '{port}'") as caught:
        interpret(net, net.compile(), **bad)
    assert caught.value.diagnostics[0].port == port


@pytest.mark.parametrize("layer, x", [(netgraph.DropoutLayer(0.25), torch.ones(2, 3, dtype=torch.long)),
                                      (netgraph.PoolingLayer(2, function="Mean"),
                                       torch.ones(2, 1, 4, dtype=torch.bool))],
                         ids=["dropout-int", "pooling-bool"])
def test_a_module_without_arrays_names_an_input_of_integers_on_a_real_port(layer, x):
    """With no floating arrays the compiled module had no dtype to compare with: torch's error escaped."""
    net = NetGraph([layer], [], Input=tuple(x.shape[1:]))
    module = net.compile().train()
    with pytest.raises(DataError, match=rf"input port 'Input' takes real numbers, found dtype {x.dtype}"):
        module(x)


@pytest.mark.parametrize("layer, x, message", [
    (LinearLayer(2, input=3), None, "input port 'Input': the compiled module takes a tensor, found None"),
    (netgraph.AggregationLayer("Max", levels=1), torch.ones(2, 3, dtype=torch.complex64),
     "input port 'Input' takes real numbers, found dtype torch.complex64"),
    (netgraph.KLDivergenceLayer(netgraph.GammaDistribution("#a", 1.0), netgraph.ExponentialDistribution(2.0),
                                samples=3, shape=3), torch.full((2, 3), 0.5, dtype=torch.float16),
     "input port 'a' takes float32 or float64 on the CPU .* found dtype torch.float16"),
], ids=["none", "complex", "half"])
def test_compiled_module_names_inputs_torch_cannot_take(layer, x, message):
    """None, complex and (on the CPU) float16 data reached torch inside the forward of a module without arrays."""
    port = "a" if isinstance(layer, netgraph.KLDivergenceLayer) else "Input"
    net = net_initialize(NetGraph([layer], [], **{port: 3}), seed=0)
    with pytest.raises(DataError, match=message):
        net.compile()(**{port: x})


def test_compiled_module_names_inputs_of_different_real_dtypes():
    net = NetGraph([netgraph.DotLayer()], [], Input1=(2, 3), Input2=(3, 4))
    with pytest.raises(DataError, match=r"input ports have different dtypes: \{'Input1': torch.float32, 'Input2': "
                                        r"torch.float64\}"):
        net.compile()(torch.rand(2, 2, 3), torch.rand(2, 3, 4, dtype=torch.float64))


def test_net_flatten_with_huge_levels_stops_when_nothing_is_left_to_inline():
    """levels=2**70 ran 2**70 rounds of inlining (a hang found by fuzzing net_flatten's arguments)."""
    inner = NetChain({"a": LinearLayer(4), "b": "Ramp"}, input=3)
    net = NetGraph({"enc": NetGraph({"in": inner}, []), "t": "Sin"}, [("enc", "t")])
    flat = netgraph.net_flatten(net, 2**70)
    assert flat == netgraph.net_flatten(net)
    assert list(flat.layers) == ["enc/in/a", "enc/in/b", "t"]


@pytest.mark.parametrize("make", [lambda a: netgraph.PartLayer(a), lambda a: netgraph.ThreadingLayer("Plus", broadcast=a),
                                  lambda a: netgraph.NetArrayLayer(output=a)], ids=["part", "broadcast", "output"])
def test_a_numpy_matrix_given_to_an_option_that_is_no_array_is_an_option_error(make):
    """Comparing it with a name ("All", "Automatic") raised numpy's "truth value of an array is ambiguous"."""
    with pytest.raises(OptionError):
        make(np.random.default_rng(0).random((2, 3)))


def test_a_numpy_vector_is_a_shape_as_its_list_is():
    assert LinearLayer(np.array([2, 3]), input=4) == LinearLayer([2, 3], input=4)


@pytest.mark.parametrize("distance", ["Euclidean", "Cosine"])
def test_pair_embedding_of_scalars_compiles_as_it_interprets(distance):
    """An inner net giving a scalar per example: the compiled forward's .flatten(1) had no dim 1 (IndexError)."""
    net = net_initialize(NetGraph([netgraph.NetPairEmbeddingOperator(netgraph.PartLayer(2), distance)], [],
                                  Input1=3, Input2=3), seed=0)
    a, b = torch.tensor([[1.0, 2.0, 3.0], [1.0, -2.0, 0.0]]), torch.tensor([[0.0, 5.0, 0.0], [0.0, 4.0, 0.0]])
    module = net.compile()
    out = module(a, b)
    expected = (a[:, 1] - b[:, 1]).abs() if distance == "Euclidean" else 1 - torch.sign(a[:, 1] * b[:, 1])
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(out, interpret(net, module, Input1=a, Input2=b))


@pytest.mark.parametrize("size", [2**62, 2**70])
def test_a_batch_of_draws_past_torchs_largest_size_is_an_option_error(size):
    """module(batch_size=2**70) raised randn's TypeError (overflow), 2**62 RuntimeError (storage size overflowed)."""
    net = net_initialize(NetGraph([netgraph.RandomArrayLayer(netgraph.NormalDistribution(0, 1), output=2)], []), seed=0)
    module = net.compile()
    with pytest.raises(OptionError, match=r"batch_size must be below 2\*\*62 here"):
        module(batch_size=size)
    with pytest.raises(OptionError, match="batch_size"):
        net(batch_size=size)
    assert module(batch_size=3).shape == (3, 2)


@pytest.mark.parametrize("make, message", [
    (lambda: netgraph.BooleanEncoder(1), r"BooleanEncoder takes no options by position, found 1"),
    (lambda: netgraph.ScalarEncoder(1, 2, 3), r"ScalarEncoder .*found 3"),
    (lambda: netgraph.ClassEncoder(["a"], nope=1), r"ClassEncoder has no option 'nope'"),
], ids=["boolean", "scalar", "class-keyword"])
def test_coders_called_with_arguments_they_do_not_take_are_option_errors(make, message):
    """Python's TypeError from the coder dataclasses' __init__ escaped (found by fuzzing coders' arguments)."""
    with pytest.raises(OptionError, match=message):
        make()


def test_a_class_encoder_output_that_is_a_numpy_array_is_an_option_error():
    """``output not in ("Index", "UnitVector")`` asked numpy for the truth of an elementwise comparison (ValueError)."""
    with pytest.raises(OptionError, match=r"ClassEncoder option output=: 'Index' or 'UnitVector', found \[1, 2\]"):
        netgraph.ClassEncoder(["a", "b"], np.array([1, 2]))


@pytest.mark.parametrize("device", [[], ()])
def test_an_empty_target_device_list_is_an_option_error(device):
    """Read as Wolfram's device list, an empty one raised IndexError (value[-1]); found by the long fuzz profile."""
    with pytest.raises(OptionError, match=r"target_device must be 'cpu' or 'cuda' .*found \[\]|found \(\)"):
        net_train(_net(), _data(), target_device=device, max_training_rounds=1, progress=False)

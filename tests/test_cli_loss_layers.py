"""`netgraph train --loss MeanAbsoluteLossLayer`, as Wolfram's LossFunction -> MeanAbsoluteLossLayer: a loss layer
type name (alone, as a term's value or its `loss:`) is that layer on the output, as net_train's loss_function takes
a loss layer; it was refused as "not an output port"."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("loss, described", [
    ("MeanAbsoluteLossLayer", "MeanAbsoluteLossLayer on 'Output' vs key 'Target'"),
    ("{Output: MeanAbsoluteLossLayer}", "MeanAbsoluteLossLayer on 'Output' vs key 'Target'"),
    ("{Output: {loss: MeanAbsoluteLossLayer, weight: 2}}", "2 * MeanAbsoluteLossLayer on 'Output' vs key 'Target'"),
    # a layer with options alone, as the README writes it: it was read as terms for ports 'type' and 'form'
    ("{type: MeanAbsoluteLossLayer}", "MeanAbsoluteLossLayer on 'Output' vs key 'Target'"),
])
def test_a_loss_layer_type_name_is_that_loss_layer(cli, tmp_path, loss, described):
    cli.spec(), cli.data(random=True)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "2", "--loss", loss)
    assert ran.code == 0, ran.err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert described in results["loss_function"]


def test_an_unknown_name_offers_the_loss_layer_it_resembles(cli, tmp_path):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--loss", "MeanAbsoluteLoss")
    assert ran.code == 1 and ran.err.count("\n") == 1
    assert ("--loss 'MeanAbsoluteLoss' is neither an output port nor a loss layer; give the layer itself: "
            "MeanAbsoluteLossLayer; the outputs are Output") in ran.err
    assert not (tmp_path / "out").exists()


def test_an_unknown_name_as_a_terms_loss_is_worded_by_the_flag(cli):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--loss", "{Output: {loss: MeanAbsLoss}}")
    assert ran.code == 1 and "loss_function" not in ran.err
    assert ("--loss: the loss of 'Output', 'MeanAbsLoss', is neither the port's own name (the output is the loss) nor "
            "a loss layer (did you mean 'MeanAbsoluteLossLayer'?)") in ran.err


LOSS_ONLY = """\
netgraph: 1
layers: {h: {type: LinearLayer, output: 1}, loss: MeanSquaredLossLayer}
inputs: {Input: [3], Target: [1]}
outputs: {Loss: null}
edges: [Input -> h -> loss.Input, Target -> loss.Target, loss -> Loss]
"""


@pytest.mark.parametrize("flags, flag", [(["--metrics", "Accuracy"], "--metrics"),
                                          (["--stop-on", "MeanSquaredError"], "--stop-on")])
def test_a_metric_on_a_net_whose_outputs_are_all_losses_is_worded_by_its_flag(cli, flags, flag):
    """"metric 'Accuracy' needs an output port that is not a loss; ..." named no flag, so a user who gave both
    --metrics and --stop-on could not tell which one to change."""
    cli.spec(LOSS_ONLY), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1", *flags)
    assert ran.code == 1 and ran.err.count("\n") == 1
    assert f"netgraph train: {flag}: metric " in ran.err and "needs an output port that is not a loss" in ran.err


def test_a_loss_layer_with_options_alone_is_that_layer_on_the_one_output(cli, tmp_path):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--loss",
              "{type: MeanSquaredLossLayer, input: 1}")
    assert ran.code == 0, ran.err
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out2", "--quiet", "--loss", "{type: MeanSquaredLoss}")
    assert ran.code == 1 and "type 'MeanSquaredLoss', is no loss layer (did you mean 'MeanSquaredLossLayer'?)" in ran.err


@pytest.mark.parametrize("keras, ours, layer", [
    ("mse", "MeanSquaredLossLayer", "MeanSquaredLossLayer on"),
    ("binary_crossentropy", "{type: CrossEntropyLossLayer, form: Binary}", "CrossEntropyLossLayer on")])
@pytest.mark.parametrize("written", ["{keras}", "{{Output: {keras}}}"], ids=["alone", "term"])
def test_a_keras_loss_name_says_which_loss_layer_to_write(cli, tmp_path, keras, ours, layer, written):
    """Found by QA with Keras habits: net_train(loss_function='mse') said Keras's 'mse' is MeanSquaredLossLayer(), the
    command line only that 'mse' is no loss layer. The loss it names, written as --loss takes it, trains."""
    cli.spec(), cli.data(random=True)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--loss", written.format(keras=keras))
    assert ran.code == 1 and ran.err.count("\n") == 1
    assert f"nor a loss layer; Keras's {keras!r} is {ours} here; " in ran.err
    cli.data()  # targets of ones: a probability, as a binary cross-entropy takes, and so are the outputs:
    cli.spec("netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1}, p: {type: ElementwiseLayer, "
             "function: LogisticSigmoid}}\ninputs: {Input: [3]}\n")  # (it relied on the generator's state: 1 in 2)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1",
              "--loss", written.format(keras=ours))
    assert ran.code == 0, ran.err
    described = json.loads((tmp_path / "out" / "results.json").read_text())["loss_function"]
    assert layer in described

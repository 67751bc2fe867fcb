"""Four models ported from PyTorch as a user would (README only): a CNN classifier, a character language model, a
pre-norm transformer encoder block over sequences of any length and a VAE. Each is built in Python and in YAML and
(a) equals its handwritten torch twin on the same arrays, float32 and float64, called and compiled; (b) trains by
``net_train`` through the same losses as a handwritten loop with the same optimizer and draws; (c) saves, loads,
round-trips its YAML, draws itself and runs in onnxruntime as the net does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import NetGraph, NetPort, MeanSquaredLossLayer, export_onnx, load, net_initialize, net_train, save
from tests.onnx_helpers import run_onnx
from tests.ported_models import (CNN_YAML, LM_YAML, TRANSFORMER_YAML, VAE_YAML, HandCnn, HandLm, HandVae,
                                 VOCABULARY, cnn, language_model, seeded_rounds, torch_encoder_layer, transformer, vae)

DTYPES = [torch.float32, torch.float64]


def _tolerance(dtype):
    return dict(atol=1e-5, rtol=1e-4) if dtype == torch.float32 else dict(atol=1e-11, rtol=1e-9)


def _precision(dtype):
    return "float64" if dtype == torch.float64 else None


def _both_builds(python_net, yaml_text, tmp_path, example, **call):
    """The Python net and the YAML spec's, initialised alike, compute the same (``call``: options of the call)."""
    path = tmp_path / "model.yaml"
    path.write_text(yaml_text)
    ours, theirs = net_initialize(python_net, seed=0), net_initialize(NetGraph.from_yaml(path), seed=0)
    assert theirs.port_types == ours.port_types
    torch.manual_seed(0)
    expected = ours(example, **call)
    torch.manual_seed(0)
    torch.testing.assert_close(theirs(example, **call), expected, atol=0, rtol=0)
    return ours


def _saved_loaded_drawn(net, tmp_path, example, **call):
    """save/load, the YAML round trip and the diagram keep the net; returns the ONNX file's path."""
    save(net, tmp_path / "trained.yaml")
    back = load(tmp_path / "trained.yaml")
    assert back == net and NetGraph.from_yaml(net.to_yaml()) == net
    torch.manual_seed(0)
    ours = net(example, **call)
    torch.manual_seed(0)
    torch.testing.assert_close(back(example, **call), ours, atol=0, rtol=0)
    svg = net.render(tmp_path / "net.svg").read_text()
    assert svg.startswith("<?xml") and all(name in svg for name in net.layers)
    export_onnx(net, tmp_path / "net.onnx")
    return tmp_path / "net.onnx"


def test_cnn_equals_torch_float32_and_float64(tmp_path):
    net = _both_builds(cnn(), CNN_YAML, tmp_path, torch.randn(3, 1, 28, 28))
    for dtype in DTYPES:
        module = net.compile().to(dtype)
        with torch.no_grad():
            module.bn1.MovingMean.copy_(torch.randn(4))
            module.bn1.MovingVariance.copy_(torch.rand(4) + 0.5)
        hand = HandCnn().to(dtype).take(module)
        x = torch.randn(5, 1, 28, 28, dtype=dtype)
        torch.testing.assert_close(module.eval()(x), hand.eval()(x), **_tolerance(dtype))
        torch.testing.assert_close(module.to_net()(x, precision=_precision(dtype)), hand(x), **_tolerance(dtype))
        module.train(), hand.train()
        torch.manual_seed(1)
        ours = module(x)
        torch.manual_seed(1)
        torch.testing.assert_close(ours, hand(x), **_tolerance(dtype))  # the same dropout, batch statistics
        torch.testing.assert_close(module.bn1.MovingVariance, hand.bn1.running_var, **_tolerance(dtype))


def test_cnn_trains_as_torch_and_exports(tmp_path):
    net = net_initialize(cnn(), seed=0)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 1, 28, 28, generator=g), torch.randint(0, 10, (30,), generator=g)
    results = net_train(net, {"Input": x, "Target": y}, "All", max_training_rounds=3, batch_size=16, method="SGD",
                        learning_rate=0.1, random_seed=3, progress=False)
    hand = HandCnn().take(net.compile()).train()
    optimizer, losses = torch.optim.SGD(hand.parameters(), lr=0.1), []
    for order in seeded_rounds(3, 3, 30):
        total = 0.0
        for batch in order.split(16):  # 16 examples, then the 14 left
            p = hand(x[batch])
            loss = -p.gather(1, y[batch, None]).clamp_min(1e-12).log().mean()
            optimizer.zero_grad(), loss.backward(), optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / 30)  # a round's loss: the mean over its examples
    assert results["RoundLossList"] == pytest.approx(losses, rel=1e-5)
    trained = results["TrainedNet"]
    torch.testing.assert_close(trained.layers["fc"].arrays["Weights"], hand.fc.weight.detach(), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(trained.layers["bn1"].arrays["MovingMean"], hand.bn1.running_mean, atol=1e-6, rtol=1e-5)
    path = _saved_loaded_drawn(trained, tmp_path, x[:4])
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x[:4]})[0]), trained(x[:4]), atol=1e-6,
                               rtol=1e-5)


def test_language_model_equals_torch_on_padded_and_ragged_texts(tmp_path):
    net = _both_builds(language_model(), LM_YAML, tmp_path, torch.randint(0, 10, (2, 5)), decoder=None)
    for dtype in DTYPES:
        module = net.compile().to(dtype)
        hand, x = HandLm(module), torch.randint(0, 10, (4, 7))
        torch.testing.assert_close(module(x), hand(x), **_tolerance(dtype))
        torch.testing.assert_close(net(x, precision=_precision(dtype), decoder=None), hand(x), **_tolerance(dtype))
    hand, texts = HandLm(net.compile()), ["abc", "hgfedcba", "a"]
    for text, ours in zip(texts, net(texts, decoder=None)):
        indices = torch.tensor([[VOCABULARY.index(c) + 2 for c in text]])  # 0 is padding, 1 unknown
        torch.testing.assert_close(ours, hand(indices)[0], **_tolerance(torch.float32))
    labels = ["<pad>", "<unk>", *VOCABULARY]
    assert net("abc") == [labels[i] for i in hand(torch.tensor([[2, 3, 4]]))[0].argmax(-1).tolist()]


def test_language_model_trains_as_torch_and_exports(tmp_path):
    net = net_initialize(language_model(), seed=0)
    sequences = torch.randint(2, 10, (32, 9), generator=torch.Generator().manual_seed(0))
    x, y = sequences[:, :-1], sequences[:, 1:]  # the next character at every step
    results = net_train(net, {"Input": x, "Target": y}, "All", max_training_rounds=4, batch_size=32, method="Adam",
                        learning_rate=0.01, random_seed=1, progress=False)
    hand = HandLm(net.compile())
    optimizer, losses = torch.optim.Adam([p for p in hand.parameters() if p.requires_grad], lr=0.01), []
    for _ in range(4):
        loss = -hand(x).gather(2, y[..., None]).clamp_min(1e-12).log().mean()
        optimizer.zero_grad(), loss.backward(), optimizer.step()
        losses.append(loss.item())
    assert results["RoundLossList"] == pytest.approx(losses, rel=1e-5)
    trained = results["TrainedNet"]
    path = _saved_loaded_drawn(trained, tmp_path, x[:3], decoder=None)
    assert load(tmp_path / "trained.yaml")("abca") == trained("abca")
    longer = torch.randint(0, 10, (3, 11))
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": longer})[0]),
                               trained(longer, decoder=None), atol=1e-6, rtol=1e-5)


def test_transformer_block_equals_torch_encoder_layer_at_any_length(tmp_path):
    net = _both_builds(transformer(), TRANSFORMER_YAML, tmp_path, torch.randn(2, 4, 16))
    for dtype in DTYPES:
        module = net.compile().to(dtype)
        theirs = torch_encoder_layer(module).eval()
        for length in (1, 6):
            x = torch.randn(3, length, 16, dtype=dtype)
            torch.testing.assert_close(module(x), theirs(x), **_tolerance(dtype))
            torch.testing.assert_close(net(x, precision=_precision(dtype)), theirs(x), **_tolerance(dtype))
    g = torch.Generator().manual_seed(0)
    sequences = [torch.randn(n, 16, generator=g) for n in (5, 2, 7)]
    for x, ours in zip(sequences, net(sequences)):
        torch.testing.assert_close(ours, theirs.float()(x[None])[0], **_tolerance(torch.float32))


def test_transformer_block_trains_on_ragged_sequences_as_torch_and_exports(tmp_path):
    """A loss layer inside the net trains on padded batches of any lengths: each example's loss is its own mean."""
    net = net_initialize(transformer(), seed=0)
    with_loss = NetGraph({"block": net, "loss": MeanSquaredLossLayer()},
                         [("block", "loss"), (NetPort("Target"), NetPort("loss", "Target"))])
    g = torch.Generator().manual_seed(0)
    xs, ys = ([torch.randn(n, 16, generator=g) for n in (5, 2, 7, 3)] for _ in range(2))
    results = net_train(with_loss, {"Input": xs, "Target": ys}, "All", max_training_rounds=3, batch_size=4,
                        method="SGD", learning_rate=0.1, random_seed=0, progress=False)
    theirs = torch_encoder_layer(net.compile())
    optimizer, losses = torch.optim.SGD(theirs.parameters(), lr=0.1), []
    for _ in range(3):
        loss = torch.stack([(theirs(x[None])[0] - y).square().mean() for x, y in zip(xs, ys)]).mean()
        optimizer.zero_grad(), loss.backward(), optimizer.step()
        losses.append(loss.item())
    assert results["RoundLossList"] == pytest.approx(losses, rel=1e-5)
    trained = results["TrainedNet"]
    torch.testing.assert_close(torch_encoder_layer(trained.compile(), prefix="block.").state_dict(),
                               theirs.state_dict(), atol=1e-6, rtol=1e-5)
    block = trained.layers["block"]
    path = _saved_loaded_drawn(block, tmp_path, torch.randn(2, 4, 16))
    for length in (3, 9):
        x = torch.randn(2, length, 16)
        torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), block(x), atol=1e-5,
                                   rtol=1e-4)


def test_vae_equals_torch_with_the_same_draws(tmp_path):
    net = _both_builds(vae(), VAE_YAML, tmp_path, torch.randn(2, 6))
    for dtype in DTYPES:
        module = net.compile().to(dtype)
        hand, x = HandVae(module), torch.randn(5, 6, dtype=dtype)
        for ours in (module, lambda x: net(x, precision=_precision(dtype))):
            torch.manual_seed(4)
            got = ours(x)
            torch.manual_seed(4)
            torch.testing.assert_close(got, hand(x), **_tolerance(dtype))


def test_vae_trains_as_torch_with_the_same_draws_and_exports(tmp_path):
    net = net_initialize(vae(), seed=0)
    x = torch.randn(32, 6, generator=torch.Generator().manual_seed(0))
    results = net_train(net, {"Input": x}, "All", max_training_rounds=4, batch_size=32, method="Adam",
                        learning_rate=0.01, random_seed=5, progress=False)
    hand = HandVae(net.compile())
    optimizer, losses = torch.optim.Adam(hand.parameters(), lr=0.01), []
    for order in seeded_rounds(5, 4, 32):
        outputs = hand(x[order])
        loss = (outputs["Reconstruction"] + outputs["KL"]).mean()  # two loss outputs, weight 1 each
        optimizer.zero_grad(), loss.backward(), optimizer.step()
        losses.append(loss.item())
    assert results["RoundLossList"] == pytest.approx(losses, rel=1e-5)
    trained = results["TrainedNet"]
    path = _saved_loaded_drawn(trained, tmp_path, x[:4])
    reconstruction, kl = run_onnx(path, {"Input": x[:4]})
    torch.testing.assert_close(torch.from_numpy(kl), trained(x[:4])["KL"], atol=1e-6, rtol=1e-5)
    assert reconstruction.shape == (4,) and np.isfinite(reconstruction).all()

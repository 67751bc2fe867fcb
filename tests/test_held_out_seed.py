"""validation_set=<fraction>: one rule holds out the examples of labels (encoded data) and of tensors alike."""

from __future__ import annotations

import torch

from netgraph import ClassDecoder, LinearLayer, NetChain, SoftmaxLayer, net_initialize, net_train

LABELS = ["a", "b", "c"]


def _validation_losses(encoded: bool, torch_seed: int, initialized: bool = False) -> list[float]:
    """One round on ten examples, three held out, without random_seed: the held-out examples come from the seed
    drawn from torch's RNG (``torch_seed``). Labels through a ClassDecoder, or the same data as class indices."""
    x = torch.arange(30, dtype=torch.float32).reshape(10, 3) / 30
    y = [i % 3 for i in range(10)]
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=3, **({"output": ClassDecoder(LABELS)} if encoded else {}))
    net = net_initialize(net, seed=0) if initialized else net
    target = [LABELS[i] for i in y] if encoded else torch.tensor(y)
    torch.manual_seed(torch_seed)
    result = net_train(net, {"Input": x, "Target": target}, validation_set=0.3, max_training_rounds=1,
                       batch_size=10, progress=False, all=True)
    return result.validation_losses


def test_labels_and_tensors_hold_out_the_same_examples_without_random_seed():
    """Encoded data held out with seed 0 when no random_seed was given, tensors with the seed drawn from torch's
    RNG: the same data as labels or as class indices validated on other examples (and a resumed run of labels,
    which takes the run's drawn seed, held out others than the run it continued)."""
    for torch_seed in (1, 2, 3):
        assert _validation_losses(True, torch_seed) == _validation_losses(False, torch_seed)


def test_without_random_seed_the_held_out_examples_follow_torch_s_rng():
    """The net's arrays given and one batch a round: only the examples held out tell the runs apart (120 ways to
    hold out 3 of 10), so six seeds that all validate alike would mean a held-out part fixed whatever the seed."""
    losses = {round(_validation_losses(True, s, initialized=True)[0], 5) for s in range(6)}
    assert len(losses) > 1


def test_a_resumed_run_of_labels_without_random_seed_holds_out_the_examples_the_run_held_out(tmp_path):
    """The run held out with seed 0, its resumption with the run's drawn seed (kept in the checkpoint): another
    validation set from the checkpoint on, so the resumed run differed from the uninterrupted one."""
    x = torch.arange(30, dtype=torch.float32).reshape(10, 3) / 30
    data = {"Input": x, "Target": [LABELS[i % 3] for i in range(10)]}
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], input=3, output=ClassDecoder(LABELS)), seed=0)
    options = dict(validation_set=0.3, batch_size=4, progress=False, all=True)
    torch.manual_seed(7)
    whole = net_train(net, data, max_training_rounds=4, **options)
    torch.manual_seed(7)
    net_train(net, data, max_training_rounds=2, checkpoint=tmp_path, **options)
    rest = net_train(net, data, max_training_rounds=4, checkpoint=tmp_path, resume=True, **options)
    assert rest.validation_losses == whole.validation_losses


def test_a_zero_dim_tensor_or_array_is_a_fraction_as_a_float_is():
    """validation_set=torch.tensor(0.2) was read as validation data, not the fraction 0.2 (QA)."""
    import numpy as np
    x = torch.arange(30, dtype=torch.float32).reshape(10, 3) / 30
    data = {"Input": x, "Target": torch.tensor([i % 3 for i in range(10)])}
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], input=3), seed=0)

    def losses(fraction):
        return net_train(net, data, validation_set=fraction, max_training_rounds=2, batch_size=10, progress=False,
                         random_seed=4, all=True).validation_losses

    want = losses(0.3)
    assert len(want) == 2
    for fraction in (torch.tensor(0.3), torch.tensor(0.3, dtype=torch.float64), np.array(0.3), np.float64(0.3),
                     np.float32(0.3), np.array(0.3, dtype=np.float32)):  # 32-bit 0.3: 3 of 10 held out, not 4
        assert losses(fraction) == want


def test_without_random_seed_the_global_rng_moves_by_the_one_draw_of_the_seed():
    """The README said net_train leaves the global RNG as it found it; without random_seed it draws its seed from it
    (one draw, so that two calls in a row train differently): the state after is that draw's, no more."""
    x, y = torch.arange(64, dtype=torch.float32).reshape(32, 2) / 64, torch.arange(32) % 3
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], input=2), seed=0)
    torch.manual_seed(123)
    a = net_train(net, (x, y), max_training_rounds=1, batch_size=4, progress=False)  # shuffled: the seed tells
    after_one = torch.get_rng_state()
    torch.manual_seed(123)
    torch.randint(0, 2**62, ())  # the seed's draw
    assert torch.equal(after_one, torch.get_rng_state())
    b = net_train(net, (x, y), max_training_rounds=1, batch_size=4, progress=False)
    assert not torch.equal(a.layers["1"].arrays["Weights"], b.layers["1"].arrays["Weights"])


def test_a_fraction_holds_out_its_share_of_the_decimal_written_not_of_its_float_rounding():
    # 0.07 * 100 is 7.000000000000001 in floats: ceil held out 8 examples of 100, not 7 (0.14 of 50 likewise)
    import pytest
    from netgraph import OptionError
    from netgraph.train.data_split import held_out

    for n, fraction, kept in [(100, 0.07, 93), (50, 0.14, 43), (10, 0.25, 7), (3, 0.5, 1)]:
        training, validation = held_out(n, fraction, 0)
        assert (len(training), len(validation)) == (kept, n - kept)
    x = torch.rand(100, 2, generator=torch.Generator().manual_seed(0))
    r = net_train(NetChain([LinearLayer(1)], input=2), {"Input": x, "Target": x[:, :1]}, validation_set=0.07,
                  max_training_rounds=1, random_seed=0, progress=False, all=True)
    assert r.examples_processed == 93
    with pytest.raises(OptionError, match="leaves 0 training examples"):
        held_out(10, 0.95, 0)   # ceil(9.5): a fraction's share still rounds up

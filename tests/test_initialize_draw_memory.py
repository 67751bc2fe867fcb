"""net_initialize draws the default weights without a copy of them all beside the arrays: it drew every waiting
weight into one flat tensor and copied each piece out, so that its peak memory was twice the arrays' (LinearLayer(8192)
on 8192: +515 MB where nn.Linear takes +257 MB), and the init_elements budget allowed half what it said. The numbers
drawn for a seed are unchanged (one stream, drawn in parts)."""

import pytest
import torch

from netgraph import LinearLayer, NetChain, net_initialize
from netgraph.backend import initialize


@pytest.fixture
def draw_sizes(monkeypatch):
    """The number of elements of every torch.rand call during the test."""
    sizes, rand = [], torch.rand

    def spy(*shape, **options):
        drawn = rand(*shape, **options)
        sizes.append(drawn.numel())
        return drawn
    monkeypatch.setattr(torch, "rand", spy)
    return sizes


def _net():
    return NetChain([LinearLayer(512), LinearLayer(512), *[LinearLayer(4) for _ in range(20)]], Input=256)


def test_no_draw_holds_more_than_one_large_weight(draw_sizes, monkeypatch):
    monkeypatch.setattr(initialize, "_DRAWN_TOGETHER", 2**16)  # below the net's weights' total (the default: 2**22)
    net = net_initialize(_net(), seed=0)
    weights = [x.numel() for name, x in net.compile().state_dict().items() if name.endswith("Weights")]
    largest = max(weights)
    assert largest == 512 * 512 and draw_sizes  # the weights were drawn here
    assert max(draw_sizes) <= max(largest, initialize._DRAWN_TOGETHER)
    assert sum(draw_sizes) == sum(weights) and len(draw_sizes) > 2


@pytest.mark.parametrize("drawn_together", [2**22, 2**16, 1])
def test_drawn_numbers_are_one_seeded_stream(drawn_together, monkeypatch):
    """Each weight is its slice of one uniform stream, scaled by (3 / fan_in) ** 0.5, however the stream is cut."""
    monkeypatch.setattr(initialize, "_DRAWN_TOGETHER", drawn_together)
    net = net_initialize(_net(), seed=5)
    weights = [x for name, x in net.compile().state_dict().items() if name.endswith("Weights")]
    generator = torch.Generator().manual_seed(5)
    stream = torch.rand(sum(w.numel() for w in weights), generator=generator).mul_(2).sub_(1)
    begin = 0
    for w in weights:
        expected = stream[begin:begin + w.numel()].view(w.shape) * (3.0 / w.shape[1]) ** 0.5
        assert torch.equal(w, expected)
        assert w.untyped_storage().nbytes() == w.numel() * w.element_size()  # its own storage
        begin += w.numel()

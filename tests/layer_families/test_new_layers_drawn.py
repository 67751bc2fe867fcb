"""Every layer added for Wolfram users draws: its node carries its name, type and every port (both backends)."""

from __future__ import annotations

import pytest

from netgraph import (CTCLossLayer, ContrastiveLossLayer, DeconvolutionLayer, ExtractLayer, FunctionLayer, NetGraph,
                      NormalizationLayer, PaddingLayer, ParametricRampLayer, ResizeLayer, ThreadingLayer)
from tests.test_render import HAS_DOT, check_content

NETS = {
    "deconvolution": lambda: NetGraph({"up": DeconvolutionLayer(4, 2, stride=2)}, Input=(3, 5, 5)),
    "padding": lambda: NetGraph({"pad": PaddingLayer([0, 1, 1], padding="Reflected")}, Input=(3, 5, 5)),
    "resize": lambda: NetGraph({"rs": ResizeLayer([8, 8])}, Input=(3, 5, 5)),
    "normalization": lambda: NetGraph({"norm": NormalizationLayer()}, Input=(3, 5, 5)),
    "ramp": lambda: NetGraph({"prelu": ParametricRampLayer()}, Input=(3, 5)),
    "extract": lambda: NetGraph({"ex": ExtractLayer()}, Input=(3, 5), Position=1),
    "contrastive": lambda: NetGraph({"loss": ContrastiveLossLayer()}, Input=(), Target=()),
    "ctc": lambda: NetGraph({"ctc": CTCLossLayer()}, Input=(6, 4)),
    "threading": lambda: NetGraph({"times": ThreadingLayer("Times", -1)}, Input1=(3, 5), Input2=3),
    "outputs": lambda: NetGraph({"stats": FunctionLayer('<|"mean" -> Mean[#x], "top" -> Part[#x, 1]|>')}, x=(3, 5)),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_new_layer_draws_with_its_ports(name):
    net = NETS[name]()
    for backend in ("builtin", *(["dot"] if HAS_DOT else [])):
        check_content(net, net.render_svg(backend=backend))

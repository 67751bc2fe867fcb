"""The summary (``net.information()``, ``netgraph summary``) counted every array as a parameter: a TorchLayer holding
``nn.BatchNorm1d(4)`` showed 17 parameters, its running statistics and batch counter included, where torch counts 8.
Buffers (a BatchNorm's moving statistics, native or torch's) are now counted apart, as torch's module has them."""

from __future__ import annotations

import torch

from netgraph import BatchNormalizationLayer, LinearLayer, NetChain, TorchLayer, net_initialize
from netgraph.core.summary import buffer_count, one_line, parameter_count, summary_table


def _rows(lines: list[str]) -> dict[str, list[str]]:
    """The table's cells by layer name ('total' for the total row)."""
    return {cells[0] if cells[0] == "total" else cells[1]: cells for cells in map(str.split, lines)}


def _net():
    return NetChain({"lin": LinearLayer(4), "torch_bn": TorchLayer(torch.nn.BatchNorm1d(4)),
                     "bn": BatchNormalizationLayer()}, input=3)


def _torch_counts(module: torch.nn.Module) -> tuple[int, int]:
    """(parameter elements, elements of the rest of the state: buffers), as torch counts them."""
    params = dict(module.named_parameters())
    return (sum(p.numel() for p in params.values()),
            sum(v.numel() for k, v in module.state_dict().items() if k not in params))


def test_parameters_and_buffers_are_counted_as_torch_counts_them():
    net = _net()
    module = net_initialize(net, seed=0).compile()
    assert (parameter_count(net), buffer_count(net)) == _torch_counts(module)


def test_a_torch_layer_s_row_lists_its_buffers_apart():
    bn = torch.nn.BatchNorm1d(4)
    params, buffers = _torch_counts(bn)
    net = _net()
    rows = _rows(summary_table(net).splitlines()[1:])
    assert rows["torch_bn"][-2:] == [str(params), str(buffers)]
    assert summary_table(net).splitlines()[0].split()[-2:] == ["parameters", "buffers"]
    assert rows["total"][-2:] == [str(parameter_count(net)), str(buffer_count(net))]
    assert one_line(net).endswith(f"3 layers, {parameter_count(net)} parameters, {buffer_count(net)} buffer elements")


def test_a_net_without_buffers_has_no_buffers_column():
    net = NetChain([LinearLayer(2)], input=3)
    assert "buffers" not in summary_table(net) and "buffer" not in one_line(net)
    assert buffer_count(net) == 0


def test_a_layer_of_unknown_shape_without_buffers_adds_no_unknown_buffer_count():
    """NetChain([LinearLayer(3), "Tanh"]) without input= said "unknown number of parameters, unknown number of buffer
    elements" and drew a buffers column of '?': a LinearLayer has no buffers whatever its shapes."""
    net = NetChain([LinearLayer(3), "Tanh"])
    assert buffer_count(net) == 0 and parameter_count(net) is None
    assert one_line(net).endswith("2 layers, unknown number of parameters") and "buffers" not in summary_table(net)
    assert str(LinearLayer(3).information()).splitlines()[0].endswith("; unknown number of parameters")
    unsized = NetChain([BatchNormalizationLayer(), LinearLayer(3)])  # the size of its buffers is unknown
    assert buffer_count(unsized) is None and "unknown number of buffer elements" in one_line(unsized)


def test_netgraph_summary_lists_buffers_apart(cli):
    spec = cli.spec("netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 2}, bn: "
                    "BatchNormalizationLayer}\ninputs: {Input: [3]}\n")
    ran = cli("summary", spec)
    assert ran.code == 0 and "2 layers, 12 parameters, 4 buffer elements" in ran.out, ran.out
    rows = {name: cells[-2:] for name, cells in _rows(ran.out.splitlines()[2:]).items()}
    assert rows == {"h": ["8", "0"], "bn": ["4", "4"], "total": ["12", "4"]}


def test_a_layer_s_information_counts_its_buffers_apart():
    bn = torch.nn.BatchNorm1d(4)
    params, buffers = _torch_counts(bn)
    first = str(TorchLayer(bn, inputs={"Input": 4}).information()).splitlines()[0]
    assert first.endswith(f"; {params} parameters, {buffers} buffer elements"), first

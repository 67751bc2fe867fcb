"""The summary of a net with thousands of graph inputs (or a merge of thousands of branches): the total row lists
every port, and padding every layer row to its width built text quadratic in the ports (8,000 inputs: 7.4 s).
Only the rows shown are formatted now (counted, not timed); the text is unchanged."""

from __future__ import annotations

from netgraph import ElementwiseLayer, NetGraph, NetPort
from netgraph.core import summary

N = 2000


def many_inputs(n: int) -> NetGraph:
    named = {f"l{i}": ElementwiseLayer("Tanh") for i in range(n)}
    return NetGraph(named, [(NetPort(f"x{i}"), f"l{i}") for i in range(n)], **{f"x{i}": 4 for i in range(n)})


def test_only_the_rows_shown_are_padded(monkeypatch):
    calls = [0]
    real = summary._width

    def counted(text):
        calls[0] += 1
        return real(text)
    monkeypatch.setattr(summary, "_width", counted)
    text = str(many_inputs(N).information())
    # each of a row's 6 cells measured once for the column widths, its 4 cut ones once as they are cut, the padding
    # for 22 rows; padding every row made 6 more a row
    assert calls[0] <= 10 * (N + 2) + 6 * 30
    assert f"   ... {N - 19} more layers ..." in text and text.count("\n") < 30


def test_the_cut_table_is_the_full_table_cut():
    net = many_inputs(30)
    full = summary.summary_table(net).split("\n")
    cut = [*full[:11], "   ... 11 more layers ...", *full[-10:]]
    assert summary.summary_table(net, 20).split("\n") == cut
    assert summary.summary_table(net, 40) == summary.summary_table(net)


def test_calling_a_net_with_thousands_of_inputs_reads_the_port_types_a_few_times(monkeypatch):
    """``net.port_types`` is a fresh dict on each read: read once per given port, net(data) was quadratic in the
    ports (8,000 inputs: 3.4 s, now 1.0 s, most of it Python matching 8,000 keyword arguments)."""
    import torch

    net = many_inputs(300)
    reads = [0]
    real = NetGraph.port_types

    def counted(self):
        reads[0] += 1
        return real.fget(self)
    monkeypatch.setattr(NetGraph, "port_types", property(counted))
    out = net({f"x{i}": torch.ones(2, 4) for i in range(300)})
    assert reads[0] <= 10
    assert len(out) == 300 and torch.allclose(out["Output1"], torch.tanh(torch.ones(2, 4)))

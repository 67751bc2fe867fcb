"""plot_losses(...png) closes its matplotlib figure however the plot ends: pyplot keeps every figure open until it is
closed, so each failed write (a full disk) left one behind, and a long session piled them up (and matplotlib warns
past 20). matplotlib itself is optional: a stand-in pyplot records what is opened and closed."""

from __future__ import annotations

import errno
import sys
import types
from unittest import mock

import pytest

from netgraph import LinearLayer, NetChain, NetGraphError, net_initialize, net_train


class _Figure:
    def __init__(self, fails: bool):
        self.fails = fails

    def savefig(self, file, **options) -> None:
        if self.fails:
            raise OSError(errno.ENOSPC, "No space left on device")
        file.write(b"\x89PNG")


def _pyplot(monkeypatch, fails: bool = False, drawing_fails: bool = False) -> types.SimpleNamespace:
    """A stand-in matplotlib whose figure's write fails (``fails``) or whose drawing does; ``opened``, ``closed``."""
    axes = mock.MagicMock()
    if drawing_fails:
        axes.plot.side_effect = ValueError("cannot draw")
    pyplot = types.SimpleNamespace(opened=[], closed=[])

    def subplots(rows, columns, **options):
        pyplot.opened.append(_Figure(fails))
        return pyplot.opened[-1], [[axes] for _ in range(rows)]
    pyplot.subplots, pyplot.close = subplots, pyplot.closed.append
    matplotlib = types.ModuleType("matplotlib")
    matplotlib.use, matplotlib.pyplot = (lambda backend: None), pyplot
    monkeypatch.setitem(sys.modules, "matplotlib", matplotlib)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    return pyplot


@pytest.fixture(scope="module")
def results():
    net = net_initialize(NetChain([LinearLayer(1)], input=2), seed=0)
    return net_train(net, {"Input": [[1.0, 2.0]] * 4, "Target": [[1.0]] * 4}, max_training_rounds=2,
                     metrics=["MeanAbsoluteError"], random_seed=0, progress=False, all=True)


def test_a_failed_png_write_closes_its_figure_and_leaves_no_file(results, monkeypatch, tmp_path):
    pyplot = _pyplot(monkeypatch, fails=True)
    with pytest.raises(NetGraphError, match=r"cannot write the loss plot to .*losses\.png': No space left") as caught:
        results.plot_losses(tmp_path / "losses.png")
    assert caught.value.kind == "unwritable-file"
    assert len(pyplot.opened) == 1 and pyplot.closed == pyplot.opened
    assert list(tmp_path.iterdir()) == []


def test_a_drawing_that_fails_closes_its_figure(results, monkeypatch, tmp_path):
    pyplot = _pyplot(monkeypatch, drawing_fails=True)
    with pytest.raises(ValueError, match="cannot draw"):
        results.plot_losses(tmp_path / "losses.png")
    assert len(pyplot.opened) == 1 and pyplot.closed == pyplot.opened


def test_a_written_png_closes_its_figure_and_replaces_the_file_atomically(results, monkeypatch, tmp_path):
    pyplot = _pyplot(monkeypatch)
    stale = tmp_path / ".losses.png.0123456789ab.tmp"  # a killed plot's temporary
    stale.write_bytes(b"half")
    assert results.plot_losses(tmp_path / "losses.png").read_bytes() == b"\x89PNG"
    assert len(pyplot.opened) == 1 and pyplot.closed == pyplot.opened
    assert [p.name for p in tmp_path.iterdir()] == ["losses.png"]

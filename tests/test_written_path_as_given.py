"""``save``, ``export_onnx`` and ``render`` return the path they were given: a link's, not the file it leads to
(which each writes through, leaving the link in place)."""

from __future__ import annotations

import os

import pytest

from netgraph import NetChain, net_initialize, save
from netgraph.render import render
from netgraph.export import export_onnx



@pytest.mark.parametrize("write, name", [(save, "net.yaml"), (export_onnx, "net.onnx"), (render, "net.dot")])
def test_a_linked_output_path_is_returned_as_given(tmp_path, write, name):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / name
    target.write_bytes(b"old")
    link = tmp_path / f"link {name}"  # a space in the name, too
    link.symlink_to(target)
    net = net_initialize(NetChain([3, "Tanh"], input=4), seed=0)
    returned = write(net, str(link))
    assert returned == link and link.is_symlink()
    assert target.read_bytes() != b"old"  # written through the link


@pytest.mark.parametrize("write, name", [(save, "net.yaml"), (export_onnx, "net.onnx"), (render, "net.dot")])
def test_a_relative_path_is_returned_as_typed(tmp_path, monkeypatch, write, name):
    monkeypatch.chdir(tmp_path)
    net = net_initialize(NetChain([3, "Tanh"], input=4), seed=0)
    assert str(write(net, name)) == name and os.path.isfile(tmp_path / name)

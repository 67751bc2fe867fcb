"""Diagram options as the README's options table gives them: ``backend`` for each of to_dot, render_svg and
render, and what a collapsed nested graph shows of its contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgraph import OptionError
from tests.conftest import normal_reparameterization_layer


def seed():
    return normal_reparameterization_layer([0.0, 30.0], [10.0, 5.0])


@pytest.mark.parametrize("write", [
    lambda net, folder, backend: net.to_dot(backend=backend),
    lambda net, folder, backend: net.render(folder / "net.dot", backend=backend),
    lambda net, folder, backend: net.render(folder / "net.gv", backend=backend),
    lambda net, folder, backend: net.render(folder / "net.txt", format="dot", backend=backend),
])
@pytest.mark.parametrize("backend", ["builtin", "dot", "nope"])
def test_backend_with_dot_text_is_refused_the_same_way_everywhere(tmp_path, write, backend):
    """DOT text is not laid out: render(..., 'x.dot', backend=) ignored backend (any name), to_dot refused it as
    an unknown option."""
    with pytest.raises(OptionError, match=rf"backend='{backend}' picks the engine .* takes no backend"):
        write(seed(), tmp_path, backend)
    assert list(tmp_path.iterdir()) == []


def test_backend_is_taken_where_a_diagram_is_laid_out(tmp_path):
    net = seed()
    assert net.to_dot(backend=None).startswith("digraph")
    assert net.render(tmp_path / "net.dot", backend=None).read_text().startswith("digraph")
    assert net.render_svg(backend="builtin").startswith("<")
    assert net.render(tmp_path / "net.svg", backend="builtin").read_text().startswith("<")
    with pytest.raises(OptionError, match="unknown render backend 'nope'"):
        net.render(tmp_path / "x.svg", backend="nope")


def test_cli_refuses_backend_for_a_dot_file_in_one_line(tmp_path, capsys):
    from netgraph.cli import main
    spec = Path(__file__).parents[1] / "specs" / "normal_reparameterization.yaml"
    assert main(["render", str(spec), "-o", str(tmp_path / "net.dot"), "--backend", "builtin"]) == 1
    assert "takes no backend" in capsys.readouterr().err and list(tmp_path.iterdir()) == []

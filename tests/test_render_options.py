"""Diagram options as the README's options table gives them: ``backend`` for each of to_dot, render_svg and
render, what a collapsed nested graph shows of its contents, and the CLI's one-line notes for warnings."""

from __future__ import annotations

import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NormalDistribution, OptionError,
                      RandomArrayLayer, net_initialize)
from netgraph.cli import main
from netgraph.render import diagram
from netgraph.render.model import BORDER
from tests.conftest import normal_reparameterization_layer
from tests.test_render import BACKENDS, nodes_by_id, texts
from tests.subprocess_env import checkout_env


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
    spec = Path(__file__).parents[1] / "specs" / "normal_reparameterization.yaml"
    assert main(["render", str(spec), "-o", str(tmp_path / "net.dot"), "--backend", "builtin"]) == 1
    # it said "backend='builtin' ... drop backend= (--backend)", render()'s keyword
    assert capsys.readouterr().err == (f"netgraph render: --backend builtin picks the engine that lays out SVG, PNG or "
                                       f"PDF; DOT text (-o {tmp_path / 'net.dot'}) is not laid out, so it takes no "
                                       f"--backend: drop it\n")
    assert list(tmp_path.iterdir()) == []


def _drawn(net: NetGraph, backend: str, expand) -> dict[str, ET.Element]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a backend falling back says so; the content is what is checked
        return nodes_by_id(ET.fromstring(net.render_svg(backend=backend, expand=expand)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_collapsed_box_holding_a_random_layer_is_marked_and_names_it(backend):
    """A collapsed nested graph or operator looked deterministic though a layer inside draws random numbers."""
    draw = RandomArrayLayer(NormalDistribution(0, 1), output=3)
    inner = NetGraph({"noise": draw, "lin": LinearLayer(3)}, [])
    mapped = NetMapOperator(NetGraph({"r": RandomArrayLayer(NormalDistribution("#mu", 1))}, []))
    net = net_initialize(NetGraph({"g": NetGraph({"deep": inner}, []), "m": mapped,
                                   "plain": NetGraph([LinearLayer(3)], [])}, [], Input=2, mu=(3,)), seed=0)
    leaf = _drawn(net, backend, True)["L.g.deep.noise"]
    boxes = _drawn(net, backend, False)
    mark = BORDER["random"]
    assert "random" in leaf.get("class").split() and mark in ET.tostring(leaf, encoding="unicode")
    for box, inside in (("L.g", "deep/noise"), ("L.m", "net/r")):  # an inner net's layers under its option's name
        assert "random" in boxes[box].get("class").split(), box
        assert mark in ET.tostring(boxes[box], encoding="unicode"), box
        assert f"random inside: {inside}" in texts(boxes[box]), texts(boxes[box])
    assert "random" not in boxes["L.plain"].get("class").split()
    assert "random inside" not in texts(boxes["L.plain"])


def test_cli_prints_the_backend_fallback_notes_as_one_clean_line_each(tmp_path):
    """The CLI printed Python's warning format: 'path/render.py:21: UserWarning: ...' plus the source line."""
    exe = tmp_path / "dot"  # a dot that fails: the renderer falls back and says so
    exe.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n")
    exe.chmod(0o755)
    root = Path(__file__).parents[1]
    spec = root / "specs" / "normal_reparameterization.yaml"
    done = subprocess.run([sys.executable, "-m", "netgraph", "render", str(spec), "-o", str(tmp_path / "net.svg")],
                          capture_output=True, text=True, timeout=300,
                          env=checkout_env(PATH=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any("syntax error in line 1; trying the next render backend" in line for line in lines), lines
    assert any("diagrams are laid out by" in line for line in lines), lines
    assert all(line.startswith("note: ") for line in lines), lines
    assert not any("Warning" in line or ".py:" in line for line in lines), lines


def test_every_netgraph_warning_is_a_note_and_others_keep_their_format(capsys):
    from netgraph.cli import _noting
    from netgraph.layers.estimators import EstimatorWarning
    others = []
    note = _noting(lambda *args: others.append(args))
    note(EstimatorWarning("first line\nsecond line"), EstimatorWarning, "/elsewhere/user.py", 3)
    note(UserWarning("netgraph: a fallback"), UserWarning, "/elsewhere/user.py", 4)
    note(DeprecationWarning("old API"), DeprecationWarning, "/elsewhere/torch.py", 5)
    assert capsys.readouterr().err.splitlines() == ["note: first line second line", "note: a fallback"]
    assert [str(a[0]) for a in others] == ["old API"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_title_of_several_lines_or_wider_than_the_net_is_drawn_whole(backend):
    """The built-in layout drew a title's lines as one line and cut a title wider than the net at the canvas edges."""
    from netgraph import NetChain
    net = NetChain(["Tanh"], input=3)
    root = ET.fromstring(net.render_svg(backend=backend, title="first line\nsecond line"))
    lines = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")][:2]
    assert lines == ["first line", "second line"]
    caption = "A caption much wider than the one small box of this net"
    width = [float(ET.fromstring(net.render_svg(backend=backend, **title)).get("viewBox").split()[2])
             for title in ({}, {"title": caption})]
    assert width[1] > 2 * width[0]  # as wide as the caption: dot's 335 pt, the built-in layout's 375


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_expanded_operator_shows_its_own_options(backend):
    """An operator drawn as a cluster showed its name and type only: NetNestOperator's n=3 was nowhere."""
    from netgraph import GatedRecurrentLayer, LinearLayer, NetBidirectionalOperator, NetNestOperator, NetPort
    net = NetGraph({"nest": NetNestOperator(LinearLayer(3), 3),
                    "bi": NetBidirectionalOperator(GatedRecurrentLayer(2), aggregation="Plus")},
                   [(NetPort("X"), "nest"), (NetPort("Seq"), "bi")], X=3, Seq=("n", 3))
    shown = texts(ET.fromstring(net.render_svg(backend=backend)))
    assert "nest · NetNestOperator · n=3" in shown and "bi · NetBidirectionalOperator · aggregation=" in shown
    assert "NetChain" not in shown and "forward_net=" not in shown  # the inner nets are drawn, not listed


def test_expand_takes_numpy_integers_as_depths():
    """expand=np.int64(1) said 'expand must be True, False or a depth >= 0 ..., found np.int64(1)'."""
    import numpy as np
    net = NetGraph({"g": NetGraph({"h": NetGraph({"lin": LinearLayer(3)}, [])}, [])}, [], Input=2)
    for depth in (0, 1, 2):
        assert net.to_dot(expand=np.int64(depth)) == net.to_dot(expand=depth)
        assert net.to_dot(expand=np.int64(depth)).count("subgraph ") == depth
    with pytest.raises(OptionError, match=r"found -1$"):
        net.to_dot(expand=np.int32(-1))


def test_expand_takes_numpy_bools_as_bools():
    """expand=np.True_ said 'expand must be True, False or a depth >= 0 ..., found np.True_' (numpy's ints worked).
    It is a flag, not the depth 1: True draws every level, False none."""
    import numpy as np
    net = NetGraph({"g": NetGraph({"h": NetGraph({"lin": LinearLayer(3)}, [])}, [])}, [], Input=2)
    assert net.to_dot(expand=np.True_) == net.to_dot(expand=True)
    assert net.to_dot(expand=np.True_).count("subgraph ") == 2
    assert net.to_dot(expand=np.False_) == net.to_dot(expand=False)
    assert net.to_dot(expand=np.False_).count("subgraph ") == 0


def test_drawing_something_that_is_no_net_is_an_option_error(tmp_path):
    """netgraph.render's functions given anything but a net or a layer raised a raw AttributeError ('layers')."""
    from netgraph.render import render, render_svg, to_dot
    for draw in (to_dot, render_svg, lambda x: render(x, tmp_path / "x.svg")):
        with pytest.raises(OptionError, match=r"a diagram is drawn of a net \(a NetGraph or NetChain\) or a layer, "
                                              r"found 42$"):
            draw(42)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("compact", [1, 0, 1.0, "yes", None])
def test_compact_takes_only_true_false_or_auto(compact):
    """compact=1, 0 and 1.0 were taken (the check was ``in (True, False, "auto")``, where 1 == True)."""
    with pytest.raises(OptionError) as info:
        seed().to_dot(compact=compact)
    assert str(info.value) == f"compact must be True, False or 'auto', found {compact!r}"
    (d,) = info.value.diagnostics
    assert (d.kind, d.option, d.found) == ("option-value", "compact", compact)


def test_compact_takes_numpy_bools_as_bools():
    import numpy as np
    net = seed()
    assert net.to_dot(compact=np.True_) == net.to_dot(compact=True) != net.to_dot(compact=False)


@pytest.mark.parametrize("draw, typo, meant", [
    (lambda net, folder, **typo: net.render_svg(**typo), "backnd", "backend"),
    (lambda net, folder, **typo: net.render(folder / "x.svg", **typo), "formt", "format"),
    (lambda net, folder, **typo: net.render(folder / "x.dot", **typo), "formt", "format"),
])
def test_an_unknown_option_is_matched_against_every_keyword_the_call_takes(tmp_path, draw, typo, meant):
    """render_svg's backend and render's format are options too: a misspelling of them gets a suggestion and the
    list of options holds them."""
    with pytest.raises(OptionError, match=rf"unknown diagram option '{typo}' \(did you mean '{meant}'\?\); options "
                                          rf"are \[.*'{meant}'.*\]") as caught:
        draw(seed(), tmp_path, **{typo: "svg"})
    assert meant in caught.value.expected


def test_a_collapsed_operator_names_its_layers_and_arrays_as_a_collapsed_graph_does():
    """A collapsed operator said 'random inside: 1' and 'uninitialised: net.2.Weights' where a collapsed graph says
    'd/dd/z' and 'lin.Weights': now both paths by '/', the array after a '.', an inner net under its option."""
    draw = RandomArrayLayer(NormalDistribution(0, 1), output=3)
    mapped = NetMapOperator(NetChain([RandomArrayLayer(NormalDistribution("#mu", 1)), LinearLayer(3)]))
    graph = NetGraph({"d": NetGraph({"dd": NetGraph({"z": draw, "lin": LinearLayer(3)}, [])}, [])}, [])
    nodes = {n.id: n for n in diagram(NetGraph({"g": graph, "m": mapped}, [], Input=2, mu=(4, 3)), expand=False).nodes}
    assert nodes["L.g"].lines[-1] == "random inside: d/dd/z" and nodes["L.m"].lines[-1] == "random inside: net/1"
    assert nodes["L.g"].warning == "uninitialised: d/dd/lin.Weights, d/dd/lin.Biases"
    assert nodes["L.m"].warning == "uninitialised: net/2.Weights, net/2.Biases"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_long_title_is_wrapped_not_drawn_on_one_line(backend):
    """A 300-character title made a 2,000 pt wide SVG: it wraps at 80 characters, every word kept."""
    from netgraph import NetChain
    title = " ".join(f"word{i:02d}" for i in range(43))  # 300 characters
    root = ET.fromstring(NetChain(["Tanh"], input=3).render_svg(backend=backend, title=title))
    assert float(root.get("viewBox").split()[2]) < 700
    drawn = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text and t.text.startswith("word")]
    assert len(drawn) == 4 and " ".join(drawn) == title and max(map(len, drawn)) <= 80

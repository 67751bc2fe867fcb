"""Diagrams of probabilistic nets: LogProbability and KL outputs are marked, random and KL nodes say how."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from netgraph import (ExponentialDistribution, GammaDistribution, KLDivergenceLayer, NetGraph, NetPort,
                      NormalDistribution, RandomArrayLayer, SummationLayer, load)
from netgraph.render.api import diagram, render_svg, to_dot
from netgraph.render.model import FILL
from tests.test_render import ROOT, texts


def _net():
    return NetGraph({"z": RandomArrayLayer(NormalDistribution("#mu", 1.0), log_probability=True),
                     "kl": KLDivergenceLayer(GammaDistribution("#a", 1.0), ExponentialDistribution(1.0), samples=2)},
                    [], mu=3, a=2)


def test_the_model_marks_score_slots_and_labels_their_edges():
    d = diagram(_net())
    nodes = {n.id: n for n in d.nodes}
    assert nodes["L.z"].marked == ("LogProbability",) and nodes["L.kl"].marked == ("Output",)
    assert nodes["L.z"].lines[:2] == ("~ NormalDistribution(#mu, 1)", "estimator: pathwise (default)")
    assert nodes["L.kl"].lines == ("KL(p ‖ q)", "p ~ GammaDistribution(#a, 1)", "q ~ ExponentialDistribution(1)",
                                   "Monte Carlo, 2 samples")
    assert {"divergence", "random"} <= set(nodes["L.kl"].classes)  # a Monte Carlo estimate draws
    labels = {(e.src, e.src_port): e.label for e in d.edges}
    assert labels[("L.z", "LogProbability")] == "(b) log p" and labels[("L.z", "Output")] == "(b, 3)"
    assert labels[("L.kl", "Output")] == "(b) KL"


def test_builtin_svg_fills_the_marked_slots_and_shows_the_method():
    svg = render_svg(_net(), backend="builtin")
    root = ET.fromstring(svg)
    shown = texts(root)
    assert "Monte Carlo, 2 samples" in shown and "(b) log p" in shown and "(b) KL" in shown
    assert svg.count(f'fill="{FILL["score"]}"') == 2  # the LogProbability slot and the KL Output slot


def test_dot_marks_the_slots_too_and_a_closed_form_vae_says_so():
    dot = to_dot(_net())
    assert dot.count(f'BGCOLOR="{FILL["score"]}"') == 2 and "(b) log p" in dot
    vae = render_svg(load(ROOT / "specs" / "vae_elbo.yaml"), backend="builtin")
    shown = texts(ET.fromstring(vae))
    assert "closed form" in shown and "q ~ NormalDistribution(0, 1)" in shown and "(b) KL" in shown


def test_a_nested_graph_s_output_carrying_a_log_probability_or_kl_is_marked_collapsed_or_expanded():
    """A nested graph (or chain) giving a LogProbability or KL output drew its slot and edges unmarked: '(b)'."""
    z = RandomArrayLayer(NormalDistribution(0, 1), output=2, log_probability=True)
    kl = KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(0, 1))
    inner = NetGraph({"z": z, "kl": kl}, [(NetPort("z", "LogProbability"), NetPort("LP")),
                                         (NetPort("z", "Output"), NetPort("Sample")), ("kl", NetPort("KL"))], mu=2)
    outer = NetGraph({"g": NetGraph({"g2": inner}, []), "s": SummationLayer()},
                     [(NetPort("g", "LP"), "s"), (NetPort("g", "KL"), NetPort("KL"))])
    for expand, each in ((False, 1), (1, 2), (True, 3)):  # the edges out of each level drawn
        d = diagram(outer, expand=expand)
        labels = Counter(e.label for e in d.edges if e.label.endswith(("log p", "KL")))
        assert labels == {"(b) log p": each, "(b) KL": each}, (expand, labels)
        samples = [e.label for e in d.edges if e.dst.startswith("O.") and e.dst.rpartition(".")[2] == "Sample"]
        assert samples == ["(b, 2)"] * each, (expand, samples)  # into the Sample port of each level drawn
    box = next(n for n in diagram(outer, expand=False).nodes if n.id == "L.g")
    assert box.marked == ("LP", "KL")
    assert render_svg(outer, backend="builtin", expand=False).count(f'fill="{FILL["score"]}"') == 2
    assert to_dot(outer, expand=0).count(f'BGCOLOR="{FILL["score"]}"') == 2

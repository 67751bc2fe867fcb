"""The spec reader's own problems (bad YAML, unknown keys and layer types, edge syntax, references, hostile-file
limits, ...) are data like the net's: each SpecError diagnostic has a stable ``kind`` and, where the reader knows
them, the layer path, option, port, expected and found values; ``netgraph check --format json`` prints them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netgraph import SpecError
from netgraph.spec.load import load_spec

TWO = "netgraph: 1\nlayers: {a: Tanh, b: Ramp}\ninputs: {x: 3}\n"

# (name, the spec's bytes, the first problem's fields: kind and those the reader knows)
CASES = [
    ("yaml-syntax", b"netgraph: 1\nlayers: [Tanh, Ramp\n", {"kind": "yaml-syntax"}),
    ("duplicate-key", b"netgraph: 1\nlayers:\n  a: Tanh\n  a: Ramp\n", {"kind": "duplicate-key", "line": 4}),
    ("limit", b"netgraph: 1\nlayers: " + b"[" * 120 + b"]" * 120 + b"\n", {"kind": "limit"}),
    ("encoding", b"netgraph: 1\nlayers: {a: Tanh\x80}\n", {"kind": "encoding", "line": 2}),
    ("not-a-spec", b"- Tanh\n- Ramp\n", {"kind": "not-a-spec", "found": "a list"}),
    ("version", b"netgraph: 2\nlayers: {a: Tanh}\n", {"kind": "version", "expected": 1, "found": 2}),
    ("unknown-key", b"netgraph: 1\nlayers: {a: Tanh}\nedgse: []\n",
     {"kind": "unknown-key", "found": "edgse", "layer": ()}),
    ("unknown-key-nested", b"netgraph: 1\nlayers: {a: {type: NetGraph, layers: {b: Tanh}, edgse: []}}\n",
     {"kind": "unknown-key", "found": "edgse", "layer": ("a",)}),
    ("unknown-key-distribution", b"netgraph: 1\nlayers: {m: {type: NetGraph, layers: {r: {type: RandomArrayLayer, "
     b"distribution: {type: NormalDistribution, args: [0, 1], arsg: []}, output: 2}}}}\n",
     {"kind": "unknown-key", "found": "arsg", "layer": ("m", "r")}),  # the layer was None
    ("unknown-distribution", b"netgraph: 1\nlayers: {r: {type: RandomArrayLayer, distribution: {type: "
     b"NormalDistributon, args: [0, 1]}, output: 2}}\n",
     {"kind": "unknown-distribution", "found": "NormalDistributon", "layer": ("r",)}),
    ("distribution-args", b"netgraph: 1\nlayers: {r: {type: RandomArrayLayer, distribution: {type: "
     b"NormalDistribution, args: 3}, output: 2}}\n", {"kind": "value-type", "found": "an int value", "layer": ("r",)}),
    ("bare-distribution", b"netgraph: 1\nlayers: {r: {type: RandomArrayLayer, distribution: ExponentialDistribution, "
     b"output: 2}}\n", {"kind": "layer-argument", "found": "ExponentialDistribution", "layer": ("r",)}),
    ("distribution-constant", b"netgraph: 1\nlayers: {m: {type: NetGraph, layers: {r: {type: RandomArrayLayer, "
     b"distribution: {type: NormalDistribution, args: [0, -1]}, output: 2}}}}\n",
     {"kind": "option-value", "option": "sigma", "layer": ("m", "r")}),  # the layer was None
    ("array-keys", b"netgraph: 1\nlayers: {l: {type: LinearLayer, output: 2, weights: {shared: w, foo: 1}}}\n",
     {"kind": "unknown-key", "found": "foo", "expected": ("shared", "array", "dtype"), "layer": ("l",)}),
    ("array-no-values", b"netgraph: 1\nlayers: {l: {type: LinearLayer, output: 2, weights: {dtype: float64}}}\n",
     {"kind": "missing-key", "expected": ("shared", "array"), "layer": ("l",)}),
    ("array-dtype", b"netgraph: 1\nlayers: {l: {type: LinearLayer, output: 2, weights: {array: [1], dtype: f64}}}\n",
     {"kind": "option-value", "found": "f64", "layer": ("l",)}),
    ("missing-key", b"netgraph: 1\ninputs: {x: 3}\n", {"kind": "missing-key", "layer": ()}),
    ("value-type", b"netgraph: 1\nlayers: {a: Tanh}\nedges: 3\n", {"kind": "value-type", "found": "an int value"}),
    ("unknown-layer-type", b"netgraph: 1\nlayers: {a: {type: LinearLayr, output: 3}}\n",
     {"kind": "unknown-layer-type", "layer": ("a",), "found": "LinearLayr"}),
    ("not-a-layer", b"netgraph: 1\nlayers: {a: 2.5}\n", {"kind": "not-a-layer", "layer": ("a",), "found": 2.5}),
    ("unknown-option", b"netgraph: 1\nlayers: {a: {type: LinearLayer, output: 3, activation: relu}}\n",
     {"kind": "layer-argument", "layer": ("a",), "option": "activation"}),
    ("yaml-1.1-boolean", b"netgraph: 1\nlayers: {a: {type: AttentionLayer, multi_head: yes}}\n",
     {"kind": "option-value", "layer": ("a",), "option": "multi_head", "found": "yes"}),
    ("edge-syntax", (TWO + "edges: [x -> a, 'a b']\n").encode(), {"kind": "edge-syntax"}),
    ("unknown-port", (TWO + "edges: [x -> a, a.Outptu -> b]\n").encode(),
     {"kind": "unknown-port", "layer": ("a",), "port": "Outptu"}),
    ("unknown-layer", (TWO + "edges: [x -> a, c.Output -> b]\n").encode(),
     {"kind": "unknown-layer", "layer": (), "found": "c"}),
    ("reference", b"netgraph: 1\nlayers: {a: {file: gone.yaml}}\n",
     {"kind": "reference", "layer": ("a",), "found": "gone.yaml"}),
    ("reference-cycle", b"netgraph: 1\nnets: {p: {ref: q}, q: {ref: p}}\nlayers: {a: {ref: p}}\n",
     {"kind": "reference-cycle"}),
    ("port-declaration", b"netgraph: 1\nlayers: {a: Tanh}\ninputs: {x: 3}\noutputs: {x: null}\nedges: [x -> a]\n",
     {"kind": "port-declaration", "layer": (), "port": "x"}),
    ("unused-port", b"netgraph: 1\nlayers: {a: Tanh}\ninputs: {x: 3, y: 3}\nedges: [x -> a]\n",
     {"kind": "unused-port", "layer": (), "port": "y"}),
    ("layout", b"netgraph: 1\nlayers:\n  - a: Tanh\n  - b: Ramp\n", {"kind": "layout"}),
    ("layout-misindented", b"netgraph: 1\nlayers:\n  enc:\n    type: LinearLayer\n    input: 3\n  output: 8\n",
     {"kind": "layout", "layer": ("output",)}),
]


def _first_problem(folder: Path, name: str, data: bytes):
    path = folder / f"{name}.yaml"
    path.write_bytes(data)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return path, caught.value.diagnostics[0]


@pytest.mark.parametrize("name, data, fields", CASES, ids=[c[0] for c in CASES])
def test_each_problem_of_the_spec_itself_has_its_kind_and_fields(tmp_path, name, data, fields):
    path, problem = _first_problem(tmp_path, name, data)
    assert {field: getattr(problem, field) for field in fields} == fields, problem.message
    assert problem.file == str(path) and problem.line >= 1 and problem.column >= 1


@pytest.mark.parametrize("name", ["gone.yaml", "folder"])
def test_a_spec_that_cannot_be_read_is_an_unreadable_file_as_an_onnx_model_is(tmp_path, name):
    """It had the default kind "error", then "reference" (a spec's 'file:' naming no file), where import_onnx says
    "unreadable-file"; it has no line, as nothing of it was read."""
    (tmp_path / "folder").mkdir()
    missing = tmp_path / name
    with pytest.raises(SpecError) as caught:
        load_spec(missing)
    (problem,) = caught.value.diagnostics
    assert (problem.kind, problem.found, problem.file, problem.line) == (
        "unreadable-file", str(missing), str(missing), None)


def test_check_json_prints_the_kind_and_fields_of_each(cli):
    """One ``check --format json`` of every case: each file's first problem has the fields (tuples: JSON lists)."""
    paths = {}
    for name, data, _ in CASES:
        paths[name] = cli.folder / f"{name}.yaml"
        paths[name].write_bytes(data)
    ran = cli("check", *paths.values(), "--format", "json")
    assert ran.code == 1
    problems = json.loads(ran.out)
    for name, _, fields in CASES:
        first = next(p for p in problems if p["file"] == str(paths[name]))
        want = {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}
        assert {k: first[k] for k in want} == want, (name, first["message"])

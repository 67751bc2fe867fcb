"""`netgraph check --format json`: every problem of the specs as one JSON list on stdout (place and Diagnostic
fields), for editors; exit status as for the text output."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from netgraph import ConvolutionLayer
from netgraph.cli.check import problem_json
from netgraph.core.errors import Diagnostic
from tests.subprocess_env import checkout_env

BAD = """netgraph: 1
layers:
  a: {type: LinearLayr, output: 3}
  b: {type: LinearLayer, output: -2}
edges: [a -> b]
"""

CLASH = """netgraph: 1
layers:
  cat: CatenateLayer
inputs: {x: [2, 3], y: [4, 5]}
edges: ["[x, y] -> cat"]
"""

OK = "netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1}}\ninputs: {Input: [3]}\n"


def test_each_problem_is_an_object_with_its_place_and_fields(cli):
    bad = cli.spec(BAD, "bad.yaml")
    ran = cli("check", bad, "--format", "json")
    assert ran.code == 1
    problems = json.loads(ran.out)
    assert [(p["file"], p["line"], p["column"]) for p in problems] == [(str(bad), 3, 13), (str(bad), 4, 34)]
    unknown, option = problems
    assert unknown["message"].startswith("layer 'a': unknown layer type 'LinearLayr'")
    assert (option["kind"], option["layer"], option["option"], option["found"]) == ("option-value", ["b"], "output", -2)
    assert set(option) == {"file", "line", "column", "message", "kind", "layer", "port", "option", "expected", "found",
                           "hint"}


def test_a_bad_list_item_is_named_by_its_index_only_where_the_problem_has_one(cli):
    """A port shape's bad dims: each its own problem at its item, ``item`` its 0-based index in the list; a problem
    about no list item has no ``item`` key."""
    spec = cli.spec("netgraph: 1\ntype: NetChain\nlayers: [Tanh]\ninputs: {Input: [3, -1, 0]}\n", "dims.yaml")
    ran = cli("check", spec, "--format", "json")
    assert ran.code == 1
    problems = json.loads(ran.out)
    assert [(p["line"], p["column"], p["port"], p["item"], p["found"]) for p in problems] == \
        [(4, 21, "Input", 1, -1), (4, 25, "Input", 2, 0)]
    assert "item" not in problem_json(Diagnostic("bad", "shape", found=3), "s.yaml")


def test_the_values_compared_come_out_as_json_and_a_good_spec_adds_nothing(cli):
    """Sizes and shapes (tuples: JSON lists) of each spec's clash, in the order the specs were given; a spec that
    loads adds no problem and prints no summary line."""
    clash = cli.spec(CLASH, "clash.yaml")
    channels = cli.spec("netgraph: 1\ntype: NetChain\nlayers:\n  c1: {type: ConvolutionLayer, output: 4, kernel: 3, "
                        "input: [3, 8, 8]}\ninputs: {Input: [2, 8, 8]}\n", "channels.yaml")
    ran = cli("check", clash, cli.spec(OK, "ok.yaml"), channels, "--format", "json")
    assert ran.code == 1
    first, second = json.loads(ran.out)
    assert (first["file"], first["line"], first["column"]) == (str(clash), 5, 9)
    assert (first["kind"], first["layer"], first["port"], first["expected"], first["found"]) == \
        ("shape", ["cat"], "Input2", 3, 5)
    assert (second["file"], second["port"], second["expected"], second["found"]) == \
        (str(channels), "Input", [3, 8, 8], [2, 8, 8])


def test_specs_without_problems_print_an_empty_list_and_exit_0(cli):
    ran = cli("check", cli.spec(OK, "ok.yaml"), "--format", "json")
    assert (ran.code, json.loads(ran.out)) == (0, [])


def test_a_spec_that_cannot_be_read_is_named_with_no_line(cli, tmp_path):
    missing = tmp_path / "missing.yaml"
    ran = cli("check", missing, "--format", "json")
    (problem,) = json.loads(ran.out)
    assert ran.code == 1 and (problem["file"], problem["line"], problem["column"]) == (str(missing), None, None)
    assert "cannot read the spec" in problem["message"]


def test_json_output_says_when_the_problem_list_is_not_complete(cli):
    """The list is on stdout; how many problems it leaves out, as a note on stderr (a complete list has none)."""
    many = cli.spec("netgraph: 1\nlayers:\n" + "".join(f"  l{i}: {{type: LinearLayer, output: 2, input: 4}}\n"
                                                      for i in range(150)) + "inputs:\n" + "".join(f"  x{i}: 5\n" for i in range(150))
                    + "edges:\n" + "".join(f"  - x{i} -> l{i}\n" for i in range(150)), "many.yaml")
    ran = cli("check", many, cli.spec(BAD, "bad.yaml"), "--format", "json")
    assert ran.code == 1 and len(json.loads(ran.out)) == 100 + 2
    assert ran.err == f"{many}: note: 100 of 150 problems listed (the list is not complete)\n", ran.err
    typos = cli.spec("netgraph: 1\nlayers:\n" + "".join(f"  l{i}: LinearLayr{i}\n" for i in range(150)), "typos.yaml")
    ran = cli("check", typos, "--format", "json")  # reading stopped: how many in all is not known
    assert len(json.loads(ran.out)) == 100
    assert ran.err == f"{typos}: note: 100 problems listed; reading stopped there, there may be more (the list is not " \
                      "complete)\n", ran.err


def test_text_stays_the_default_and_json_runs_as_a_command(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    text = subprocess.run([sys.executable, "-m", "netgraph", "check", str(bad)], capture_output=True, text=True,
                          timeout=120, check=False, env=checkout_env())
    done = subprocess.run([sys.executable, "-m", "netgraph", "check", "--format", "json", str(bad)],
                          capture_output=True, text=True, timeout=120, check=False, env=checkout_env())
    assert (text.returncode, done.returncode) == (1, 1)
    assert text.stderr.startswith(f"2 problems in {bad}:") and text.stdout == ""
    problems = json.loads(done.stdout)
    assert [f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in problems] == text.stderr.splitlines()[1:]


def test_only_a_very_long_found_value_is_cut_and_it_keeps_its_type(cli):
    """A 1 MB string and a 100,000-item list (ReshapeLayer's dims, found whole: two -1s): ``found`` keeps the
    string's first and last 40 characters around "…", the list's first and last 10 items, and ``found_left_out``
    says how many characters or items were left out (it held the whole value: a 1 MB JSON line per problem); a short
    value stays JSON data, with no marker."""
    long_name = "q" * 500_000 + "z" * 500_000
    specs = [cli.spec(f"netgraph: 1\nlayers:\n  a: {{type: LinearLayer, output: '{long_name}'}}\n", "text.yaml"),
             cli.spec("netgraph: 1\nlayers:\n  a: {type: ReshapeLayer, dims: [-1, -1, "
                      + ", ".join(map(str, range(1, 99_999))) + "]}\n", "list.yaml"),
             cli.spec("netgraph: 1\nlayers:\n  a: {type: ReshapeLayer, dims: [-1, -1]}\n", "short.yaml")]
    ran = cli("check", *map(str, specs), "--format", "json")
    text, listed, short = json.loads(ran.out)
    assert len(ran.out) < 5_000
    assert (text["found"], text["found_left_out"]) == ("q" * 40 + "…" + "z" * 40, 1_000_000 - 80)
    assert listed["found"] == [-1, -1, *range(1, 9), *range(99_989, 99_999)] and listed["found_left_out"] == 99_980
    assert short["found"] == [-1, -1] and "found_left_out" not in short


def test_a_value_of_a_hundred_characters_stays_whole(cli):
    """Review r3: every value whose text passed 80 characters was cut into a quoted string (a ConvolutionLayer's
    unknown option's expected: its 9 option names)."""
    name = "n" * 100
    spec = cli.spec(f"netgraph: 1\nlayers:\n  a: {{type: ConvolutionLayer, output: 3, kernel: 2, frobnicate: 1}}\n"
                    f"  b: {{type: LinearLayer, output: {name}}}\n", "a.yaml")
    unknown, named = json.loads(cli("check", spec, "--format", "json").out)
    assert isinstance(unknown["expected"], list) and "kernel" in unknown["expected"] and len(unknown["expected"]) > 5
    assert set(unknown["expected"]) <= {f.name for f in dataclasses.fields(ConvolutionLayer)}
    assert named["found"] == name and "found_left_out" not in named


def test_each_cut_level_of_a_nested_value_has_its_own_count():
    """A list cut inside a cut list (and a long string in one) kept no count: only the outer level's was given.
    ``found_left_out_inside`` lists each inner cut's place in the cut value and how much was left out there."""
    inner = list(range(3000))
    found = [inner] * 30 + ["s" * 5000]
    problem = problem_json(Diagnostic("bad", "shape", expected=[1, [inner]], found=found), "s.yaml")
    assert problem["found"][0] == [*range(10), *range(2990, 3000)] and problem["found_left_out"] == 31 - 20
    kept = len(problem["found"])
    inside = [{"at": [i], "left_out": 3000 - 20} for i in range(kept - 1)] + [{"at": [kept - 1], "left_out": 4920}]
    assert problem["found_left_out_inside"] == inside
    assert "expected_left_out" not in problem  # the outer list of two is whole, its inner one cut
    assert problem["expected_left_out_inside"] == [{"at": [1, 0], "left_out": 3000 - 20}]
    short = problem_json(Diagnostic("bad", "shape", found=[[1, 2], "ab"]), "s.yaml")
    assert short["found"] == [[1, 2], "ab"] and not [k for k in short if "left_out" in k]


def _nested(depth: int) -> list:
    """A list of 31 items whose first item is such a list, ``depth`` levels deep."""
    value: list = list(range(30))
    for _ in range(depth - 1):
        value = [value, *range(30)]
    return value


def _cut_as_written(value):
    """The cut by its definition: a list of over 20 items whose JSON text passes LONGEST_FIELD keeps its first and
    last 10, each item cut the same way."""
    from netgraph.cli.check import LONGEST_FIELD

    if not isinstance(value, list):
        return value, 0
    long = len(value) > 20 and len(json.dumps(value)) > LONGEST_FIELD
    kept = [*value[:10], *value[-10:]] if long else value
    return [_cut_as_written(v)[0] for v in kept], len(value) - 20 if long else 0


def test_a_long_value_is_measured_in_one_walk(monkeypatch):
    """A long list's JSON text was written whole to tell whether to cut it, then again for each list in it, and so on
    down (quadratic in the nesting): now each leaf's text once, a list's length summed from its items'."""
    import netgraph.cli.check as check

    written = []
    real = json.dumps
    monkeypatch.setattr(check.json, "dumps", lambda value, *a, **k: written.append(real(value, *a, **k)) or written[-1])
    value = _nested(40)
    cut, left_out = check._bounded(value)
    whole = len(real(value))
    assert sum(map(len, written)) <= whole and whole > check.LONGEST_FIELD
    monkeypatch.undo()
    assert (cut, left_out) == _cut_as_written(value) and left_out == 11
    long_item = [list(range(5000))] * 25
    assert check._bounded(long_item) == ([[*range(10), *range(4990, 5000)]] * 20, 5)
    assert check._bounded([10 ** 5000] * 25)[1] == 5 and check._bounded([1] * 25) == ([1] * 25, 0)


def test_a_long_flat_list_is_measured_by_one_json_dumps(monkeypatch):
    """Each item of a long list was written on its own (a 1,000,000-item list took 7.9 s): a list with no list in it
    is measured whole by one ``json.dumps``, and only its kept items are looked at."""
    import netgraph.cli.check as check

    calls = []
    real = json.dumps
    monkeypatch.setattr(check.json, "dumps", lambda value, *a, **k: calls.append(1) or real(value, *a, **k))
    assert check._bounded(list(range(100_000))) == ([*range(10), *range(99_990, 100_000)], 99_980)
    assert len(calls) == 1

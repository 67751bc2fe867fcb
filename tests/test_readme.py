"""The README's Python examples run, in order, as a user would paste them (in a scratch folder)."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import warnings
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


@pytest.mark.slow
def test_readme_python_examples_run(tmp_path, monkeypatch, capsys):
    """Each block runs; an expression whose comment starts with a value (`x.shape  # torch.Size([2, 3])`, `...`
    standing for what is left out) gives that value, and a `print(...)` so commented prints it."""
    assert len(BLOCKS) >= 15
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    assert _run_blocks(namespace) >= 40  # the layer types it registers are forgotten after the test (conftest)
    assert (tmp_path / "seed.svg").exists() and len(list(tmp_path.glob("vae_trained.*.safetensors"))) == 1
    assert os.path.isdir(tmp_path / "ckpt")


def _run_blocks(namespace: dict) -> int:
    """Runs every block in ``namespace``; returns how many shown values it compared."""
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the one-time note naming the diagram backend
        for i, block in enumerate(BLOCKS):
            try:
                compared += _run_block(block, f"<README.md python block {i + 1}>", namespace)
            except Exception as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"README python block {i + 1} failed: {type(exc).__name__}: {exc}\n{block}")
    return compared


def _run_block(block: str, name: str, namespace: dict) -> int:
    """Runs ``block`` statement by statement (our own docs), comparing each value its comment shows."""
    lines, compared = block.splitlines(), 0
    for statement in ast.parse(block).body:
        rest = lines[statement.end_lineno - 1][statement.end_col_offset:].strip()
        shown = _shown_value(rest[1:].strip()) if rest.startswith("#") and isinstance(statement, ast.Expr) else None
        if shown is None:
            exec(compile(ast.Module([statement], []), name, "exec"), namespace)
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            value = eval(compile(ast.Expression(statement.value), name, "eval"), namespace)
        found = printed.getvalue() if _is_print(statement.value) else repr(value)
        assert _shows(shown, found), f"line {statement.lineno}: shows {shown}, found {found[:300]}"
        compared += 1
    return compared


def _shows(shown: str, found: str) -> bool:
    """Whether ``found`` (a repr, or printed lines) is the whole of ``shown``, where ``...`` stands for any text."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, found.rstrip("\n"), re.S) is not None


def test_a_shown_value_is_the_whole_value_not_its_start():
    """`len(range(120))  # 12` once passed (re.match: a value beginning with the shown text)."""
    assert not _shows("12", "120") and _shows("120", "120") and _shows("120", "120\n")
    assert _shows("tensor([0.12..., 3.4...])", "tensor([0.1234, 3.4567])") and not _shows("tensor([0.12...", "1")
    assert _shown_value("['l1', 'act'] ('Output',)") == "['l1', 'act'] ('Output',)"  # two values printed
    assert _shown_value("(n) Integer: token indices") == "(n) Integer"
    assert _shown_value("3 classes, noisy") == "3 classes"
    assert _shown_value("12 rows; the rest") == "12 rows" and _shown_value("rows") is None


def test_every_value_a_comment_shows_is_compared():
    """A value-like comment on an assignment or a loop's line is never compared: each is on an expression's line."""
    for i, block in enumerate(BLOCKS):
        compared = {s.end_lineno for s in ast.parse(block).body if isinstance(s, ast.Expr)}
        for number, line in enumerate(block.splitlines(), 1):
            code, hash_, comment = line.partition("  #")
            if hash_ and code.strip() and _shown_value(comment.strip()) is not None:
                assert number in compared, f"README python block {i + 1} line {number}: {line.strip()}"


def _is_print(expression: ast.expr) -> bool:
    return isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name) and expression.func.id == "print"


def _shown_value(comment: str) -> str | None:
    """The value a comment starts with (a literal, `torch.Size([2])`, `tensor(...)`, `True`; printed values one after
    another), up to a ";", or a ":" or "," ending a word; None for a comment starting with words."""
    if not re.match(r"-?\d|[([{'\"]|torch\.|tensor\(|True\b|False\b|None\b", comment):
        return None
    depth, quote = 0, None
    for end, char in enumerate(comment):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and (char == ";" or char in ":," and comment[end + 1:end + 2] in (" ", "")):
            return comment[:end]
    return comment


def test_every_spec_the_readme_names_exists():
    """The `netgraph train` example named specs/mlp.yaml, which the repository does not have."""
    named = set(re.findall(r"\bspecs/[\w.-]+\.yaml\b", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert len(named) >= 5 and not {name for name in named if not (ROOT / name).is_file()}



def test_the_example_specs_table_lists_every_spec():
    """'Example specs' is where a user looks for what `specs/` holds: a row per file there."""
    table = _text().split("### Example specs (`specs/`)\n", 1)[1].lstrip("\n").split("\n\n", 1)[0]
    listed = re.findall(r"^\| `([\w.-]+\.yaml)` \|", table, re.M)
    assert sorted(listed) == sorted(path.name for path in (ROOT / "specs").glob("*.yaml"))


def _blocks(fence: str) -> list[str]:
    return re.findall(rf"```{fence}\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_every_whole_yaml_spec_in_the_readme_loads_and_quoted_spec_files_match():
    """The YAML blocks are no python blocks, so nothing ran them: each whole spec loads, and one quoted from
    `specs/` (its first line naming the file, or the file's own first line) is that file as it is."""
    from netgraph import NetGraph

    checked = {text for _, text, _ in _checked_files()}  # the files of `netgraph check`'s examples hold mistakes
    specs = [block for block in _blocks("yaml") if re.search(r"^netgraph: 1$", block, re.M) and block not in checked]
    assert len(specs) >= 4
    for block in specs:
        NetGraph.from_yaml(block)
    quoted = {name.name: name.read_text(encoding="utf-8") for name in (ROOT / "specs").glob("*.yaml")}
    named = 0
    for block in specs:
        first, _, rest = block.partition("\n")
        header = re.fullmatch(r"# specs/([\w.-]+\.yaml)", first)
        for name, text in quoted.items():
            if header and header.group(1) == name:
                assert rest == text, name
                named += 1
            elif not header and block == text:
                named += 1
    assert named >= 2


def test_the_readme_check_and_summary_outputs_are_what_the_commands_print(capsys, monkeypatch):
    """The `netgraph check specs/` (a folder: its specs, sorted) and `netgraph summary specs/small_cnn.yaml` console lines, as shown."""
    from netgraph.cli import main

    console = next(block for block in _blocks("console") if block.startswith("$ netgraph check specs/ "))
    shown = {}
    for part in re.split(r"^\$ ", console, flags=re.M)[1:]:
        command, _, output = part.partition("\n")
        shown[command.split("  ")[0].strip()] = output.strip("\n")
    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    specs = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "specs").glob("*.yaml"))
    assert main(["check", *specs]) == 0
    listed = capsys.readouterr().out.strip("\n")
    assert main(["check", "specs/"]) == 0
    assert capsys.readouterr().out.strip("\n") == listed == shown["netgraph check specs/"]
    assert main(["summary", "specs/small_cnn.yaml"]) == 0
    assert capsys.readouterr().out.strip("\n") == shown["netgraph summary specs/small_cnn.yaml"]


def test_the_forward_the_readme_prints_is_the_generated_code():
    """`print(module.code)` in 'Compile, run, inspect' shows its output as comments; the python block only ran it."""
    from netgraph import LinearLayer, NetGraph, net_initialize

    block = next(block for block in BLOCKS if block.startswith("module = mlp.compile()"))
    shown = "\n".join(line[2:] for line in block.splitlines() if line.startswith("# "))
    mlp = NetGraph({"fc1": LinearLayer(64), "act": "Ramp", "fc2": LinearLayer(10)}, [("fc1", "act", "fc2")], Input=784)
    assert shown.startswith("def forward(") and net_initialize(mlp, seed=0).compile().code.strip() == shown


def _checked_files() -> list[tuple[str, str, str]]:
    """(name, text, console) of each YAML block the README follows with `$ netgraph check name` and its output."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"```yaml\n([^`]*)```\n\n```console\n\$ netgraph check (\S+\.yaml)\n([^`]*)```", readme, re.S)
    return [(name, text, console) for text, name, console in found]


def test_the_readme_check_examples_print_what_it_shows(tmp_path, monkeypatch, capsys):
    """`netgraph check broken.yaml` and `shapes.yaml` on the files the README shows: its output (`...` stands for
    what the README leaves out) and exit status, and the Diagnostic fields it quotes for shapes.yaml."""
    from netgraph import NetGraph, SpecError
    from netgraph.cli import main

    examples = _checked_files()
    assert {name for name, _, _ in examples} >= {"broken.yaml", "shapes.yaml"}
    monkeypatch.chdir(tmp_path)
    for name, text, console in examples:
        (tmp_path / name).write_text(text, encoding="utf-8")
        shown, _, status = console.partition("$ echo $?\n")
        capsys.readouterr()
        assert main(["check", name]) == int(status or 1)
        printed = capsys.readouterr()
        pattern = ".*".join(re.escape(part) for part in shown.strip("\n").split("..."))
        assert re.fullmatch(pattern, (printed.out + printed.err).strip("\n"), re.S), name
    quoted = re.search(r"e\.g\. `port='(\w+)', expected=(\(\d+,\)), found=(\(\d+,\))` above", _text())
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(str(tmp_path / "shapes.yaml"))
    first = info.value.diagnostics[0]
    assert quoted and (first.port, repr(first.expected), repr(first.found)) == quoted.groups()


def _text() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_contents_list_every_section_and_every_link_to_a_section_resolves():
    """A user finds a section from the contents; a heading used twice would get GitHub's `-1` anchor."""
    outside_code = re.sub(r"```.*?```", "", _text(), flags=re.S)
    headings = [h for h in re.findall(r"^#{2,3} (.+)$", outside_code, re.M) if h != "Contents"]
    anchors = [_anchor(h) for h in headings]
    assert len(set(anchors)) == len(anchors) >= 40
    contents = outside_code.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"\[([^\]]+)\]\(#([^)]+)\)", contents) == list(zip(headings, anchors))
    assert set(re.findall(r"\]\(#([^)]+)\)", outside_code)) <= set(anchors)


def test_every_table_row_is_one_line():
    """A row wrapped onto a second line (the learning_rate_multipliers row was) splits the table where it breaks."""
    outside_code = re.sub(r"```.*?```", "", _text(), flags=re.S)
    wrapped = [line for line in outside_code.splitlines() if line.rstrip().endswith("|") and not line.startswith("|")]
    assert wrapped == []


def test_the_training_options_table_names_every_option_with_its_default():
    """Each option net_train takes is a row of 'Training options'; a default written as a Python value is the code's."""
    import ast

    from netgraph.train.api import OPTIONS
    from netgraph.train.run_options import DEFAULT_BATCH_SIZE

    table = _text().split("### Training options\n", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(" | ")[:2] for line in ("|" + table).splitlines()[2:]]
    named = {name: default for names, default in rows for name in re.findall(r"`(\w+)`", names)}
    assert set(named) == set(OPTIONS)
    literal = {}
    for name, default in named.items():
        try:
            literal[name] = ast.literal_eval(default.strip(" `"))
        except (ValueError, SyntaxError):
            continue  # words: "automatic", "1 everywhere", ...
    assert len(literal) >= 15 and literal.pop("batch_size") == DEFAULT_BATCH_SIZE
    assert literal == {name: OPTIONS[name] for name in literal}


def test_the_limits_table_names_every_limit_with_its_default():
    """The Limits table under 'Errors and limits': one row per limit, each number the default in force."""
    import dataclasses

    from netgraph.core.limits import Limits

    defaults = Limits()
    table = _text().split("| limit | default | what it bounds |\n", 1)[1].split("\n\n", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", table, re.M))
    assert set(rows) == {field.name for field in dataclasses.fields(defaults)}
    units = {"MiB": 2**20, "GiB": 2**30}
    for name, default in rows.items():
        number = re.fullmatch(r"([\d,]+)(?: (MiB|GiB))?|2²⁸ \(268 million\)", default.strip())
        if number is None:
            assert getattr(defaults, name) is None, name  # in words: "a quarter of the machine's memory"
        elif number.group(1) is None:
            assert getattr(defaults, name) == 2**28, name
        else:
            assert getattr(defaults, name) == int(number.group(1).replace(",", "")) * units.get(number.group(2), 1)


def test_the_errors_section_messages_are_what_netgraph_raises():
    """The WiringError, ShapeError and CycleError the 'Errors' section shows (wrapped there, one line each here)."""
    from netgraph import (CycleError, FunctionLayer, LinearLayer, NetArrayLayer, NetGraph, NetPort, NormalDistribution,
                          RandomArrayLayer, ShapeError, WiringError)

    fenced = re.findall(r"^```(\w*)\n(.*?)^```$", _text(), re.S | re.M)  # (language, text), fences paired
    block = next(text for language, text in fenced if not language and text.startswith("WiringError: "))
    shown = re.findall(r"^(\w+Error): (.*?)(?=\n\w+Error: |\Z)", block.replace("\n  ", " "), re.S | re.M)
    seed = [NetArrayLayer(array=[0.0, 30.0]), NetArrayLayer(array=[10.0, 5.0]),
            RandomArrayLayer(NormalDistribution(0, 1), output=2), FunctionLayer("#Means + #Stds * #Random")]
    arrays = {"x": NetArrayLayer(array=[1.0, 2.0, 3.0]), "y": NetArrayLayer(array=[1.0, 2.0]),
              "f": FunctionLayer("#a + #b")}
    attempts = [(WiringError, lambda: NetGraph(seed, [(1, 4), (2, 4), (NetPort(3, "Outptu"), 4)])),
                (ShapeError, lambda: NetGraph(arrays, [("x", "f"), ("y", "f")])),
                (CycleError, lambda: NetGraph([LinearLayer(4), LinearLayer(4)], [(1, 2), (2, 1)]))]
    assert len(shown) == len(attempts)
    for (name, message), (error, build) in zip(shown, attempts):
        with pytest.raises(error) as info:
            build()
        assert (type(info.value).__name__, str(info.value)) == (name, message.strip())


def test_the_readme_shell_commands_run_or_parse_as_written(tmp_path, monkeypatch):
    """Each `netgraph` line of a bash block runs in order, as pasted (render, export), and writes what it says; one
    reading a data file (`--data`: train) is parsed by the command line's parser, so a renamed flag fails here; a PNG
    line runs where an engine writing PNG is installed (dot, graphviz-pure). The export line once showed its optional
    flags as `[--opset 17] [--seed 0]`, which a shell passes on as words. A YAML block the README asks
    to save (the tour's "save it as `meanstd.yaml`") is saved first, as a user would."""
    import shlex
    from xml.etree import ElementTree

    import onnx

    from netgraph import NetGraph
    from netgraph.cli import main
    from netgraph.cli.parser import build_parser
    from netgraph.render.engines import FORMATS, available_backends

    (tmp_path / "specs").symlink_to(ROOT / "specs")
    monkeypatch.chdir(tmp_path)
    saved = re.findall(r"save it as\s+`([\w.-]+\.yaml)`:\n\n```yaml\n(.*?)```", _text(), re.S)
    assert [name for name, _ in saved] == ["meanstd.yaml"]
    for name, text in saved:
        (tmp_path / name).write_text(text, encoding="utf-8")
    lines = [line.split("  #")[0] for block in _blocks("bash") for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("netgraph ")]
    writes_png = any("png" in FORMATS[backend] for backend in available_backends())
    parsed = [build_parser().parse_args(argv) for argv in commands if "--data" in argv]  # SystemExit on a bad flag
    assert [args.command for args in parsed] == ["train", "train"] and all(args.data == "data.npz" for args in parsed)
    run = [argv for argv in commands
           if "--data" not in argv and (writes_png or not any(word.endswith(".png") for word in argv))]
    assert len(run) >= 4
    for argv in run:
        assert main(argv) == 0, argv
    svg_texts = ElementTree.parse("net.svg").iter("{http://www.w3.org/2000/svg}text")
    texts = {"".join(t.itertext()).strip() for t in svg_texts}
    assert set(NetGraph.from_yaml("specs/normal_reparameterization.yaml").layers) <= texts
    assert ElementTree.parse("cnn.svg").getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert not writes_png or Path("net.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    exported, again = onnx.load("cnn.onnx"), onnx.load("cnn17.onnx")
    assert [o.version for o in exported.opset_import if o.domain == ""] == [17]
    assert (again.graph.name, again.doc_string) == (exported.graph.name, exported.doc_string) != ("", "")
    made = {"net.svg", "cnn.onnx", "cnn.svg", "cnn17.onnx", "meanstd.svg"}
    made |= {"net.png", "meanstd.png"} if writes_png else set()
    assert made <= {path.name for path in tmp_path.iterdir()}


def test_every_yaml_fragment_in_the_readme_loads_in_a_spec():
    """A YAML block that is part of a spec (layer entries, under `layers:` or indented as one) loads as a net's layers:
    no other test read them, so an option renamed there would go unnoticed."""
    import yaml

    from netgraph import NetGraph

    fragments = [block for block in _blocks("yaml") if block.startswith(("layers:", "  ")) and ": {type: " in block]
    assert len(fragments) >= 2
    for block in fragments:
        spec = "netgraph: 1\n" + (block if block.startswith("layers:") else "layers:\n" + block)
        assert len(NetGraph.from_yaml(spec).layers) == len(yaml.safe_load(spec)["layers"]), block

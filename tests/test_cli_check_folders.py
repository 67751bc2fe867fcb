"""`netgraph check` and `summary` given a folder, as linters take one; `run` and `check` name a spec as it was typed."""

from __future__ import annotations

import json

from tests.cli_runner import SMALL

BROKEN = SMALL.replace("LinearLayer", "LinearLayr")


def _specs(cli, files: dict[str, str]) -> None:
    (cli.folder / "specs" / "deeper").mkdir(parents=True)
    for name, text in files.items():
        (cli.folder / "specs" / name).write_text(text)


def test_check_takes_a_folder_of_specs_sorted_with_every_problem(cli):
    """It refused a folder ('specs' is a folder, not a spec file): each .yaml and .yml in it is checked, sorted,
    one line each as for a file; a bad one's problems are listed and the status is 1; sub-folders and other files
    are left alone."""
    _specs(cli, {"b.yml": SMALL, "a.yaml": BROKEN, "c.YAML": SMALL, "notes.txt": "no spec", "deeper/d.yaml": BROKEN})
    ran = cli("check", "specs/")
    assert ran.code == 1
    assert ran.out.splitlines() == [f"specs/{name}: ok, inputs Input (3) -> outputs Output (1); 1 layer, 4 parameters"
                                    for name in ("b.yml", "c.YAML")]
    assert ran.err.startswith("specs/a.yaml:3:20: layer 'h': unknown layer type 'LinearLayr'"), ran.err
    assert "deeper" not in ran.err and "notes" not in ran.err
    cli.spec()
    good = cli("check", "specs", "s.yaml")
    assert good.code == 1 and good.out.splitlines()[-1].startswith("s.yaml: ok")


def test_check_json_lists_the_problems_of_every_spec_in_a_folder(cli):
    _specs(cli, {"a.yaml": BROKEN, "b.yaml": BROKEN.replace("output: 1", "output: -1")})
    ran = cli("check", "--format", "json", "specs")
    assert ran.code == 1
    assert [(p["file"], p["line"]) for p in json.loads(ran.out)] == [("specs/a.yaml", 3), ("specs/b.yaml", 3)]


NO_SPECS = "'empty' is a folder that holds no spec file (.yaml, .yml); give spec files, or a folder of them"


def _empty_folder(cli) -> None:
    (cli.folder / "empty").mkdir()
    (cli.folder / "empty" / "README.md").write_text("nothing")


def test_check_reports_a_folder_without_specs_as_a_problem_and_checks_the_rest(cli):
    """It stopped before any spec, as a usage error ('netgraph check: ...'): now the folder is one problem line among
    the others', in its place, and the specs after it are checked (exit 1)."""
    _empty_folder(cli), cli.spec()
    ran = cli("check", "missing.yaml", "empty", "s.yaml")
    assert ran.code == 1
    assert ran.out == "s.yaml: ok, inputs Input (3) -> outputs Output (1); 1 layer, 4 parameters\n"
    assert ran.err.splitlines() == ["cannot read the spec: no spec file 'missing.yaml'", NO_SPECS]


def test_check_says_a_spec_is_not_read_from_stdin(cli):
    """Found by QA: `netgraph check - < s.yaml` said only "no spec file '-'", as if '-' were a mistyped name."""
    ran = cli("check", "-")
    assert ran.code == 1 and ran.err == "cannot read the spec: no spec file '-' (a spec is read from a file, never " \
                                        "from stdin: save it to a .yaml file)\n"


def test_check_json_lists_a_folder_without_specs_as_a_missing_file(cli):
    _empty_folder(cli), cli.spec(text=BROKEN)
    ran = cli("check", "--format", "json", "empty", "s.yaml")
    assert ran.code == 1 and ran.err == ""
    first, second = json.loads(ran.out)
    assert first == {"file": "empty", "line": None, "column": None, "message": NO_SPECS, "kind": "missing-file",
                     "layer": None, "port": None, "option": "specs", "expected": "a spec file or a folder of them",
                     "found": "empty", "hint": None}
    assert (second["file"], second["line"]) == ("s.yaml", 3)


def test_summary_takes_a_folder_as_check_does(cli):
    """It refused a folder ('specs' is a folder, not a spec file): a table for each spec in it, named as typed; a
    bad one's problems and an empty folder on stderr (exit 1)."""
    _specs(cli, {"b.yml": SMALL, "a.yaml": BROKEN, "c.yaml": SMALL.replace("output: 1", "output: 2")})
    _empty_folder(cli)
    ran = cli("summary", "specs/", "empty")
    assert ran.code == 1
    heads = [line for line in ran.out.splitlines() if line.startswith("specs/")]
    assert heads == ["specs/b.yml: inputs Input (3) -> outputs Output (1); 1 layer, 4 parameters",
                     "specs/c.yaml: inputs Input (3) -> outputs Output (2); 1 layer, 8 parameters"]
    assert "\n\nspecs/c.yaml:" in ran.out and ran.out.count("   total ") == 2
    err = ran.err.splitlines()
    assert err[0].startswith("specs/a.yaml:3:20: layer 'h': unknown layer type 'LinearLayr'") and err[-1] == NO_SPECS
    assert cli("summary", "specs/b.yml").out in ran.out


def test_run_names_the_spec_as_typed_as_check_does(cli):
    """run printed 'name.yaml:' where check printed 'specs/name.yaml:'."""
    _specs(cli, {"net.yaml": SMALL})
    ran, checked = cli("run", "specs/net.yaml", "-o", "net.svg"), cli("check", "specs/net.yaml")
    assert ran.code == checked.code == 0
    assert ran.out.splitlines()[0] == checked.out.splitlines()[0].replace(": ok,", ":") == \
        "specs/net.yaml: inputs Input (3) -> outputs Output (1); 1 layer, 4 parameters"

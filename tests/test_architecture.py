"""The layout's rules: dependencies point one way, no project imports hide inside functions, and the
layer catalogue installs as ``netgraph.layers`` only (no top-level ``layers`` package)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "netgraph"


def _function_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported module, trailing comment) for every import inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                found += [(node.lineno, a.name, lines[node.lineno - 1]) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((node.lineno, node.module or "", lines[node.lineno - 1]))
    return found


def test_the_import_contract_holds():
    """cli -> train -> spec -> backend/render -> layers -> core, as configured in pyproject.toml."""
    exe = shutil.which("lint-imports")
    assert exe, "import-linter is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_imports_inside_functions_are_only_optional_dependencies_with_a_reason():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, module, text in _function_imports(path):
            where = f"{path.relative_to(ROOT)}:{line}: {text.strip()}"
            if module.split(".")[0] in ("netgraph", "layers"):
                offenders.append(f"{where} (a project import inside a function hides a cycle)")
            elif "#" not in text:
                offenders.append(f"{where} (an optional import needs a one-line reason)")
    assert not offenders, "\n".join(offenders)


def test_the_core_names_no_outer_package():
    """Belt and braces for the contract: no core module mentions backend/spec/render/train/cli/layers."""
    outer = ("netgraph.backend", "netgraph.spec", "netgraph.render", "netgraph.train", "netgraph.cli",
             "netgraph.layers")
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = [n for n in names if n.startswith(outer)]
            assert not bad, f"{path.relative_to(ROOT)}:{node.lineno} imports {bad}"


@pytest.mark.slow
def test_the_wheel_has_no_top_level_layers_package(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"netgraph"}, tops
    assert "netgraph/layers/__init__.py" in names and "netgraph/core/graph.py" in names


def test_commands_that_do_not_train_import_no_training_code():
    """`netgraph run`, `check` and `render` start without netgraph.train (its data readers, optimizers, metrics):
    a device check put in the command-line flags once pulled all of it into `netgraph run`. One interpreter imports
    the three in turn (what each import adds is what it imports: none of them may add netgraph.train), each
    printing what it found: a process each cost an import of torch each."""
    code = ("import importlib, sys\n"
            "for command in ('run', 'check', 'render'):\n"
            "    importlib.import_module(f'netgraph.cli.{command}')\n"
            "    print(command, sorted(m for m in sys.modules if m.startswith('netgraph.train')))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["run []", "check []", "render []"]


_TEXT_TESTS = {"startswith", "endswith", "find", "index", "count", "search", "match", "fullmatch", "findall"}
# Foreign exceptions whose text is the only thing the library raising them gives: file:function -> why.
FOREIGN_TEXT_TESTS = {
    "export/exporter.py:_export_bytes": "torch's ONNX exporter errors carry no field: only the text tells that the "
                                        "reason follows a dump of its graph",
}


def _exception_text(node: ast.AST, caught: set[str]) -> bool:
    """Whether ``node`` is the text of a caught exception: ``str(exc)``, ``exc.args[..]``, or a method of either
    (``str(exc).lower()``)."""
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)) and not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str"):
        node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Attribute) and node.attr == "args" and getattr(node.value, "id", None) in caught:
            return True
    return (isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Name)
            and node.args[0].id in caught)


def _text_tests(fn: ast.AST) -> list[int]:
    """Lines of ``fn`` deciding by a caught exception's text: ``in``/``==`` over it, ``startswith`` of it, a regex
    searched in it."""
    caught = {h.name for h in ast.walk(fn) if isinstance(h, ast.ExceptHandler) and h.name}
    texts = {t.id for node in ast.walk(fn) if isinstance(node, ast.Assign) and _exception_text(node.value, caught)
             for t in node.targets if isinstance(t, ast.Name)}  # message = str(exc)
    lines = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and not all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_TESTS:
            operands = [node.func.value, *node.args]
        else:
            continue
        if any(_exception_text(operand, caught) or getattr(operand, "id", None) in texts for operand in operands):
            lines.append(node.lineno)
    return lines


def test_no_library_code_decides_by_the_text_of_an_exception():
    """Modules exchange data (a NetGraphError's diagnostics), not message text: an exception's text is searched only
    where a foreign library gives nothing else (listed, with the reason)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and (lines := _text_tests(fn)):
                found[f"{path.relative_to(PACKAGE)}:{fn.name}"] = lines
    assert {k: v for k, v in found.items() if k not in FOREIGN_TEXT_TESTS} == {}
    assert set(FOREIGN_TEXT_TESTS) <= set(found), "an allow-listed function no longer searches a foreign text"


def test_only_the_tracing_module_asks_torch_whether_torch_jit_traces():
    """Whether a forward runs traced is decided in one place (``netgraph.core.tracing``: ``jit_tracing()``,
    ``no_values()``, ...): a module asking ``torch.jit.is_tracing()`` itself drifts from it."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "is_tracing" not in (text := path.read_text(encoding="utf-8")):
            continue  # (the call names it: only these files can hold one)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "torch.jit.is_tracing":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert [place for place in found if not place.startswith("core/tracing.py:")] == []

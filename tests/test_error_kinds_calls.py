"""Every error the train, backend, export and cli packages construct says what it is: each construction of a
NetGraphError subclass (and of ``data_error``, train's DataError of a data set, and of a ``Diagnostic``) names a
``kind``, or carries Diagnostics that do (``diagnostics=``, a list of problems, ``**fields``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import netgraph
import netgraph.backend  # noqa: F401 - their error classes, for the names below
import netgraph.export  # noqa: F401
import netgraph.train  # noqa: F401
from netgraph.core.errors import NetGraphError

ROOT = Path(netgraph.__file__).parent


def _subclasses(cls: type) -> set[str]:
    return {sub.__name__ for sub in cls.__subclasses__()} | {n for sub in cls.__subclasses__() for n in _subclasses(sub)}


ERRORS = _subclasses(NetGraphError) | {"NetGraphError", "data_error"}

def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _text(node: ast.expr) -> bool:
    """Whether ``node`` is plain text (a string or f-string): a problem with no kind of its own."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _texts(node: ast.expr) -> bool:
    """Whether ``node`` is a list (tuple) literal or comprehension of plain text."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return bool(node.elts) and all(map(_text, node.elts))
    return isinstance(node, ast.ListComp) and _text(node.elt)


def _holds_texts(scope: ast.AST | None, name: str) -> bool:
    """Whether function ``scope`` puts plain text in its list ``name``: assigns, appends, extends or adds it."""
    for node in ast.walk(scope) if scope is not None else ():
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            if _texts(node.value):
                return True
        elif isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == name and _texts(node.value):
            return True
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and getattr(node.func.value, "id", None) == name and node.args):
            if (node.func.attr == "append" and _text(node.args[0])) or (node.func.attr == "extend"
                                                                        and _texts(node.args[0])):
                return True
    return False


def _kinded(call: ast.Call, scope: ast.AST | None = None) -> bool:
    """Whether ``call`` (in function ``scope``) gives its problems kinds: ``kind=``, ``diagnostics=``, ``**fields``
    or problems (its second argument) that are no plain text, as far as can be told from the source."""
    keywords = {k.arg for k in call.keywords}
    if "kind" in keywords or "diagnostics" in keywords or None in keywords:  # None: **fields
        return True
    if _name(call) == "Diagnostic":
        return len(call.args) >= 2  # Diagnostic(message, kind, ...)
    if _name(call) == "data_error" or len(call.args) < 2:
        return False
    problems = call.args[1]  # cls(message, problems): each with its own kind, unless they are text (kind "error")
    return not (_texts(problems) or (isinstance(problems, ast.Name) and _holds_texts(scope, problems.id)))


def _calls(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.AST | None]]:
    """Each call in ``tree``, with the innermost function it is in (None: at module level)."""
    def walk(node: ast.AST, scope: ast.AST | None) -> Iterator[tuple[ast.Call, ast.AST | None]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                yield child, scope
            yield from walk(child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope)
    return walk(tree, None)


def _given_kinds(tree: ast.AST) -> set[int]:
    """ids of the errors a mechanism gives a kind: option_problem's error ("option-value", core/option_problems.py)
    and one a layer's ``validate(self)`` raises ("option-combination": it runs only through checked_together)."""
    given = {id(n.args[0]) for n in ast.walk(tree)
             if isinstance(n, ast.Call) and _name(n) == "option_problem" and n.args}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name == "validate" and len(fn.args.args) == 1:
            given |= {id(n.exc) for n in ast.walk(fn) if isinstance(n, ast.Raise) and n.exc is not None}
    return given


def _unkinded(package: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        given = _given_kinds(tree)
        for node, scope in _calls(tree):
            if _name(node) in ERRORS | {"Diagnostic"} and id(node) not in given and not _kinded(node, scope):
                found.setdefault(path.relative_to(ROOT).as_posix(), []).append(node.lineno)
    return found


def test_the_walk_sees_the_errors_it_means_to():
    assert {"DataError", "OptionError", "TrainingError", "ShapeError", "DistributedTimeoutError"} <= ERRORS
    sources = ['OptionError("m")', 'OptionError("m", kind="k")', 'DataError("m", problems)', 'Diagnostic("m", "k")',
               'Diagnostic("m")', 'data_error("m", x)', 'ShapeError("m", **fields)']
    calls = [ast.parse(source).body[0].value for source in sources]
    assert [_kinded(call) for call in calls] == [False, True, True, True, False, False, True]


def test_problems_given_as_text_name_no_kind():
    sources = ['DataError("m", ["a", f"b{x}"])', 'DataError("m", [f"{p}" for p in ps])', 'DataError("m", (d,))',
               'def f():\n    problems = []\n    problems.append(f"x {y}")\n    raise DataError("m", problems)',
               'def f():\n    problems = []\n    problems.append(Diagnostic("x", "k"))\n'
               '    raise DataError("m", problems)',
               'def f():\n    problems = [d]\n    problems += ["x"]\n    raise DataError("m", problems)']
    found = []
    for source in sources:
        calls = [(c, s) for c, s in _calls(ast.parse(source)) if _name(c) == "DataError"]
        found.append(_kinded(*calls[0]))
    assert found == [False, False, True, False, True, False]


def test_every_error_of_training_names_a_kind():
    assert _unkinded("train") == {}


def test_every_backend_or_export_error_names_a_kind():
    assert {package: _unkinded(package) for package in ("backend", "export")} == {"backend": {}, "export": {}}


def test_every_spec_render_or_data_error_names_a_kind():
    # found unkinded (kind "error") by fuzzing: save's and to_yaml's refusals (a path, a name a spec cannot hold),
    # render's path, format, options and backends, image_folder's, text_table's and the decoders'
    assert {package: _unkinded(package) for package in ("spec", "render", "data")} == {"spec": {}, "render": {},
                                                                                       "data": {}}


def test_every_command_line_error_names_a_kind():
    # found unkinded (kind "error") in session 36: --loss's layer and file errors, measure's --data and --measure
    # re-raises, --limit, --base-dir, --precision, render's -o suffix, and flags' words for net_train's problems
    assert _unkinded("cli") == {}


def test_every_core_error_names_a_kind():
    # found unkinded (kind "error") in session 37: compile's Keras options, coder_from_data's, an unknown layer type,
    # net[i] = x, net_replace_part's and net_take's refusals, a custom layer class's or infer()'s mistakes
    assert _unkinded("core") == {}

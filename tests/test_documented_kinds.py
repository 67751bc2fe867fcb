"""Every kind netgraph gives a problem is one a user can look up: each kind named in netgraph/ is named, quoted, in
the README. The walk (``ast``, never the messages) reads a kind where one is passed: ``kind=...``, the second argument
of ``Diagnostic(...)`` and the first of ``Diagnostic.of(...)``; there it reads a string, both branches of a
``"a" if ... else "b"`` or an ``x or "b"``, a module-level constant (``VALUE_KIND``), a local name assigned one of
those (``what, kind = ("..", "a") if ... else ("..", "b")``), and a function's parameter passed on as a kind (the
strings its callers give it: ``node_problem("unsupported-op", ...)``). Module-level sets of kinds that problems are
compared against (``d.kind in LINK_KINDS``) are kinds too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import netgraph

ROOT = Path(netgraph.__file__).parent
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _kind_argument(call: ast.Call) -> ast.expr | None:
    """The expression ``call`` passes as a kind, if it passes one."""
    for keyword in call.keywords:
        if keyword.arg == "kind":
            return keyword.value
    func = call.func
    if isinstance(func, ast.Name) and func.id == "Diagnostic" and len(call.args) >= 2:
        return call.args[1]
    if (isinstance(func, ast.Attribute) and func.attr == "of" and isinstance(func.value, ast.Name)
            and func.value.id == "Diagnostic" and call.args):
        return call.args[0]
    return None


def _makes_problems(call: ast.Call) -> bool:
    """Whether ``call`` makes a problem (a Diagnostic or an error), whose kind a name it passes may hold: other
    ``kind=`` (a diagram's node's) are read only where they are strings."""
    return _name(call) in ("Diagnostic", "of") or _name(call).lower().endswith("error")


def _strings(node: ast.expr | None) -> set[str] | None:
    """The strings of a literal: a string, or a set, tuple or list of them (``frozenset({...})`` too); else None."""
    if isinstance(node, ast.Call) and _name(node) in ("frozenset", "set", "tuple") and len(node.args) == 1:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, (ast.Set, ast.Tuple, ast.List)) and node.elts:
        found = [_strings(element) for element in node.elts]
        return set().union(*found) if all(f is not None and len(f) == 1 for f in found) else None
    return None


class _Module:
    """One source file: its module-level constants, and where each function's names are assigned."""

    def __init__(self, path: Path):
        self.path = path
        self.dotted = ".".join(("netgraph", *path.relative_to(ROOT).with_suffix("").parts))
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.constants = {target.id: value for node in self.tree.body if isinstance(node, ast.Assign)
                          for target in node.targets if isinstance(target, ast.Name)
                          if (value := _strings(node.value)) is not None}
        self.nodes = list(_scoped_nodes(self.tree))
        self.calls = [(node, scopes) for node, scopes in self.nodes if isinstance(node, ast.Call)]
        self._calls_by_name: dict[str, list[tuple[ast.Call, ast.AST | None]]] | None = None

    def calls_named(self, name: str) -> list[tuple[ast.Call, ast.AST | None]]:
        """The calls of a function ``name``, each once with every function it is in and once with None (the
        module: a call inside a nested function is seen in each function around it)."""
        if self._calls_by_name is None:
            self._calls_by_name = {}
            for call, scopes in self.calls:
                self._calls_by_name.setdefault(_name(call), []).extend((call, s) for s in (*scopes, None))
        return self._calls_by_name.get(name, [])

    def imports(self, module: "_Module", name: str) -> bool:
        """Whether this module calls ``module``'s function ``name``: its own, or imported from it."""
        return module is self or any(isinstance(node, ast.ImportFrom) and node.module == module.dotted
                                     and name in [alias.name for alias in node.names] for node in self.tree.body)

    def places(self) -> Iterator[tuple[ast.Call, ast.expr, ast.AST | None]]:
        """Each call passing a kind, its kind argument, and the function it is in (None: at module level)."""
        for call, scopes in self.calls:  # a call inside a nested function: once for each function around it
            if (argument := _kind_argument(call)) is not None:
                yield from ((call, argument, scope) for scope in scopes or (None,))


def _scoped_nodes(tree: ast.AST) -> Iterator[tuple[ast.AST, tuple[ast.AST, ...]]]:
    """Every node of ``tree`` (one walk), with the functions it is in (innermost last; a function's own
    decorators and defaults count as in it, as ``ast.walk`` of the function finds them)."""
    stack = [(tree, ())]
    while stack:
        node, scopes = stack.pop()
        yield node, scopes
        inner = (*scopes, node) if isinstance(node, FUNCTIONS) else scopes
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _assigned(scope: ast.AST, name: str) -> Iterator[ast.expr]:
    """The expressions ``name`` is assigned in function ``scope`` (the matching part of a tuple unpacked)."""
    for node in ast.walk(scope):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                yield node.value
            elif isinstance(target, ast.Tuple) and name in [getattr(t, "id", None) for t in target.elts]:
                at = [getattr(t, "id", None) for t in target.elts].index(name)
                values = [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) else [node.value]
                yield from (v.elts[at] for v in values if isinstance(v, ast.Tuple) and len(v.elts) == len(target.elts))


def _parameter_callers(modules: list[_Module], defining: _Module, scope: ast.AST,
                       name: str) -> Iterator[tuple[ast.expr, _Module, ast.AST | None]]:
    """The arguments the calls of function ``scope`` (of module ``defining``, by its name) give its parameter
    ``name``, each with the function the call is in (None: at module level), where a name it passes is read."""
    params = [a.arg for a in scope.args.posonlyargs + scope.args.args]
    position = params.index(name) if name in params else None
    if position is not None and params[:1] in (["self"], ["cls"]):
        position -= 1  # called as self.f(...)
    for module in (m for m in modules if m.imports(defining, scope.name)):
        for call, within in module.calls_named(scope.name):
            yield from ((k.value, module, within) for k in call.keywords if k.arg == name)
            if position is not None and position < len(call.args):
                yield call.args[position], module, within


def _kinds_of(node: ast.expr, module: _Module, scope: ast.AST | None, modules: list[_Module],
              constants: dict[str, set[str]], depth: int = 0) -> set[str]:
    """The strings expression ``node`` can be, as far as the walk can tell (nothing for a value made at run time)."""
    again = lambda n, m=module, s=scope: _kinds_of(n, m, s, modules, constants, depth + 1)  # noqa: E731
    if depth > 4:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return again(node.body) | again(node.orelse)
    if isinstance(node, ast.BoolOp):
        return set().union(*map(again, node.values))
    if not isinstance(node, ast.Name):
        return set()
    if scope is not None and node.id in {a.arg for a in ast.walk(scope.args) if isinstance(a, ast.arg)}:
        return set().union(set(), *(_kinds_of(value, caller, within, modules, constants, depth + 1)
                                    for value, caller, within in _parameter_callers(modules, module, scope, node.id)))
    local = set().union(set(), *map(again, _assigned(scope, node.id))) if scope is not None else set()
    return local | module.constants.get(node.id, constants.get(node.id, set()))


def _compared_sets(module: _Module) -> Iterator[tuple[str, int]]:
    """The names of module-level sets of strings that a kind is compared against (``d.kind in LINK_KINDS``)."""
    for node, _ in module.nodes:
        if isinstance(node, ast.Compare) and getattr(node.left, "attr", None) == "kind":
            for other in node.comparators:
                if isinstance(other, ast.Name) and other.id in module.constants:
                    yield other.id, node.lineno


def _kinds() -> dict[str, list[str]]:
    """kind -> the file:line places that pass it."""
    modules = [_Module(path) for path in sorted(ROOT.rglob("*.py"))]
    constants = {name: value for module in modules for name, value in module.constants.items()}  # imported ones
    kinds: dict[str, list[str]] = {}
    for module in modules:
        place = lambda line, m=module: f"{m.path.relative_to(ROOT)}:{line}"  # noqa: E731
        for call, argument, scope in module.places():
            for kind in _kinds_of(argument, module, scope if _makes_problems(call) else None, modules, constants):
                kinds.setdefault(kind, []).append(place(argument.lineno))
        for name, line in _compared_sets(module):
            for kind in module.constants[name]:
                kinds.setdefault(kind, []).append(place(line))
    return kinds


@pytest.fixture(scope="module")
def kinds() -> dict[str, list[str]]:
    """The walk's kinds, read once for the module's tests (each walk parses every file of netgraph/)."""
    return _kinds()


def test_the_walk_finds_the_kinds_it_means_to(kinds):
    assert {"option-value", "data-range", "unknown-port", "validation-split", "error"} <= set(kinds)  # kind="..."
    assert {"chain-input", "no-convergence", "metric-port", "merged-batch-output"} <= set(kinds)  # by position
    assert {"layer-argument", "empty-net"} <= set(kinds)  # module constants (ARGUMENT_KIND, EMPTY_KIND)
    assert {"constant-output", "uncomputed-output", "unsupported-op", "edges-form", "table-record"} <= set(kinds)
    assert {"shape", "misplaced-encoder", "misplaced-decoder", "state-in-operator"} <= set(kinds)  # or, if-else
    compared = next(i for i, text in enumerate((ROOT / "core" / "chain_wiring.py").read_text().splitlines(), 1)
                    if "in LINK_KINDS" in text)  # the line comparing a kind with LINK_KINDS (found, not pinned)
    assert {"chain-input", "chain-output"} <= {kind for kind, places in kinds.items()
                                               if any(p.endswith(f"chain_wiring.py:{compared}") for p in places)}
    assert len(kinds) > 100


def test_the_walk_reads_no_other_strings_as_kinds(kinds):
    assert not {"InputWeights", "Total", "encoder", "BUFFER"} & set(kinds)  # other constants and .kind values


def test_every_kind_passed_in_netgraph_is_in_the_readme(kinds):
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    undocumented = {kind: places for kind, places in kinds.items() if f'"{kind}"' not in readme}
    assert undocumented == {}

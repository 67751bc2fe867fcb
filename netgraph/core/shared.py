"""Shared arrays (Wolfram's NetSharedArray): one array used by several layers, trained once, saved once.

Give the same ``NetSharedArray("w")`` as an array option of several layers; a layer keeps its array
value as usual and remembers which of its arrays are shared under which name (``layer.shared``). A
net's users of one name hold the same value: a graph fills users given no value from the one that has
it and refuses two different values. The compiled module has one parameter per shared name,
``net_initialize`` draws it once, and the spec writes it once.

>>> from netgraph import NetGraph, LinearLayer
>>> w = NetSharedArray("w")
>>> net = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=3)
>>> shared_users(net)
{'w': [(('a',), 'Weights'), (('b',), 'Weights')]}
>>> net.layers["a"].shared
{'Weights': 'w'}
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch

from netgraph.core.errors import Diagnostic, NetGraphError, OptionError, raise_all
from netgraph.core.option_problems import COMBINATION_KIND, VALUE_KIND
from netgraph.core.options import as_array
from netgraph.core.conflicts import Conflict
from netgraph.core.layer_checks import array_misfit
from netgraph.core.naming_scope import quoted, scoped_name

__all__ = ["same_values", "NetSharedArray", "replaced_markers", "SharedNames", "shared_users", "collect_users",
           "unify_shared", "shared_misfit", "shared_misfit_first", "check_joined_shared", "check_shared_held",
           "shared_values", "shape_clashes", "is_graph"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


class SharedNames(Mapping):
    """A layer's shared arrays, array name -> shared name: read-only, and picklable (a mappingproxy is not, so a
    net holding shared arrays could be neither pickled nor deep-copied)."""

    def __init__(self, names: Mapping[str, str]):
        self._names = dict(names)

    def __getitem__(self, key: str) -> str:
        return self._names[key]

    def __iter__(self) -> Any:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return repr(self._names)


@dataclasses.dataclass(frozen=True, eq=False)
class NetSharedArray:
    """A named array that several layers use: ``LinearLayer(4, weights=NetSharedArray("w"))``.

    ``array`` gives its value (else it is uninitialised until ``net_initialize``). The name is letters,
    digits, ``_`` and ``-`` (it keys the saved arrays).

    >>> import torch
    >>> from netgraph import NetGraph, LinearLayer, net_initialize
    >>> w = NetSharedArray("w")
    >>> tied = NetGraph({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w)}, [("a", "b")], Input=4)
    >>> net = net_initialize(tied, seed=0)
    >>> torch.equal(net.layers["a"].arrays["Weights"], net.layers["b"].arrays["Weights"])
    True
    """

    name: str
    array: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise OptionError(f"NetSharedArray name must be letters, digits, '_' or '-' (starting with a letter), "
                              f"found {quoted(self.name)}", option="name", kind=VALUE_KIND)
        object.__setattr__(self, "array", as_array(self.array, f"NetSharedArray({quoted(self.name)}) array="))

    def __repr__(self) -> str:
        value = "" if self.array is None else f", <array {tuple(self.array.shape)}>"
        return f"NetSharedArray({self.name!r}{value})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NetSharedArray):
            return NotImplemented
        return self.name == other.name and _same_value(self.array, other.array)

    def __hash__(self) -> int:  # a key of net_replace_part / net_extract: by name
        return hash(("NetSharedArray", self.name))


def replaced_markers(markers: dict[str, NetSharedArray], changes: Mapping[str, Any],
                     removable: Iterable[str] = ()) -> dict[str, NetSharedArray]:
    """A layer's shared arrays (``markers``, by field) after ``layer.replace(**changes)``: a new value keeps the name,
    a new NetSharedArray replaces the old one, and None (or False at a ``removable`` field: the array left out) ends
    the sharing, as a layer given None has its own array, uninitialised (as one never shared).

    >>> w = NetSharedArray("w")
    >>> replaced_markers({"weights": w, "biases": NetSharedArray("b")}, {"weights": None, "biases": [1.0]})
    {'biases': NetSharedArray('b', <array (1,)>)}
    """
    kept = dict(markers)
    for field, value in changes.items():
        if field not in kept:
            continue
        if value is None or value is False and field in removable:
            del kept[field]
        else:
            kept[field] = value if isinstance(value, NetSharedArray) else NetSharedArray(kept[field].name, value)
    return kept


def _same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and same_values(a, b)


def same_values(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal elements, NaN equal to NaN (an array holding NaN equals its saved and loaded copy, and itself).

    >>> nan = torch.tensor([1.0, float("nan")])
    >>> same_values(nan, nan.clone()), bool(torch.equal(nan, nan.clone()))
    (True, False)
    """
    if bool(torch.equal(a, b)):
        return True
    if not (a.is_floating_point() and b.is_floating_point()):
        return False
    nan = a.isnan()
    return bool(torch.equal(nan, b.isnan())) and bool(torch.equal(a[~nan], b[~nan]))


def is_graph(layer: Any) -> bool:
    """Whether ``layer`` is a graph (which keeps its _shared_users on itself)."""
    return keeps_own(layer, "_shared_users")


def keeps_own(layer: Any, name: str) -> bool:
    """Whether ``layer``, a graph or an operator (it replaces layers), holds ``name`` on itself; any other layer is
    asked by its class only (reading its ``__dict__`` would make Python build one for each layer; a failed
    ``hasattr`` is slow)."""
    return _replaces_layers(type(layer)) and name in getattr(layer, "__dict__", ())


@functools.cache
def _replaces_layers(cls: type) -> bool:
    return hasattr(cls, "replace_layers")


def shared_users(net: Any) -> dict[str, list[tuple[tuple, str]]]:
    """Each shared name of a graph with its users, ``(layer path, array name)``; an operator's inner arrays
    are named ``<option>.<inner path>.<Array>``, as in ``layer.arrays``."""
    return {name: list(users) for name, users in net._shared_users.items()}


def collect_users(layers: Mapping[str, Any]) -> dict[str, tuple[tuple[tuple, str], ...]]:
    """The shared users among ``layers`` (a graph's table), nested graphs' users prefixed by their name."""
    found: dict[str, list] = {}
    for name, layer in layers.items():
        if is_graph(layer):
            for shared, users in layer._shared_users.items():
                found.setdefault(shared, []).extend(((name, *path), array) for path, array in users)
        elif shared_names := (layer._shared if _reads_own_shared(type(layer)) else layer.shared):
            for array, shared in shared_names.items():
                found.setdefault(shared, []).append(((name,), array))
    return {k: tuple(v) for k, v in found.items()}


@functools.cache
def _reads_own_shared(cls: type) -> bool:
    """Whether ``cls.shared`` is Layer's (a copy of ``_shared``, read here without copying) rather than an
    override (an operator's, which adds its inner layers' shared arrays)."""
    owner = next(c for c in cls.__mro__ if "shared" in vars(c))
    return "_shared" in vars(owner)


def check_shared_held(layer: Any) -> None:
    """OptionError when ``layer`` shares an array its options leave it without (an array option given
    ``NetSharedArray`` that the layer, as its other options make it, does not have)."""
    if absent := [name for name in layer._shared if name not in layer.ARRAYS]:
        field = type(layer).ARRAYS.get(absent[0], absent[0])
        held = ", ".join(repr(a) for a in layer.ARRAYS) or "none"
        raise OptionError(f"{layer.type_name}: {field}= shares array {absent[0]!r} as {layer._shared[absent[0]]!r}, "
                          f"but with these options the layer has no such array (its arrays: {held})",
                          option=field, expected=list(layer.ARRAYS), found=absent[0], kind=COMBINATION_KIND)


def _value(layers: Mapping[str, Any], path: tuple, array: str) -> Any:
    layer = layers[path[0]]
    return (layer.layer_at(path[1:]) if len(path) > 1 else layer).arrays[array]


def unify_shared(layers: dict[str, Any], users: Mapping[str, Iterable[tuple[tuple, str]]],
                 misfits: list | None = None) -> dict[str, Any]:
    """``layers`` with every user of a shared name holding its one value (users without one get it);
    OptionError naming two users when they hold different values. Where ``misfits`` is a list, a value of
    another shape than its user's options fix is left out of that user and noted there (``shared_misfit``
    says it at the net's sizes, once known)."""
    errors, fills = [], {}
    for shared, where in users.items():
        values = [(path, array, _value(layers, path, array)) for path, array in where]
        given = [(p, a, v) for p, a, v in values if v is not None]
        first = given[0] if given else None
        for p, a, v in given[1:]:
            if not _same_value(v, first[2]):
                was, now = scoped_name(_shown(*first[:2])), scoped_name(_shown(p, a))
                errors.append(Diagnostic(
                    f"shared array {shared!r} has different values in layer {was!r} (shape {tuple(first[2].shape)}) "
                    f"and layer {now!r} (shape {tuple(v.shape)}); set it in every user with "
                    f"net_replace_part(net, {{NetSharedArray({shared!r}): value}})", "shared-values",
                    **_option_at(layers, p, a)))
                break
        if first is not None and len(given) < len(values):
            fills.update({(p, a): first[2] for p, a, v in values if v is None})
    raise_all(errors, OptionError, "shared arrays disagree")
    return with_arrays_at(layers, fills, {(p, a): shared for shared, where in users.items() for p, a in where},
                          misfits) if fills else layers


def check_joined_shared(nets: Iterable[Any]) -> None:
    """OptionError when two of ``nets`` (net_join's arguments: graphs or layers) give a shared array of one name
    different values, naming each net's user as the user gave it (not as the joined net renames it)."""
    seen: dict[str, tuple[int, str, Any]] = {}  # shared name -> (net number, its user shown, its value)
    for number, net in enumerate(nets, 1):
        alone = not is_graph(net)
        layers = {net.type_name: net} if alone else net.layers
        for shared, where in collect_users(layers).items():
            path, array, value = next(((p, a, v) for p, a in where if (v := _value(layers, p, a)) is not None),
                                      (None, None, None))
            if value is None:
                continue
            shown = _shown(path[1:] if alone else path, array)  # a layer alone: by its type, then inside it
            user = net.type_name + (f", layer {shown!r}" if shown else "") if alone else f"layer {shown!r}"
            if shared not in seen:
                seen[shared] = (number, user, value)
            elif not _same_value(value, seen[shared][2]):
                first, was, other = seen[shared]
                message = (f"net_join: shared array {shared!r} has different values in net {first} ({was}, shape "
                           f"{tuple(other.shape)}) and net {number} ({user}, shape {tuple(value.shape)}); rename the "
                           f"shared array in one of them or give both the same values")
                raise OptionError(message, [Diagnostic(message, "shared-values", found=shared)])


def _shown(path: tuple, array: str) -> str:
    """The layer holding a user's array, as a path: ``m/net/1`` for an operator's inner layer."""
    return "/".join((*path, *array.split(".")[:-1]))


def _option_at(layers: Mapping[str, Any], path: tuple, array: str) -> dict[str, Any]:
    """``layer`` and ``option`` of a user's array (an operator's inner array: its inner layer), for a Diagnostic."""
    full = (*path, *array.split("."))
    leaf = layers.get(full[0])
    for name in full[1:-1]:  # through nested graphs' layers and operators' inner nets
        leaf = (leaf.layers if is_graph(leaf) else leaf.inner_nets()).get(name)
        if leaf is None:
            return {"layer": path}
    return {"layer": full[:-1], "option": getattr(leaf, "ARRAYS", {}).get(full[-1])}


def with_arrays_at(layers: dict[str, Any], values: Mapping[tuple[tuple, str], Any],
                   names: Mapping[tuple[tuple, str], str], misfits: list | None = None) -> dict[str, Any]:
    """``layers`` (a graph's table) with the arrays at ``(path, array)`` set to ``values``, the shared arrays
    ``names``; OptionError naming the user and the shared array when a value does not fit its user (noted in
    ``misfits`` instead, where given: see ``unify_shared``)."""
    grouped: dict[tuple, dict[str, Any]] = {}
    for (path, array), value in values.items():
        grouped.setdefault(path, {})[array] = value
    out, nested = dict(layers), {}
    for path, arrays in grouped.items():
        if len(path) == 1:
            out[path[0]] = _filled(layers, out[path[0]], arrays, path, names, misfits)
        else:
            inner = out[path[0]].layer_at(path[1:])
            nested.setdefault(path[0], {})[path[1:]] = _filled(layers, inner, arrays, path, names, misfits)
    for name, changes in nested.items():
        out[name] = out[name].replace_layers(changes)
    return out


def _filled(table: Mapping[str, Any], layer: Any, arrays: Mapping[str, Any], path: tuple,
            names: Mapping[tuple[tuple, str], str], misfits: list | None = None) -> Any:
    """``layer.with_arrays(arrays)``; its OptionError names the layer at ``path`` in ``table`` and the shared array
    (a shape misfit noted in ``misfits``, where given, the layer kept as it was)."""
    try:
        return layer.with_arrays(arrays)
    except OptionError as exc:
        first = exc.diagnostics[0] if exc.diagnostics else None
        array = next((a for a in arrays if first and layer.ARRAYS.get(a) == first.option), next(iter(arrays)))
        named = first is not None and first.kind == "array-shape"  # the shape check names the shared array itself
        subject = "" if named else f"shared array {names[(path, array)]!r} does not fit "
        message = f"{subject}layer {scoped_name(_shown(path, array))!r}: {exc}"
        error = OptionError(message, [Diagnostic(message, "shared-shape", **_option_at(table, path, array))])
        if named and misfits is not None:
            misfits.append(_Misfit(path, array, names[(path, array)], arrays[array], error))
            return layer
        raise error from None


@dataclasses.dataclass(frozen=True)
class _Misfit:
    """A shared array's value left out of a user whose options rule out its shape (``alone``: that OptionError)."""

    path: tuple
    array: str
    shared: str
    value: Any
    alone: OptionError


def shared_misfit(net: Any, misfits: list[_Misfit], guessed: Callable) -> None:
    """OptionError for the first of ``misfits`` (``unify_shared``'s): its expected shape the one the net's sizes
    imply, once inferred and known (``guessed``: ``guessed_sizes.sized_by_guess``, which tells a port sized only by
    the layer's guess from the refused value itself); else the layer's alone."""
    if not misfits:
        return
    first, found = misfits[0], tuple(misfits[0].value.shape)
    layer, name, want = _wanted(net, first.path, first.array, guessed, found)
    if want is None or want == found:
        raise first.alone from None
    user = scoped_name(_shown(first.path, first.array))
    text = array_misfit(name, want, found, f" (shared array {first.shared!r})", " (from the net's sizes)")
    message = f"layer {user!r}: {layer.type_name}: array {text}"
    raise OptionError(message, [Diagnostic(message, "shared-shape", expected=want, found=found,
                                           **_option_at(net._layers, first.path, first.array))]) from None


@contextlib.contextmanager
def shared_misfit_first(net: Any, misfits: list[_Misfit]) -> Iterator[None]:
    """Inference of ``net``: a NetGraphError it raises gives way to the first of ``misfits`` (the layer's own)."""
    try:
        yield
    except NetGraphError:
        if misfits:
            raise misfits[0].alone from None
        raise


def _wanted(net: Any, path: tuple, array: str, guessed: Callable | None = None,
            found: tuple = ()) -> tuple[Any, str, tuple | None]:
    """The layer holding the user's array ``array`` of the layer at ``path`` (an operator's inner array: its inner
    layer), the array's name there, and the shape the net's sizes give it: None where not all known, or where a
    port is sized only by the layer's guess from the value of shape ``found`` it refused (``guessed``:
    ``sized_by_guess``)."""
    *inside, name = array.split(".")
    at = (*path, *inside)
    layer, types = net.layer_at(at), net.layer_types(at)
    if not all(t.known for t in types.values()) or guessed is not None and guessed(net, at, {name: found}):
        return layer, name, None
    try:
        want = layer.array_shapes(types).get(name)
    except (NetGraphError, Conflict):  # the layer's own problem, reported by inference
        return layer, name, None
    return layer, name, None if want is None else tuple(want)


def shared_values(net: Any) -> dict[str, Any]:
    """Each shared array of a graph by name: its value, or None while uninitialised."""
    layers = net.layers
    return {name: _value(layers, *users[0]) for name, users in net._shared_users.items()}


def shape_clashes(net: Any) -> list[Diagnostic]:
    """A Diagnostic at each user of a shared array given no value that needs another shape than its first user
    (a user whose ports are not all known yet is left out); a value given is checked when it is set."""
    problems = []
    for shared, users in net._shared_users.items():
        if any(_value(net._layers, path, array) is not None for path, array in users):
            continue
        first = None
        for path, array in users:
            layer, name, want = _wanted(net, path, array)
            if want is None:
                continue
            user = (f"layer {scoped_name(_shown(path, array))!r} ({layer.type_name}) array {quoted(name)} of shape "
                    f"{want}")
            if first is None:
                first = (want, user)
            elif first[0] != want:
                problems.append(Diagnostic(f"shared array {shared!r} is used as {first[1]} and as {user}; the users "
                                           f"of a shared array need one shape", "shared-shape",
                                           **_option_at(net._layers, path, array)))
                break
    return problems

"""Learning-rate multipliers stored on a net (Wolfram's LearningRateMultipliers as a net property).

``net_set_learning_rate_multipliers(net, {key: r})`` returns a copy of the net that carries the rules;
``net_train`` honours them after its own ``learning_rate_multipliers=`` (which take precedence), and
the YAML spec keeps them under ``learning_rate_multipliers:``. Keys pick layers or arrays as in
``netgraph.core.array_rules``; r = 0 (or None) freezes.

>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph({"enc": LinearLayer(4), "dec": LinearLayer(2)}, [("enc", "dec")], Input=3)
>>> slow = net_set_learning_rate_multipliers(net, {"enc": 0.1, ("dec", "Weights"): 0})
>>> slow.learning_rate_multipliers
{'enc': 0.1, 'dec/Weights': 0.0}
>>> stored_multipliers(NetGraph({"outer": slow}, [], Input=3))
[('outer/enc', 0.1), ('outer/dec/Weights', 0.0)]
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from netgraph.core.array_rules import PathIndex, RuleIndex, matches, no_match, rule_pattern
from netgraph.core.errors import MAX_LISTED, OptionError, raise_all
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.plain_numbers import plain_number
from netgraph.core.graph import NetGraph
from netgraph.core.layer_moves import Moves
from netgraph.core.layer_surgery import alone, is_lone_layer, rules_in_alone
from netgraph.core.multiplier_rates import picking_rules, stored_multipliers, unreached_shared
from netgraph.core.naming_scope import quoted
from netgraph.core.shared import shared_users
from netgraph.core.nesting import deep_walk
from netgraph.core.net_arguments import compiled_module_hint, compiled_module_note
from netgraph.core.operator import NetOperator
from netgraph.core.surgery_values import spec_walk

__all__ = ["net_set_learning_rate_multipliers", "array_names", "carry_multipliers", "carry_into", "container_path",
           "drop_rules_below", "prune_rules"]


def array_names(net: NetGraph, prefix: tuple = ()) -> list[str]:
    """Every array of the net as a dotted path (``'outer.inner.Weights'``), initialised or not."""
    out = []
    for name, layer in net.layers.items():
        path = (*prefix, name)
        out += array_names(layer, path) if isinstance(layer, NetGraph) else [".".join((*path, a)) for a in layer.arrays]
    return out


def net_set_learning_rate_multipliers(net: Any, rules: Any, *, header: str = "net_set_learning_rate_multipliers"
                                      ) -> NetGraph:
    """A copy of ``net`` storing the multipliers ``rules`` (a number, a dict or (key, r) pairs; {} clears). A layer
    alone (which stores none) gives the net of it alone, ``NetGraph(layer)``, its keys naming the layer's arrays.
    ``header``: what the error listing bad rules starts with (a spec names its key instead).

    >>> from netgraph import NetChain, LinearLayer
    >>> net = NetChain({"enc": LinearLayer(8), "head": LinearLayer(2)}, input=4)
    >>> net_set_learning_rate_multipliers(net, {"enc": 0}).learning_rate_multipliers  # "enc" frozen in training
    {'enc': 0.0}
    """
    if is_lone_layer(net):  # Wolfram's LinearLayer[..., LearningRateMultipliers -> r]
        return net_set_learning_rate_multipliers(
            alone(net), rules_in_alone(net, rules, "net_set_learning_rate_multipliers"), header=header)
    if not isinstance(net, NetGraph):
        raise OptionError(f"net_set_learning_rate_multipliers needs a NetGraph, a NetChain or a layer; found "
                          f"{type(net).__name__}{compiled_module_note(net)}", option="net", kind=VALUE_KIND,
                          hint=compiled_module_hint(net))
    if isinstance(rules, (int, float)) and not isinstance(rules, bool):
        rules = {"All": rules}
    items = list(rules.items()) if isinstance(rules, Mapping) else rules
    if not isinstance(items, Sequence) or not all(isinstance(i, (tuple, list)) and len(i) == 2 for i in items):
        raise OptionError(f"learning-rate multipliers are a number, a dict {{layer: r}} or (layer, r) pairs; "
                          f"found {rules!r}", option="rules", kind=VALUE_KIND)
    top, names, errors, stored = list(net.layers), [n.split(".") for n in array_names(net)], [], {}
    later = {(*path, *array.split(".")) for users in shared_users(net).values() for path, array in users[1:]}
    index = None
    for key, value in items:
        pattern = rule_pattern(key, net.layers)
        r = 0.0 if value is None else value
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not math.isfinite(r) or r < 0:
            errors.append(f"multiplier of {quoted(key)} must be a number >= 0 (0 freezes), found {quoted(value)}")
        elif not (index := index or PathIndex(names)).any_match(pattern):
            errors.append(no_match(key, top, names, guess=len(errors) < MAX_LISTED))
        elif problem := unreached_shared(net, key, pattern, [n for n in names if tuple(n) not in later]):
            errors.append(problem)
        else:
            stored["/".join(pattern) or "All"] = float(plain_number(r))  # np.float32(0.1): 0.1
    raise_all(errors, OptionError, header, option="rules", kind=VALUE_KIND)
    return net.with_learning_rate_multipliers(tuple(stored.items()))


def carry_multipliers(olds: Sequence[Any], new: Any, moves: Sequence[Moves] = ()) -> Any:
    """``new`` (a surgery's result) storing the multipliers that ``olds`` (its arguments) store, for the layers it
    kept: each key moves with its layer's position to the new path that ``moves`` (one per argument; none: the
    same paths) gives it (a renamed, flattened, renumbered or extracted layer). A rule for a graph taken apart
    becomes one rule per kept layer of it; a rule whose layers are all gone is dropped; a glob stays while it
    matches. A layer the edit added that an old rule would pick gets a rule of rate 1 first (see ``_exempt``)."""
    pairs = [(old, move) for old, move in zip(olds, [*moves, *[Moves()] * (len(olds) - len(moves))])
             if isinstance(old, NetGraph)]
    if not isinstance(new, NetGraph) or not any(stored_multipliers(old) for old, _ in pairs):
        return prune_rules(new)
    inherited = {rule for old, _ in pairs for rule in old.learning_rate_multipliers.items()}
    own = tuple(rule for rule in new.learning_rate_multipliers.items() if rule not in inherited)
    if len(own) < len(new.learning_rate_multipliers):  # an old rule a rebuild kept as it was: moved below instead
        new = new.with_learning_rate_multipliers(own)  # (kept, '1/3' would pick the layer renumbered 4 -> 3)
    there = {path for path, _ in _walk(new)}
    keys, out = {key for key, _ in own}, list(own)  # one rule per key: the first match wins, a later one is dead
    nested = set(stored_multipliers(new)) - set(own)  # an appended head's own rules: kept in it, not copied outside
    names = [n.split(".") for n in array_names(new)]
    index = PathIndex(names)
    alone_with_rules = sum(bool(stored_multipliers(old)) for old, _ in pairs) == 1
    for old, move in pairs:
        mapping = _path_map(old, move, there)
        added = _added_layers(old, mapping, there)
        known, below = {"/".join(path): path for path in mapping}, _kept_below(mapping)
        moved = [(k, r) for key, r in stored_multipliers(old) for k in _moved(key, mapping, known, below, index)]
        foreign = _foreign_layers(new, mapping, added) if alone_with_rules else None
        rules = _exempt(foreign, moved, names) + moved if foreign is not None else _own_layers(
            moved, mapping, names, added)
        for key, r in rules:
            if key not in keys and (key, r) not in nested:
                keys.add(key)
                out.append((key, r))
    return prune_rules(new.with_learning_rate_multipliers(tuple(out)) if len(out) > len(own) else new)


@deep_walk
def prune_rules(net: Any) -> Any:
    """``net`` without the stored rules (its own, its nested graphs' and inner nets') that pick no array any more:
    their layers were removed or replaced by layers without arrays (kept, such a rule would not load from YAML)."""
    if not isinstance(net, NetGraph) or not stored_multipliers(net):
        return net
    changes = {}
    for name, layer in net.layers.items():
        new = layer
        if isinstance(layer, NetGraph):
            new = prune_rules(layer)
        elif isinstance(layer, NetOperator):
            nets = {f: prune_rules(getattr(layer, f)) for f in layer.NETS}
            changed = {f: inner for f, inner in nets.items() if inner is not getattr(layer, f)}
            new = dataclasses.replace(layer, **changed) if changed else layer
        if new is not layer:
            changes[name] = new
    net = net.replace_layers(changes) if changes else net
    kept = picking_rules(net)
    return net if len(kept) == len(net.learning_rate_multipliers) else net.with_learning_rate_multipliers(kept)


def carry_into(net: NetGraph, path: tuple, part: Any) -> Any:
    """``part`` (the graph or operator at ``path`` in ``net``, as net_extract gives it) storing the rules of ``net``
    that pick arrays in it, keys relative to it: a rule about it (or a graph around it) becomes ``'All'``. An
    operator's inner nets take them (``(op, "net", "lin")`` becomes ``"lin"`` in its inner net ``net``)."""
    if isinstance(part, NetOperator):
        nets = {f: carry_into(net, (*path, f), getattr(part, f)) for f in part.NETS}
        changed = {f: inner for f, inner in nets.items() if inner is not getattr(part, f)}
        return dataclasses.replace(part, **changed) if changed else part
    if not isinstance(part, NetGraph):
        return part
    outer = Counter(stored_multipliers(net))
    outer.subtract(stored_multipliers(part, path))  # the part's own rules (and its nested graphs') stay where they are
    where, rules = [q for name in path for q in name.split("/")], {}
    for key, r in stored_multipliers(net):
        if outer[(key, r)] <= 0:
            continue
        outer[(key, r)] -= 1
        parts = [] if key == "All" else key.split("/")
        if len(parts) <= len(where) and matches(parts, where[:len(parts)]):
            rules.setdefault("All", r)
        elif matches(parts[:len(where)], where):
            rules.setdefault("/".join(parts[len(where):]), r)
    if not rules:
        return part
    for key, r in part.learning_rate_multipliers.items():
        rules.setdefault(key, r)  # the first rule for a key wins, as in training
    return part.with_learning_rate_multipliers(tuple(rules.items()))


def _walk(net: NetGraph, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every layer (graphs too, and operators' inner nets as ``(op, option, ...)``) with its path, outer ones first."""
    out = []
    for name, layer in net.layers.items():
        out.append(((*prefix, name), layer))
        if isinstance(layer, NetGraph):
            out += _walk(layer, (*prefix, name))
        for field in getattr(layer, "NETS", ()) if isinstance(layer, NetOperator) else ():
            inner = getattr(layer, field)
            out += [((*prefix, name, field), inner), *_walk(inner, (*prefix, name, field))]
    return out


def _path_map(old: NetGraph, moves: Moves, there: set[tuple]) -> dict[tuple, tuple | None]:
    """Each old layer path -> its new path (None: gone, or no layer is there in the new net)."""
    mapping: dict[tuple, tuple | None] = {}
    for path, _ in _walk(old):
        new = moves.path(path)
        mapping[path] = new if new in there else None
    return mapping


def _kept_below(mapping: dict[tuple, tuple | None]) -> dict[tuple, list[tuple[tuple, tuple]]]:
    """Of each old path with kept layers below it, ``(old path, new path)`` of each of them (``mapping``'s order)."""
    below: dict[tuple, list[tuple[tuple, tuple]]] = {}
    for path, target in mapping.items():
        for k in range(1, len(path)) if target is not None else ():
            below.setdefault(path[:k], []).append((path, target))
    return below


def _moved(key: str, mapping: dict[tuple, tuple | None], known: dict[str, tuple],
           kept_below: dict[tuple, list[tuple[tuple, tuple]]], index: PathIndex) -> list[str]:
    """The keys that pick in the new net what ``key`` picked in the old one (see ``carry_multipliers``; ``known``:
    each old layer path of ``mapping`` by its key spelling; ``kept_below``: ``_kept_below(mapping)``; ``index``: the
    new net's arrays). Lookups, not walks over the layers or arrays: linear in the keys and layers."""
    if key == "All":
        return [key]
    parts = key.split("/")
    layer = next((known["/".join(parts[:k])] for k in range(len(parts), 0, -1) if "/".join(parts[:k]) in known), None)
    if layer is None:  # a glob (or a key no layer path spells): kept while it still picks an array
        return [key] if index.any_match(parts) else []
    rest = parts[len("/".join(layer).split("/")):]
    if mapping[layer] is not None:
        return ["/".join((*mapping[layer], *rest)) or "All"]
    below = kept_below.get(layer, [])
    homes = {target[:len(target) - len(path) + len(layer)] for path, target in below}
    if len(homes) == 1 and all(len(target) > len(path) - len(layer) for path, target in below):
        return ["/".join((*homes.pop(), *rest)) or "All"]  # a graph rebuilt in one place (its layers edited)
    out = []  # a graph taken apart (or a layer removed): one rule per kept layer below it
    for path, target in below:
        key_parts = [*target, *rest[len(path) - len(layer):]]
        if matches(rest[:len(path) - len(layer)], list(path[len(layer):])) and index.any_match(key_parts):
            out.append("/".join(key_parts))
    if out and set(index.picked(parts)) == {i for k in out for i in index.picked(k.split("/"))}:
        return [key]
    return list(dict.fromkeys(out))


def _added_layers(old: NetGraph, mapping: dict[tuple, tuple | None], there: set[tuple]) -> set[tuple]:
    """The new paths of the layers that did not come from ``old`` but sit in a graph or inner net of it that was
    kept (``net_append(frozen, l, at="enc")`` adds ``("enc", "3")``), as ``mapping`` (see ``_path_map``) says."""
    sources = {target: layer for path, layer in _walk(old) if (target := mapping[path]) is not None}
    return {path for path in there if path not in sources and path[:-1] in sources
            and isinstance(sources[path[:-1]], NetGraph)}


def _foreign_layers(new: NetGraph, mapping: dict[tuple, tuple | None], added: set[tuple]) -> list[tuple] | None:
    """The paths of the layers in ``new`` that did not come from the old net (``mapping``): those an edit ``added``
    inside a kept graph and the top-level ones another argument brought; None when one of them stores rules of its
    own (an exemption rule in front would hide them: ``_own_layers`` narrows the old rules instead)."""
    targets = {t for t in mapping.values() if t is not None}
    paths = [*added, *((name,) for name in new.layers if (name,) not in targets)]
    layers = dict(_walk(new)) if added else {(name,): layer for name, layer in new.layers.items()}
    nets = [net for p in paths for net in ([layers[p]] if isinstance(layers[p], NetGraph) else
                                            [getattr(layers[p], f) for f in getattr(layers[p], "NETS", ())])]
    if any(stored_multipliers(net) for net in nets):
        return None
    return paths


def _exempt(foreign: list[tuple], moved: list[tuple[str, float]], names: list[list[str]]) -> list[tuple[str, float]]:
    """A rule of rate 1 for each of the ``foreign`` layers (see ``_foreign_layers``) that one of the ``moved`` old
    rules would pick (``net_append(frozen, head)``: the head trains): put first, it wins over those rules, which
    stay as they are (``"All": 0`` stays one rule however many layers it freezes)."""
    wanted, under = set(foreign), {}
    for n in names:
        for k in range(1, len(n)):
            if tuple(n[:k]) in wanted:
                under.setdefault(tuple(n[:k]), []).append(n)
    patterns = [[] if key == "All" else key.split("/") for key, _ in moved]
    return [("/".join(path), 1.0) for path in foreign
            if any(matches(pattern, n) for n in under.get(path, ()) for pattern in patterns)]


def _own_layers(rules: list[tuple[str, float]], mapping: dict[tuple, tuple | None], names: list[list[str]],
                added: set[tuple] = frozenset()) -> list[tuple[str, float]]:
    """``rules`` narrowed to the layers that came from the old net: ``"All"`` or a glob that would also pick a layer
    another argument brought (``net_append(frozen, head)``: the head trains) or an edit ``added`` inside a kept
    graph becomes a rule per old layer it picked (its arrays, where it picked some of a layer's). A layer in a kept
    position (a replaced one) stays picked. Each array's outermost kept layer is found once, and each rule's arrays
    in one pass over the arrays (``RuleIndex``): linear in the layers, not a walk over them per rule."""
    holding = {path[:k] for path in added for k in range(1, len(path) + 1)}  # an added layer or a graph around one
    targets = {t for t in mapping.values() if t is not None} - holding
    home = [next((tuple(n[:k]) for k in range(1, len(n)) if tuple(n[:k]) in targets), None) for n in names]
    under: dict[tuple, list[int]] = {}  # a kept layer -> its arrays (those whose home it is: no kept layer around it)
    for i, top in enumerate(home):
        if top is not None:
            under.setdefault(top, []).append(i)
    out = []
    for (key, r), picked in zip(rules, _picked_each([key for key, _ in rules], names)):
        if all(home[i] is not None for i in picked):
            out.append((key, r))
            continue
        chosen = set(picked)
        for top in dict.fromkeys(home[i] for i in picked if home[i] is not None):
            out += [("/".join(top), r)] if chosen.issuperset(under[top]) else [
                ("/".join(names[i]), r) for i in under[top] if i in chosen]
    return out


def _picked_each(keys: list[str], names: list[list[str]]) -> list[list[int]]:
    """For each of ``keys``, the indices of the arrays (``names``, as parts) it picks, in order."""
    index, out = RuleIndex([[] if key == "All" else key.split("/") for key in keys]), [[] for _ in keys]
    for i, n in enumerate(names):
        for rule in index.matching(n):
            out[rule].append(i)
    return out


def container_path(net: NetGraph, spec: Any) -> tuple | None:
    """The names path of the graph, operator or inner net that ``spec`` (a name, 1-based index or tuple path, into
    operators as ``(op, "net", ...)``) names in ``net``; None when it names something else."""
    path, found = spec_walk(net, spec)
    return path if path and isinstance(found, (NetGraph, NetOperator)) else None


def drop_rules_below(net: NetGraph, paths: Sequence[tuple]) -> NetGraph:
    """``net`` without the stored rules (its own, and its nested graphs' and inner nets' on the way) that name
    layers inside the replaced parts at ``paths``: a new graph, inner net or operator brings its own rules."""
    def below(key: str, path: tuple) -> bool:
        parts, where = key.split("/"), [q for p in path for q in p.split("/")]
        return len(parts) > len(where) and parts[:len(where)] == where
    kept = tuple((k, r) for k, r in net._multipliers if not any(below(k, p) for p in paths))
    if kept != net._multipliers:
        net = net.with_learning_rate_multipliers(kept)
    deeper: dict[str, list[tuple]] = {}
    for path in paths:
        if len(path) > 1:
            deeper.setdefault(path[0], []).append(path[1:])
    changes = {}
    for name, rests in deeper.items():
        layer = net.layers[name]
        if isinstance(layer, NetGraph):
            new = drop_rules_below(layer, rests)
        elif isinstance(layer, NetOperator):
            nets = {f: drop_rules_below(getattr(layer, f), [r[1:] for r in rests if r[0] == f and len(r) > 1])
                    for f in {r[0] for r in rests} if f in layer.NETS}
            changed = {f: inner for f, inner in nets.items() if inner is not getattr(layer, f)}
            new = dataclasses.replace(layer, **changed) if changed else layer
        else:
            continue
        if new is not layer:
            changes[name] = new
    return net.replace_layers(changes) if changes else net

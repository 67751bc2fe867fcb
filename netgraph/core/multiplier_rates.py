"""Learning-rate multipliers as rates: the rules stored on a net and its nested nets, and each array's rate from
them (what ``net_train`` applies and ``information("ArraysLearningRateMultipliers")`` shows). Setting and moving
the rules is ``netgraph.core.multipliers``'; this module knows graphs by their shape, not their class, so that the
graph's own module can import it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from netgraph.core.array_rules import PathIndex, RuleIndex, matches, refuse_unmatched, rule_pattern
from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted
from netgraph.core.shared import is_graph, shared_users
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.user_frame import user_stacklevel
from netgraph.core.walk import nested_nodes

__all__ = ["stored_multipliers", "module_frozen", "array_multipliers", "picking_rules", "unreached_shared",
           "shared_aliases", "names_array"]


def stored_multipliers(net: Any, prefix: tuple = ()) -> list[tuple[str, float]]:
    """The rules stored on the net and the graphs inside it (operators' inner nets too, as ``op/net/...``), keys
    as paths from the top; outer rules first."""
    out: list[tuple[str, float]] = []
    stack = [(net, prefix)]
    while stack:  # depth first, each graph's rules before its nested graphs': a loop, as nets nest 1000 deep
        graph, path = stack.pop()
        out += [("/".join((*path, *([] if key == "All" else [key]))) or "All", r)
                for key, r in graph.learning_rate_multipliers.items()]
        if graph._depth > 1:  # (a net of depth 1 holds no graph or operator: no walk over its layers)
            stack += reversed([(inner, (*path, *at)) for name, layer in graph.layers.items()
                               for at, inner in _nets_in(name, layer)])
    return out


def _nets_in(name: str, layer: Any) -> list[tuple[tuple, Any]]:
    """The nets a layer holds with their paths: a graph itself, an operator its inner nets (``(name, option)``)."""
    if is_graph(layer):
        return [((name,), layer)]
    return [((name, f), getattr(layer, f)) for f in getattr(layer, "NETS", ())]


def module_frozen(net: Any) -> frozenset[str]:
    """The parameter names (dotted paths) of the arrays that their layer's own module keeps from training (a
    ``TorchLayer``'s parameter with ``requires_grad=False``; ``layer.frozen_arrays``): rate 0, whatever the rules."""
    return frozenset(".".join((*path, array)) for path, node in nested_nodes(net)
                     for array in getattr(node.layer, "frozen_arrays", ()))


def array_multipliers(net: Any, names: list[str], rules: Sequence[tuple[Any, float]] = ()) -> dict[str, float]:
    """Each parameter name's learning-rate multiplier: the first matching rule wins, default 1; ``rules`` (key,
    rate) come first (net_train's ``learning_rate_multipliers=``; one that matches nothing is an OptionError), then
    those stored on the net (``net_set_learning_rate_multipliers``); an array its module freezes (``module_frozen``)
    0, as training leaves it."""
    given = [(key, rule_pattern(key, net.layers), r) for key, r in rules]
    rules = given + [(key, key.split("/") if key != "All" else [], r) for key, r in stored_multipliers(net)]
    aliases = shared_aliases(net)
    used: set[int] = set()
    picked: dict[int, list[str]] = {}
    frozen = module_frozen(net)
    out, index = {}, RuleIndex([pattern for _, pattern, _ in rules])
    for name in names:
        parts, others = name.split("."), aliases.get(name, ())
        out[name] = 1.0
        found = index.matching(parts)[:1] if not others else [  # a shared array: any user's path picks it
            i for i, (_, pattern, _) in enumerate(rules)
            if matches(pattern, parts) or any(names_array(pattern, other) for other in others)][:1]
        for i in found:
            out[name], _ = rules[i][2], used.add(i)
            picked.setdefault(i, []).append(name)
        out[name] = 0.0 if name in frozen else out[name]
    _warn_module_frozen(given, picked, frozen)
    own = [name.split(".") for name in names]
    for i, (key, pattern, _) in enumerate(given):
        if i not in used and (problem := unreached_shared(net, key, pattern, own)):
            raise OptionError(f"learning_rate_multipliers {problem}", option="learning_rate_multipliers",
                              kind=VALUE_KIND)
    refuse_unmatched("learning_rate_multipliers", [(key, pattern) for key, pattern, _ in given], used, net.layers,
                     [*names, *(".".join(o) for n in names for o in aliases.get(n, ()))], "learning_rate_multipliers")
    return out


def _warn_module_frozen(given: list, picked: dict[int, list[str]], frozen: frozenset[str]) -> None:
    """A warning for each given rule (key, pattern, rate) with a rate that picks only arrays their module freezes
    (requires_grad=False): it changes nothing, as training leaves those arrays as they are."""
    for i, (key, _, rate) in enumerate(given):
        if rate and picked.get(i) and all(name in frozen for name in picked[i]):
            warnings.warn(f"learning_rate_multipliers rule {quoted(key)}: {rate} picks only "
                          f"{', '.join(picked[i][:4])}, which its module keeps from training (requires_grad=False): "
                          f"the rule changes nothing; set requires_grad=True on the parameter to "
                          f"train it", stacklevel=user_stacklevel())


def unreached_shared(net: Any, key: Any, pattern: list[str] | None, own: list[list[str]]) -> str | None:
    """Why the rule ``key`` (``pattern``) picks nothing, when it matches no array of ``own`` (array paths, as parts,
    that are no later user's of a shared array) but matches later users' arrays by a layer, naming none of them:
    a layer rule reaches a shared array only through its first user, so it would silently pick nothing."""
    later = {(*path, *array.split(".")): users[0][0] for users in shared_users(net).values() for path, array in users[1:]}
    hit = [list(p) for p in later if matches(pattern, list(p))]
    if not hit or any(names_array(pattern, p) for p in hit) or any(matches(pattern, p) for p in own):
        return None
    firsts = ", ".join(sorted({repr("/".join(later[tuple(p)])) for p in hit}))
    return (f"key {quoted(key)} reaches only shared arrays whose first user is layer {firsts}: a layer rule reaches a "
            f"shared array through its first user; name that layer or the array itself, such as {tuple(hit[0])!r}")


def shared_aliases(net: Any) -> dict[str, list[list[str]]]:
    """A shared array's parameter name (its first user's path) -> its other users' array paths (as parts)."""
    out = {}
    for users in shared_users(net).values():
        paths = [[*path, *array.split(".")] for path, array in users]
        out[".".join(paths[0])] = paths[1:]
    return out


def names_array(pattern: list[str] | None, parts: list[str]) -> bool:
    """Whether ``pattern`` names the array ``parts`` itself (not a layer above it): a rule reaches a shared array by
    any user's array path, a layer rule only by its first user's (as the parameter is named)."""
    return pattern is not None and matches(pattern, parts) and len("/".join(pattern).split("/")) == len(
        "/".join(parts).split("/"))


def picking_rules(net: Any) -> tuple:
    """The rules stored on ``net`` itself that still pick one of its arrays (initialised or not): a rule whose
    layers an edit removed, or replaced by layers without arrays, would not load back from YAML."""
    names, stack = [], [(net, ())]
    while stack:
        graph, path = stack.pop()
        for name, layer in graph.layers.items():
            if is_graph(layer):
                stack.append((layer, (*path, name)))
            else:
                names += [[*path, name, *array.split(".")] for array in layer.arrays]
    index = PathIndex(names)  # one lookup a rule, not a walk over every array
    return tuple((k, r) for k, r in net.learning_rate_multipliers.items()
                 if index.any_match([] if k == "All" else k.split("/")))

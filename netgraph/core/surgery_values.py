"""The values ``net_replace_part`` takes for an array: numbers, not a ``NetSharedArray`` (a layer option), whose refusal
says how to share that array (or that its layer cannot: a TorchLayer's arrays are its module's own)."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import torch

from netgraph.core.errors import NetGraphError, OptionError, WiringError, at_layer, did_you_mean, nested
from netgraph.core.graph import NetGraph, coerce_layer
from netgraph.core.names import indexed
from netgraph.core.operator import NetOperator
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.options import as_array
from netgraph.core.ports import NetPort
from netgraph.core.shared import NetSharedArray, collect_users
from netgraph.core.port_paths import shown_path
from netgraph.core.surgery_lead import function_lead, headed_here

__all__ = ["array_value", "check_one_value_per_shared", "in_order", "keys_given", "port_change", "spec_walk",
           "users_with_changes"]

_SET_ALL = "to set a shared array's values in every user: net_replace_part({}, {{NetSharedArray(name): values}})"


def array_value(net: Any, path: tuple, array: str, value: Any, shared: str | None = None,
                lone: bool = False) -> torch.Tensor:
    """``value`` as a layer's array option takes it (``as_array``); OptionError naming the part the user gave (the
    ``shared`` array's name, where given, else the layer's array, its ``layer`` the path) for None and for a
    NetSharedArray (with how to share the array, or to clear a shared one's values). ``lone``: ``net`` is a layer alone
    (net_replace_part of a layer), whose advice names that layer itself, not a key of a net the user never wrote."""
    where = function_lead("net_replace_part") + (f"the shared array {NetSharedArray(shared)!r}" if shared is not None
                                     else f"{net.describe((path, None))} array {array!r}")
    at = {"layer": path} if shared is None else {}  # a shared array's users are many
    if value is None and shared is not None:
        field = net.layer_at(path).settable_arrays[array]
        hint = (f"to clear its values and keep it shared, give each of its users the NetSharedArray without values "
                f"(layer.replace({field}=NetSharedArray({shared!r})) for each, in one net_replace_part)")
        raise OptionError(f"{where} needs a numeric array (a real tensor, a number or nested lists of numbers); "
                          f"found None; {hint}", kind=VALUE_KIND, hint=hint, expected="a numeric array", found=None)
    if isinstance(value, NetSharedArray):  # a layer option, not an array's values: say where it goes
        holder = ("operator" if "." in array else "layer") if lone else "net"  # what the user gave net_replace_part
        hint = f"{share_hint(net, path, array, value.name, lone)}; {_SET_ALL.format(holder)}"
        raise OptionError(f"{where} takes the array's values, not the shared array {value!r}; {hint}",
                          option=net.layer_at(path).settable_arrays[array], kind=VALUE_KIND, hint=hint, **at)
    if value is None or isinstance(value, bool):  # a flag is no array (True would be read as 1.0), as for options
        flag = "" if value is None else "; a flag is no array (to leave an array out, give the layer's option: " \
            "layer.replace(biases=False))"
        raise OptionError(f"{where} needs a numeric array (a real tensor, a number or nested lists of numbers); "
                          f"found {value}{flag}", kind=VALUE_KIND, expected="a numeric array", found=value, **at)
    try:
        return as_array(value, where)
    except NetGraphError as exc:
        raise (at_layer(exc, path) if at else exc) from None


def check_one_value_per_shared(given: list[tuple[Any, str | None, tuple | None, torch.Tensor]]) -> None:
    """OptionError (naming both keys, the shared array and both values' shapes) for two keys of one call giving one
    shared array different values: two of its users' (``("a", "Weights")`` and ``("b", "Weights")``, inside an
    operator too), or ``NetSharedArray(name)`` and a user's. Each sets the array in every user, and the later would
    lose the other silently. Keys naming one part (by name and index) apply in order: the later wins. ``given``: (key,
    shared name or None, the part it names, None for a NetSharedArray key, value) of each array given, in order."""
    parts: dict[str, dict[tuple | None, tuple[Any, torch.Tensor]]] = {}
    for key, shared, part, value in given:
        if shared is not None:
            parts.setdefault(shared, {})[part] = (key, value)
    for shared, by_part in parts.items():
        (first, value), *others = by_part.values()
        for key, other in others:
            if other is not value and not torch.equal(other, value):
                raise OptionError(f"{first!r} and {key!r} give the shared array {NetSharedArray(shared)!r} "
                                  f"different values (shapes {tuple(value.shape)} and {tuple(other.shape)}); give it "
                                  f"one value, once (NetSharedArray({shared!r}) as the key sets every user)",
                                  option=shared, kind=VALUE_KIND, found=(first, key),
                                  hint=f"net_replace_part(net, {{NetSharedArray({shared!r}): values}})")


def share_hint(net: Any, path: tuple, array: str, name: str, lone: bool = False) -> str:
    """How to share ``array`` of the layer at ``path`` as ``name``: its option given the NetSharedArray, the layer put
    back by net_replace_part (an operator's inner array ``"net.h.Weights"``: the inner layer's, at its path); of a
    layer ``lone`` (``net`` holds it alone): ``layer.replace(...)``, and the inner layer's path from that layer."""
    layer = net.layer_at(path)
    field = layer.settable_arrays[array]
    option = f"layer.replace({field}=NetSharedArray({name!r}))"
    if field in {f.name for f in dataclasses.fields(layer)}:
        if lone:
            return f"to share the array, give it as the layer's option: {option}"
        key = path[0] if len(path) == 1 else path
        return f"to share the array, give it as the layer's option: net_replace_part(net, {{{key!r}: {option}}})"
    *inner, inner_array = array.split(".")
    if inner:  # an operator's inner layer
        inner_path = (*((() if lone else path)), *inner)
        inner_field = net.layer_at((*path, *inner)).settable_arrays[inner_array]
        return f"to share the array, give it as the inner layer's option: net_replace_part(" \
               f"{'operator' if lone else 'net'}, {{{inner_path!r}: layer.replace({inner_field}=NetSharedArray(" \
               f"{name!r}))}})"
    return f"a {layer.type_name}'s arrays are its module's own: it cannot share one"


def port_change(net: Any, spec: Any, value: Any) -> tuple[str, Any] | None:
    """``(graph port, its new type or coder)`` where ``spec`` names a port of ``net``: ``NetPort("Input")`` (Wolfram's
    ``NetPort["Input"] -> 3``; also beside a layer named "Input"), or a port name that names no layer; else None. None
    removes a coder (Wolfram's ``"Input" -> None``), leaving the port the type the coder gave it."""
    port = spec.port if isinstance(spec, NetPort) and spec.layer is None else spec
    ports = (*net.input_ports, *net.output_ports)
    if port is spec and not (isinstance(spec, str) and spec in ports and spec not in net.layers):
        return None
    if port not in ports:
        raise WiringError(f"{spec!r}: the net has no graph port {port!r}{did_you_mean(port, ports)}; its graph ports "
                          f"are {list(ports)}", kind="unknown-port", layer=(), port=port, found=port)
    return port, net.port_types[port] if value is None and port in net.coders else value


def in_order(net: NetGraph, changes: Mapping[Any, Any], replace: Callable[[Any, dict], Any],
             refit: Callable | None = None) -> tuple[dict[Any, Any], Callable[[Any], list[tuple]], list[tuple], dict]:
    """``changes`` applied in order, as one dict of parts apart: a later key for the same part (a name and an index)
    wins; one for a part inside a layer an earlier key puts in is applied to that layer (``replace``:
    net_replace_part, on the new layer alone); one replacing a layer drops the earlier keys for parts inside it. The
    net is checked once, with every change made. With the changes: of a key, the paths of the layers that later keys
    put in (a shared array's earlier values do not reach them; none for a key ``changes`` lacks); and ``(that layer's
    path, the path in it)`` of each array a key gave inside a layer an earlier key puts in. ``refit(at, layer,
    inner)``: for an array the new layer's own options refuse, the error with the shape the net needs (or None). And of
    each NetSharedArray key, the keys that set it, in order: ``(the user's key, the part it names or None, value)``
    (a user's inside a layer an earlier key puts in becomes the NetSharedArray key: ``keys_given`` compares them)."""
    out: dict[Any, tuple[tuple | None, Any]] = {}  # key -> (the path it names, its value)
    new_layers: dict[tuple, Any] = {}  # the path of a layer an earlier key puts in -> that key
    place: dict[Any, int] = {}  # key -> its place in ``changes``
    by_path: dict[tuple, Any] = {}  # path -> the last key naming it
    layer_places: list[tuple[int, tuple]] = []  # (place, path) of each key putting a layer in, in order
    arrays_inside: dict[Any, list[tuple]] = {}  # the key putting a layer in -> the paths in it of arrays given there
    sources: dict[NetSharedArray, list[tuple]] = {}  # a shared array -> (key, part, value) of each key setting it
    for index, (spec, value) in enumerate(changes.items()):
        place[spec] = index
        path = _spec_path(net, spec)
        outer = next((new_layers[path[:k]] for k in range(1, len(path or ())) if path[:k] in new_layers), None)
        if outer is not None:
            at, layer = out[outer]
            layer, rest = coerce_layer(layer, "net_replace_part"), path[len(at):]
            if (name := _shared_name(layer, rest)) in net._shared_users:  # the array in every user, as the key does
                sources.setdefault(NetSharedArray(name), []).append((spec, path, value))
                spec = NetSharedArray(name)
                place[spec], out[spec] = index, (None, value)
                continue
            is_array = not _is_layer(value)
            about = rest[:-1] if is_array else rest  # the layer in it that an error naming none is about
            out[outer] = at, _replaced_inside(layer, at, {rest[0] if len(rest) == 1 else rest: value}, about, replace,
                                               refit if is_array else None)
            arrays_inside.setdefault(outer, []).extend([rest] if is_array else [])
            continue
        if isinstance(spec, NetSharedArray):
            sources.setdefault(spec, []).append((spec, None, value))
        if path:
            is_layer = _is_layer(value)  # a layer drops the keys inside it; another value only one for its part
            inside = [old for old, (at, _) in out.items() if at and at[:len(path)] == path] if is_layer else \
                [old for old in (by_path.get(path),) if old in out]
            for old in inside:
                new_layers.pop(out.pop(old)[0], None)
            by_path[path] = spec
            if is_layer:
                new_layers[path] = spec
                layer_places.append((index, path))
        out[spec] = path, value
    starts = [index for index, _ in layer_places]

    def replaced_later(spec: Any) -> list[tuple]:
        return [path for _, path in layer_places[bisect.bisect_right(starts, place.get(spec, len(changes))):]]
    inside = [(out[outer][0], rest) for outer, paths in arrays_inside.items() if outer in out for rest in paths]
    return {spec: value for spec, (_, value) in out.items()}, replaced_later, inside, sources


def keys_given(net: Any, key: Any, path: tuple, array: str, shared: str | None, value: torch.Tensor,
               sources: Mapping[NetSharedArray, list[tuple]]) -> list[tuple]:
    """For ``check_one_value_per_shared``: (the user's key, ``shared``, the part it names, value) of each key that
    ``key`` (of ``in_order``'s changes, setting the array ``array`` at ``path`` to ``value``) stands for: a
    NetSharedArray's ``sources`` (each earlier value read by ``array_value``; the last is the one ``value`` was read
    from), else ``key`` itself."""
    if key not in sources:
        return [(key, shared, None if isinstance(key, NetSharedArray) else spec_walk(net, key)[0], value)]
    *earlier, (user, part, _) = sources[key]
    return [(u, shared, p, array_value(net, path, array, given, shared)) for u, p, given in earlier] + [
        (user, shared, part, value)]


def users_with_changes(net: NetGraph, new_layers: Mapping[tuple, Any], name: str,
                       skipped: list[tuple]) -> list[tuple[tuple, str]]:
    """The users ``(layer path, array)`` of the shared array ``name`` in ``net`` with ``new_layers`` (path -> layer) put
    in: those of ``net`` outside the new layers, and those of the new layers but the ``skipped`` paths."""
    def inside(path: tuple, paths: Any) -> bool:
        return any(path[:len(outer)] == outer for outer in paths)
    users = [(path, array) for path, array in net._shared_users.get(name, ()) if not inside(path, new_layers)]
    for path, layer in new_layers.items():
        if not inside(path, skipped):
            users += [((*path, *inner[1:]), array) for inner, array in collect_users({"": layer}).get(name, ())]
    return users


def _shared_name(layer: Any, rest: tuple) -> str | None:
    """The shared array's name that ``rest`` (a path in ``layer``, into an operator's net too) reaches, if any."""
    for name, users in collect_users({"": layer}).items():  # an operator's users: (("",), "net.a.Weights")
        if any((*user[1:], *array.split(".")) == rest for user, array in users):
            return name
    return None


def _replaced_inside(layer: Any, at: tuple, inner: dict, about: tuple, replace: Callable[[Any, dict], Any],
                     refit: Callable | None = None) -> Any:
    """``replace(layer, inner)`` for the new layer at ``at``: its errors name the layers from the net holding it, one
    naming none (a layer's own check) the layer at ``about`` in it; an array its options refuse, ``refit``'s error."""
    try:
        with headed_here("net_replace_part"):
            return replace(layer, inner)
    except NetGraphError as exc:
        needed = refit(at, layer, inner) if refit is not None and exc.kind == "array-shape" else None
        header = f"{function_lead('net_replace_part')}in the layer {shown_path(at)!r}: "
        error = needed or nested(at_layer(exc, about), at, header)
    raise error from None


def _spec_path(net: NetGraph, spec: Any) -> tuple | None:
    """The names path of what a tuple or name key reaches (through graphs and operators' inner nets; a last name no
    layer has, an array's, kept as given); None for another key (a port, a shared array)."""
    if not isinstance(spec, (tuple, str, int)) or isinstance(spec, bool):
        return None
    return spec_walk(net, spec)[0]


def _is_layer(value: Any) -> bool:
    """Whether net_replace_part puts ``value`` in as a layer: a layer or what ``coerce_layer`` makes one of (a
    shorthand, a torch.nn.Module)."""
    if isinstance(value, torch.Tensor):  # an array: not built into a refusal to find that out
        return False
    try:
        coerce_layer(value, "net_replace_part")
    except NetGraphError:
        return False
    return True


def spec_walk(net: NetGraph, spec: Any) -> tuple[tuple, Any]:
    """The names path that ``spec`` (a name, 1-based index or tuple path) reaches through graphs and operators'
    inner nets, and what is there: None where a part names nothing (that part and those after kept as given)."""
    current: Any = net
    path: list[Any] = []
    for part in spec if isinstance(spec, tuple) else (spec,):
        if isinstance(current, NetOperator) and part in current.NETS:
            current = getattr(current, part)
        elif isinstance(current, NetGraph) and isinstance(name := indexed(current.layers, part) or part, str) \
                and name in current.layers:
            part, current = name, current.layers[name]
        else:
            current = None
        path.append(part)
    return tuple(path), current

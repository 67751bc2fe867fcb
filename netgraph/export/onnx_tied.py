"""Tied weights of an imported ONNX model: one initializer feeding the nodes of several layers by its name (a torch
module called twice, or one parameter of several modules: ``dec.weight = enc.weight``; Gemm or Conv nodes of one
weight and bias, the bias of a fused Add) is one parameter there. Each layer's array holding its value becomes one
``NetSharedArray`` named after the initializer, so that training keeps the copies equal. torch's exporters also
write one parameter under other names: TorchScript's an Identity of the initializer, and both a transposed copy
folded for a MatMul (a tied embedding's output matrix, ``out.weight = emb.weight``; a module called twice on
sequences); these are the initializer too (``aliases``). Both exporters merge separate parameters of equal values
in the same ways (in eval mode: two fresh LayerNorms' ones and zeros; the dynamo exporter writes the one
initializer's name in the nodes of each module, ``pkg.torch.onnx.name_scopes``). So an initializer used by several
modules or under several names is tied unless its elements are all one number (the usual merged copies: fresh
norms, zero biases), which stay apart; separate parameters copied with other values (``load_state_dict``) import
tied, as ONNX cannot tell them from a real tie.

An array is the initializer's when its values are the initializer's (as stored, or transposed: a MatMul's
weights; a recurrent layer's gate: a block of W or R, two blocks of B summed) and no other initializer of that
layer's nodes has them; copies that differ in shape or value stay apart,
as do equal arrays of different initializers that are not one another's Identity or transpose, except a recurrent
gate's blocks that ``export_onnx`` recorded as one shared array (``SHARED_KEY``: a digest of each shared array's
values): torch writes each recurrent layer's own W, R and B, so one gate's arrays shared by two of our layers are
equal blocks of two initializers, tied (``_joined_gates``); equal blocks of another tool's file (two torch GRUs of
identity-initialised recurrences) stay apart. A Constant node's
value counts as an initializer (unless all one number). Arrays are tied where at least two layers hold them, nested
layers counting apart (a bidirectional recurrence's directions reading one B of equal halves).
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from netgraph.core.names import fresh_name
from netgraph.core.shared import NetSharedArray, shared_users, shared_values
from netgraph.core.walk import nested_nodes
from netgraph.export.onnx_names import node_module

__all__ = ["SHARED_KEY", "aliases", "onnx_array_names", "recorded", "recorded_digests", "shared_record",
           "tied_arrays"]

SHARED_KEY = "netgraph_shared_arrays"  # the metadata export_onnx writes: {shared array: digest of its values}

#: (name, _key of the values) of each shared array an import made -> every ONNX name an import gave it (several: two
#: files with one weight under two names, which ``onnx_array_names`` leaves out), kept while a tensor holding those
#: values lives (the imported net's, which its edits keep, or a loaded copy's once asked about), not saved
_SOURCES: dict[tuple[str, tuple], _Record] = {}

_OTHER = re.compile(r"[^A-Za-z0-9_\-]")
_RECURRENT = frozenset({"LongShortTermMemoryLayer", "GatedRecurrentLayer", "BasicRecurrentLayer"})
_MADE_UP = re.compile(r"onnx::\w+_\d+|_?val_\d+")  # names of weights the exporters folded (TorchScript's, dynamo's)


def tied_arrays(net: Any, users: Iterable[tuple[str, Any]], constants: Mapping[str, np.ndarray],
                initializers: frozenset[str], nodes: Iterable[Any] = (),
                digests: frozenset[str] = frozenset()) -> tuple[Any, dict[str, str]]:
    """``net`` with the arrays of each initializer that feeds several of its top-level layers shared, and each
    shared array's name -> its initializer's ONNX name; ``users`` holds (layer name, ONNX node) for every node a
    layer was made of; ``nodes`` the graph's (for its Identities). A name torch's exporter made up for a folded
    weight (``onnx::MatMul_10``) is not kept: that array is named after its first layer and array
    (``fc_MatMul_Weights``). A Constant node's value is one tensor as an initializer is, unless all one number (a
    constant torch wrote, not a parameter)."""
    nodes = list(nodes)
    constant_nodes = frozenset(n.output[0] for n in nodes if n.op_type == "Constant" and n.output) - initializers
    initializers = initializers | constant_nodes
    roots: dict[str, set[str]] = {}
    modules: dict[str, set[tuple[str, ...] | None]] = defaultdict(set)  # initializer -> the modules of its nodes
    named = aliases(nodes, constants, initializers)
    for name, node in users:
        used = {named.get(t, t) for t in node.input if t in initializers or t in named}
        roots.setdefault(name, set()).update(used)
        for initializer in used:
            modules[initializer].add(node_module(node))
    places, mixed = _joined_gates(_places(net, roots, constants), digests)
    taken, changes, sources = set(shared_users(net)), {}, {}
    for (root, part), found in places.items():
        if (len({path for path, _, _ in found}) < 2 or _merged(modules[root], constants[root])
                or (root in constant_nodes and _filled(constants[root]))
                or not all(_same(v, found[0][2]) for _, _, v in found)):
            continue
        path, array, _ = found[0]
        shared = _free_name(f"{path[0]}_{array}" if part or _MADE_UP.fullmatch(root) else root, taken)
        if (root, part) not in mixed:  # blocks of several initializers: no one ONNX name
            sources[shared] = root
        for path, array, value in found:
            layer = changes.get(path, net.layer_at(path))
            changes[path] = layer.replace(**{layer.ARRAYS[array]: NetSharedArray(shared, value)})
    return (net.replace_layers(changes) if changes else net), sources


def _places(net: Any, roots: Mapping[str, set[str]], constants: Mapping[str, np.ndarray]) -> dict[tuple, list]:
    """(initializer, its part) -> the arrays (layer path, array name, value) of ``net``'s layers holding it: each
    array not yet shared of a layer made of nodes reading ``roots[layer]``, where exactly one of them holds it."""
    places: dict[tuple[str, tuple], list[tuple[tuple, str, Any]]] = {}
    for path, node in nested_nodes(net):
        if node.inner or path[0] not in roots or node.layer.type_name == "ConstantArrayLayer":  # constants are fixed
            continue
        gates = node.layer.type_name in _RECURRENT
        for array, value in node.layer.arrays.items():
            if array in node.layer.shared or value is None:
                continue
            sources = [(r, part) for r in roots[path[0]] if (part := _part(value, constants[r], gates)) is not None]
            if len(sources) == 1:
                places.setdefault(sources[0], []).append((path, array, value))
    return places


def _joined_gates(places: dict[tuple, list], digests: frozenset[str]) -> tuple[dict[tuple, list], set[tuple]]:
    """``places`` with the recurrent gates' parts of equal values in different initializers joined under the first
    one's key where the file records those values as one shared array (``digests``; not all one number), and the keys that joined
    another's: torch writes each recurrent layer's own W, R and B, so one gate's arrays shared by two of our layers
    are equal blocks of two initializers; equal blocks of separate parameters (another tool's file) stay apart."""
    joined: dict[tuple, list] = {}
    firsts: dict[tuple, tuple] = {}  # _key of a gate part's value -> the first key holding it
    mixed: set[tuple] = set()
    for (root, part), found in places.items():
        value = _values(found[0][2])
        joins = part and digests and not _filled(value) and _digest(value) in digests  # hashed only if it may join
        first = firsts.setdefault(_key(value), (root, part)) if joins else (root, part)
        if first[0] != root:
            mixed.add(first)
        joined.setdefault(first, []).extend(found)
    return joined, mixed


def shared_record(net: Any) -> str | None:
    """``export_onnx``'s record of ``net``'s shared arrays (JSON: {name: digest of its float32 values}), for
    ``recorded_digests``; None without any."""
    values = {name: value for name, value in shared_values(net).items() if value is not None}
    if not values:
        return None
    return json.dumps({name: _digest(_values(value)) for name, value in values.items()})


def _digest(array: np.ndarray) -> str:
    """A digest of an array's values as float32 (a double model's too), for ``SHARED_KEY``."""
    return _key(np.asarray(array, np.float32))[2].hex()


def recorded_digests(model: Any) -> frozenset[str]:
    """The digests of the shared arrays that export_onnx recorded in ``model`` (``shared_record``); none in another
    tool's file, or where the record is not a mapping of names to digests (an edited model)."""
    text = next((p.value for p in model.metadata_props if p.key == SHARED_KEY), None)
    try:
        record = json.loads(text) if text is not None else {}
    except ValueError:
        return frozenset()
    return frozenset(v for v in record.values() if isinstance(v, str)) if isinstance(record, dict) else frozenset()


def onnx_array_names(net: Any) -> dict[str, str]:
    """The ONNX initializer's name of each shared array of ``net`` that ``import_onnx`` made: {array name: ONNX
    name} (``{"fc_MatMul_Weights": "onnx::MatMul_10", "fc_bias": "fc.bias"}``). It follows an array through the
    edits that keep its name and values (another layer replaced, layers renamed or changed, the net in a NetChain or
    a slice of one, ``net_take``, saved and loaded in the same Python process: the mapping is kept by each array's
    name and values while a net holding the array lives, the imported one or a copy asked about, and not saved); a
    trained array, or one set to other values or renamed, is another array, left out: keep the mapping from before.
    An array whose name and values several living imports gave different ONNX names (one weight of two files,
    ``enc.w`` and ``enc_w``, both shared array ``enc_w``) is left out for every net holding it, as it cannot tell
    which file a net came from; another net's shared array of the same name and values as an imported one (a copy
    of it) gets that name. Empty for any other net."""
    found = {}
    for name, value in shared_values(net).items():
        record = None if value is None else _SOURCES.get(key := (name, _key(_values(value))))
        if record is not None:
            record.hold(key, value)  # a copy (a loaded net) keeps the record once the imported net is gone
            if len(record.names) == 1:
                found[name] = next(iter(record.names))
    return found


def recorded(net: Any, sources: dict[str, str]) -> Any:
    """``net``, the ONNX names ``sources`` of its shared arrays kept for ``onnx_array_names`` (by each array's name
    and values: an edit keeps both, training changes the values; an earlier import's other name for the same array
    is kept too, so that neither is given)."""
    for name, value in shared_values(net).items():
        if name in sources and value is not None:
            key = (name, _key(_values(value)))
            record = _SOURCES.setdefault(key, _Record())
            record.names.add(sources[name])
            record.hold(key, value)
    return net


class _Record:
    """The ONNX names of one shared array (``names``) and the tensors of its values that keep it (``owners``, by id:
    a tensor's ``==`` is element-wise): the record is dropped with the last of them."""

    __slots__ = ("names", "owners")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.owners: dict[int, weakref.finalize] = {}

    def hold(self, key: tuple[str, tuple], tensor: Any) -> None:
        """Keep the record while ``tensor`` lives."""
        if id(tensor) not in self.owners:
            self.owners[id(tensor)] = done = weakref.finalize(tensor, _release, key, id(tensor))
            done.atexit = False


def _release(key: tuple[str, tuple], owner: int) -> None:
    """A tensor keeping the record ``key`` is freed: the record goes with its last one."""
    record = _SOURCES.get(key)
    if record is not None:
        record.owners.pop(owner, None)
        if not record.owners:
            del _SOURCES[key]


def aliases(nodes: Iterable[Any], constants: Mapping[str, np.ndarray], initializers: frozenset[str]) -> dict[str, str]:
    """Other names of an initializer not all one number: an Identity's output of it (or of such a name), and an
    initializer holding its transpose (2-D, not symmetric: two symmetric weights may well be apart; the first in the
    graph's order the root) -> that initializer."""
    found: dict[str, str] = {}
    stored: dict[tuple, str] = {}  # (shape, dtype, digest of the bytes) of each 2-D initializer -> its name
    matrices = [n for n in constants if n in initializers and constants[n].ndim == 2 and constants[n].size >= 2]
    kinds = Counter((constants[n].shape, constants[n].dtype.str) for n in matrices)
    for name in matrices:  # the graph's order
        array = constants[name]
        transposed = kinds[array.shape[::-1], array.dtype.str] - (array.shape[0] == array.shape[1])
        if not transposed or _filled(array):  # no other initializer of its transposed shape: none to hash against
            continue
        flipped = np.ascontiguousarray(array.T)
        if np.array_equal(array, flipped):  # its own transpose: equal values are no sign of one parameter
            continue
        root = stored.get(_key(flipped))
        if root is not None and np.array_equal(constants[root], flipped):
            found[name] = root
        else:
            stored.setdefault(_key(array), name)
    for node in nodes:
        source = node.input[0] if node.op_type == "Identity" and node.input else None
        root = found.get(source, source if source in initializers else None)
        if root is not None and not _filled(constants[root]):
            found[node.output[0]] = root
    return found


def _values(value: Any) -> np.ndarray:
    """An array's values as numpy: a bfloat16 one's as float32 (the same numbers; numpy has no bfloat16 of its own,
    and a bfloat16 initializer's ml_dtypes array compares equal to them)."""
    value = value.detach().cpu()
    return (value.float() if value.dtype == torch.bfloat16 else value).numpy()


def _key(array: np.ndarray) -> tuple:
    """An array's shape, dtype and a digest of its bytes (not the bytes: a model's weights would be held twice)."""
    return array.shape, array.dtype.str, hashlib.blake2b(np.ascontiguousarray(array).data, digest_size=16).digest()


def _merged(modules: set[tuple[str, ...] | None], initializer: np.ndarray) -> bool:
    """Whether an initializer is likely separate parameters the dynamo exporter merged: used by several modules and
    all one number (fresh norms' ones and zeros, zero biases); other values there are one parameter of several
    modules (``dec.weight = enc.weight``, ``ModuleList([block] * 3)``)."""
    return len(modules) > 1 and _filled(initializer)


def _filled(array: np.ndarray) -> bool:
    """Whether every element is one number (an empty array too)."""
    return array.size == 0 or bool(np.all(array == array.flat[0]))


def _part(value: Any, initializer: np.ndarray, gates: bool) -> tuple | None:
    """Which part of the initializer an array holds: () the whole (``_holds``); for a recurrent layer's (``gates``)
    ``(direction, "block", k)``, a gate's block of W or R (or of B: the input biases, or the recurrence biases of a
    GRU's memory gate), or ``(direction, "sum", k)``, a gate's bias, its blocks of the input and the recurrence biases
    summed (B's halves; a block whose recurrence half is zero is that sum too, as our one-bias layers export it);
    None where none or several. An array found in both directions of a bidirectional initializer (torch's
    ``bias_ih_l0_reverse = bias_ih_l0``) is the first's, unless all one number (separate fresh biases)."""
    if _holds(value, initializer):
        return ()
    array = _values(value).ravel()
    if not gates or array.size < 2 or initializer.ndim < 2:
        return None
    found = [(d, key) for d, row in enumerate(initializer.reshape(initializer.shape[0], -1))
             for key in _gate_parts(array, row)]
    if len({key for _, key in found}) != 1 or (len(found) > 1 and _filled(array)):
        return None
    return (found[0][0], *found[0][1])


def _gate_parts(array: np.ndarray, row: np.ndarray) -> set[tuple]:
    """The gates' parts of one direction's ``row`` of W, R or B that hold ``array`` (see ``_part``)."""
    if row.size % array.size:
        return set()
    blocks = row.reshape(-1, array.size)
    half = len(blocks) // 2 if len(blocks) % 2 == 0 else 0
    found = {("sum", k) if k < half and not np.any(blocks[k + half]) else ("block", k)
             for k, block in enumerate(blocks) if np.array_equal(block, array)}
    return found | {("sum", k) for k in range(half) if np.array_equal(blocks[k] + blocks[k + half], array)}


def _holds(value: Any, initializer: np.ndarray) -> bool:
    """Whether an array's values are the initializer's, as stored or transposed."""
    array = _values(value)
    if array.size != initializer.size or array.size < 2:
        return False
    return bool(np.array_equal(array.ravel(), initializer.ravel())
                or (initializer.ndim == 2 and np.array_equal(array.ravel(), initializer.T.ravel())))


def _same(a: Any, b: Any) -> bool:
    return a.shape == b.shape and bool((a == b).all())


def _free_name(name: str, taken: set[str]) -> str:
    """An initializer's name as a shared array's (other characters than letters, digits, ``_`` and ``-`` made
    ``_``, a letter first), numbered past the names ``taken``."""
    base = _OTHER.sub("_", name)
    candidate = fresh_name(base if base[:1].isalpha() or base[:1] == "_" else f"w_{base}", taken, "-")
    taken.add(candidate)
    return candidate

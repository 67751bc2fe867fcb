"""Inference's first pass over the leaves: the declared types seed their classes, in the order declared, and each
leaf's port numbers become class roots (``seed_classes``); a class's origin is made only when read (``Origins``)."""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from netgraph.core.inference_problem import Key, Problem
from netgraph.core.types import UNKNOWN

__all__ = ["Origins", "seed_classes"]


class Origins(dict):
    """Each class root's origin ``(kind, key)``, by root. A type a leaf's options declared for its own port is held
    as the port key's number until read (a tuple made per class, and its key read, took a pass over every class's
    first key, from memory that had left the cache); a type a leaf's ``infer`` returned, as the port's name, with the
    leaf's number in ``leaf_of`` (set by inference's ``refine``: no tuple made per class, nor freed with the
    classes)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__()
        self._problem, self._keys = problem, None
        self.leaf_of: array | None = None  # by root: the leaf number of a port's origin (raw numbers, no int object)

    def __getitem__(self, root: int) -> tuple:
        held = dict.__getitem__(self, root)
        if type(held) is tuple:
            return held
        if type(held) is str:
            return self.port_origin(self.leaf_of[root], held)
        if self._keys is None:  # (a key's number is its position in ids: numbered as met)
            self._keys = list(self._problem.ids)
        return ("options", self._keys[held])

    def get(self, root: int, default: tuple | None = None) -> tuple | None:
        return self[root] if root in self else default

    def port_origin(self, leaf: int, port: str) -> tuple:
        """The origin ``("port", key)`` of ``port`` of the leaf numbered ``leaf``."""
        return ("port", (self._problem.leaf_paths[leaf], port))


def seed_classes(problem: Problem, cls: Any, declared_ids: list[int], refine: Callable) -> tuple:
    """Give each class the types declared for its keys, in the order declared (the first sets the class's type and
    origin, a later one refines it), replace each leaf's port numbers by their class roots, in place, and list the
    leaves touching each class, by root: the first two leaves with a port in it (-1: none) and any others (not a list
    a root: 120 bytes a layer, at the peak). One pass over the leaves for all three (a pass each read every leaf's
    parts again, from memory that had left the cache); the leaves' lists are made once for every propagation."""
    root_of, class_types, origin, leaf_types = cls.parent, cls.type, cls.origin, problem.leaf_types
    first, second = array("q", [-1]) * len(root_of), array("q", [-1]) * len(root_of)  # raw numbers: no int object
    # kept a leaf (made, then freed with the problem, each from memory that had left the cache)
    more: dict[int, list[int]] = {}
    after = problem.declared_after  # the other declarations (``declared``), each after this many leaves' types
    given = _given(problem, cls, declared_ids, refine, 0, 0)  # the next of them: those before any leaf applied
    at = 0  # the position in leaf_types of this leaf's first port
    for i, ports in enumerate(problem.leaf_ports):
        while (port := leaf_types[at]) is not None:  # this leaf's declared types (port, type, ..., None)
            t, n = leaf_types[at + 1], ports[port]
            at += 2
            root = root_of[n]
            old = class_types[root]
            if old is UNKNOWN and (t.shape is not None or t.dtype is not None):  # t is not UNKNOWN: as refine does
                class_types[root], origin[root] = t, n  # its origin ("options", key number n), made when read
            elif not (t.shape is None and t.dtype == old.dtype) and t != old:  # no shape and the dtype known: no news
                refine(root, t, ("options", (problem.leaf_paths[i], port)))
        at += 1
        for port, n in ports.items():
            ports[port] = root = root_of[n]
            if first[root] < 0:
                first[root] = i
            elif second[root] < 0:
                second[root] = i
            else:
                more.setdefault(root, []).append(i)
        if given < len(after) and after[given] <= i + 1:
            given = _given(problem, cls, declared_ids, refine, given, i + 1)
    _given(problem, cls, declared_ids, refine, given, len(problem.leaf_layers))
    return first, second, more


def _given(problem: Problem, cls: Any, declared_ids: list[int], refine: Callable, start: int, count: int) -> int:
    """Apply the types of ``problem.declared`` from position ``start`` that were declared after ``count`` leaves'
    types or fewer (each origin ``(kind, key)`` made only for a type kept); the position of the next one."""
    declared, after, class_types, root_of = problem.declared, problem.declared_after, cls.type, cls.parent
    j = start
    while j < len(declared) and after[j] <= count:
        (key, t, kind), root = declared[j], root_of[declared_ids[j]]
        old = class_types[root]
        if old is UNKNOWN and (t.shape is not None or t.dtype is not None):
            class_types[root], cls.origin[root] = t, (kind, key)
        elif not (t.shape is None and t.dtype == old.dtype) and t != old:
            refine(root, t, (kind, key))
        j += 1
    return j

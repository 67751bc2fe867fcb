"""YAML specs: ``NetGraph.from_yaml`` / ``net.to_yaml()``, ``save`` / ``load``, and ``netgraph check``.

A spec is versioned YAML (``netgraph: 1``) naming layers by Wolfram type with the Python keyword
options, the graph's ports, and its edges (see the README's format reference). Reading collects
every problem and raises one ``SpecError`` whose lines are ``file:line:col: message``. Reading never
constructs Python objects from tags and never evaluates code.

>>> net = from_yaml('''
... netgraph: 1
... layers:
...   lin: {type: LinearLayer, output: 3}
...   act: Tanh
... inputs: {Input: 4}
... edges: [lin -> act]
... ''')
>>> net.input_shapes, net.output_shapes
({'Input': (4,)}, {'Output': (3,)})
>>> from_yaml(to_yaml(net)) == net
True
"""

from __future__ import annotations

import dataclasses
import os
import reprlib
from pathlib import Path
from typing import Any

from netgraph.core.errors import Diagnostic, OptionError, SpecError
from netgraph.core.files import file_identity
from netgraph.core.ir import Value
from netgraph.core.limits import current_limits
from netgraph.core.limits import limits as changed_limits
from netgraph.core.nesting import recursion_room
from netgraph.core.scoped_values import scoped
from netgraph.spec.line_breaks import BREAKS
from netgraph.spec.load import SpecReader, load_spec
from netgraph.spec.dump import to_yaml
from netgraph.spec.saving import REFERENCE_SCOPE, save, spec_path
from netgraph.spec.text import SPEC_SUFFIXES, decode_spec

__all__ = ["from_yaml", "to_yaml", "save", "load", "layer_locations", "problem_location"]


def _source(source: Any) -> Path | tuple[str, str, Path]:
    """A path, or (text, name shown in messages, folder for relative references)."""
    if isinstance(source, os.PathLike):
        return Path(source)
    if hasattr(source, "read"):
        name = getattr(source, "name", "<stream>")
        folder = Path(name).parent if isinstance(name, str) and not name.startswith("<") else Path.cwd()
        text = source.read()
        return (decode_spec(text, str(name)) if isinstance(text, bytes) else text), str(name), folder
    if isinstance(source, bytes):
        source = decode_spec(source, "<string>")
    if not isinstance(source, str):
        raise SpecError(f"a spec is a path, YAML text or an open file, found {type(source).__name__}",
                        kind="not-a-spec", expected="a path, YAML text or an open file", found=type(source).__name__)
    if _path_like(source):
        return Path(source)
    return source, "<string>", Path.cwd()


def _path_like(text: str) -> bool:
    """Whether ``text`` names a file (a folder, a mistyped path: refused as such) rather than being YAML text:
    one line (as YAML breaks lines), and a spec file's name or an existing path or no YAML mapping (``key: value``,
    ``{...}``)."""
    line = text.strip()
    if not line or len(text) > 4096 or "\0" in text or any(c in text for c in BREAKS):  # 4096: PATH_MAX
        return False
    if text.endswith(SPEC_SUFFIXES) or os.path.exists(text):
        return True
    return not (line.startswith(("{", "[", "#", "%", "---")) or line.endswith(":") or ": " in line or ":\t" in line)


def from_yaml(source: Any, base_dir: Any = None, allow_outside: bool = False, limits: Any = None) -> Any:
    """A NetGraph (or NetChain) from a spec path, YAML text or open file; SpecError listing all problems.

    Arrays saved beside the spec by ``save`` are restored when the spec names them (``arrays:``).
    ``file:`` references are read relative to the spec naming them and only from inside its folder;
    ``base_dir`` allows any file under that folder too, ``allow_outside=True`` any file at all (neither: the
    scope in force, which the command line's ``--base-dir`` / ``--allow-outside`` set).
    ``limits`` (a dict, e.g. ``{"yaml_bytes": 2**30}``) changes size limits for this call only
    (``netgraph.limits``).

    >>> text = "netgraph: 1\\ntype: NetChain\\nlayers: [{type: LinearLayer, output: 3}, Tanh]\\ninputs: {Input: 4}"
    >>> net = from_yaml(text)
    >>> type(net).__name__, net.output_shapes
    ('NetChain', {'Output': (3,)})
    """
    return _read(source, base_dir, allow_outside, limits)


def layer_locations(source: Any, base_dir: Any = None, allow_outside: bool = False,
                    limits: Any = None) -> dict[tuple[str, ...], str]:
    """Each layer's path (nested ones too) -> ``"file:line:col"`` where the spec defines it; with
    ``module.code_layers``, a line of a compiled forward leads back to its YAML. Reads ``source`` as
    ``from_yaml`` does (SpecError listing every problem).

    >>> text = "netgraph: 1\\nlayers:\\n  lin: {type: LinearLayer, output: 3}\\n  act: Tanh\\ninputs: {Input: 2}\\n"
    >>> layer_locations(text)
    {('lin',): '<string>:3:3', ('act',): '<string>:4:3'}
    """
    located: dict[tuple[str, ...], str] = {}
    _read(source, base_dir, allow_outside, limits, located)
    return located


def problem_location(source: Any, problem: Diagnostic, base_dir: Any = None, allow_outside: bool = False,
                     limits: Any = None) -> str | None:
    """``"file:line:col"`` where the spec ``source`` writes what ``problem`` (a Diagnostic of an error met after
    loading) names, as a load places its own problems: its layer's option, edge or layer, a graph port where it is
    declared (a layer's input left unwired: that layer); None when it names none of them. Reads ``source`` as
    ``from_yaml`` does.

    >>> import torch
    >>> from netgraph import DataError
    >>> text = "netgraph: 1\\nlayers: {a: {type: LinearLayer, output: 3}}\\ninputs: {Input: 2}\\n"
    >>> try:
    ...     from_yaml(text)(torch.zeros(1, 5))
    ... except DataError as e:
    ...     print(e.diagnostics[0].port, problem_location(text, e.diagnostics[0]))  # where the spec declares it
    Input <string>:3:10
    """
    reader = SpecReader()
    net = _read(source, base_dir, allow_outside, limits, reader=reader)
    top = reader.locators.get(())
    if top is None or problem.layer is None:
        return None
    file, loc, _ = top.locate(problem, None)
    if loc is None and problem.layer == () and problem.port in getattr(net, "input_ports", ()):
        fed = [path for path, _ in net.ir.consumers(Value(None, problem.port)) if path]  # an undeclared input: at
        if fed:  # the first layer it feeds
            file, loc, _ = top.locate(dataclasses.replace(problem, layer=fed[0], port=None), None)
    return None if loc is None else f"{file.name}:{loc.line}:{loc.col}"


def _read(source: Any, base_dir: Any, allow_outside: bool, limits: Any, locations: dict | None = None,
          reader: SpecReader | None = None) -> Any:
    if base_dir is not None and not (isinstance(base_dir, (str, os.PathLike)) and Path(base_dir).is_dir()):
        raise OptionError(f"base_dir={reprlib.repr(base_dir)} is not a folder; give the folder that 'file:' references "
                          f"may also read from (as --base-dir on the command line)", option="base_dir",
                          kind="option-value")
    scope = True if allow_outside else (Path(base_dir) if base_dir is not None else REFERENCE_SCOPE.get())
    with scoped(REFERENCE_SCOPE, scope):
        spec = _source(source)
        with changed_limits(**(limits or {})), recursion_room(current_limits().yaml_depth):
            return _load_anew_if_changed(spec, locations, reader if reader is not None else SpecReader())


#: Times a load starts over when a spec file it read changed meanwhile
_RETRIES = 3


def _load_anew_if_changed(spec: Path | tuple, locations: dict | None, reader: SpecReader) -> Any:
    """``load_spec``, started over (at most ``_RETRIES`` times, then its error) when it fails while a spec file it
    read (the top one, one a ``file:`` names) has changed since: a save beside it replaced that spec and removed the
    weights it names between the two reads. No lock: a load never makes a save wait."""
    for attempt in range(_RETRIES + 1):
        try:
            return load_spec(spec, locations, reader)
        except SpecError:
            if attempt == _RETRIES or all(file_identity(p) == seen for p, seen in reader.spec_files.items()):
                raise
        reader.reset()


def load(path: Any, allow_outside: bool = False, base_dir: Any = None, limits: Any = None) -> Any:
    """Read a net written by ``save`` (or any spec file), arrays restored and their SHA-256 verified.

    ``allow_outside`` / ``base_dir``: where ``file:`` references may point; ``limits``: size limits
    for this call (see ``from_yaml``).

    >>> import tempfile
    >>> from netgraph import NetChain, LinearLayer, save
    >>> net = load(save(NetChain([LinearLayer(2), "Tanh"], input=3), f"{tempfile.mkdtemp()}/tiny.yaml"))
    >>> net.input_shapes, net.output_shapes
    ({'Input': (3,)}, {'Output': (2,)})
    """
    return from_yaml(spec_path("load", path), base_dir=base_dir, allow_outside=allow_outside, limits=limits)


def load_located(path: Any, located: dict[tuple[str, ...], str]) -> Any:
    """``load(path)``, filling ``located`` as ``layer_locations(path)`` gives it: one read of the spec for both."""
    return _read(spec_path("load", path), None, False, None, located)

"""Saving nets: the spec as YAML plus every array in a safetensors file beside it, never pickle.

``save(net, "model.yaml")`` writes ``model.<sha256>.safetensors`` (keys ``<layer path>.<Array>`` as in the
``state_dict``), then the spec naming it (``arrays:``), each atomically: a killed save leaves the old net or the
new one. The next save removes weights files no spec in the folder (or above it) names, and temporaries;
loading verifies the hash (``read_weights``) before parsing anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import reprlib
import struct
from pathlib import Path
from typing import Any

import torch

from netgraph.core.errors import SpecError
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.nesting import deep_walk
from netgraph.core.output_paths import refuse_folder_path
from netgraph.core.files import (NAME_MAX, REFERENCE_SCOPE, NotRegularFile, atomic_write, folder_lock, link_target,
                                 open_regular, remove_temporaries, replaceable_target, shortened)
from netgraph.core.wording import value_kind
from netgraph.spec.dump import check_loadable, dump_data, spec_data
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_bytes

__all__ = ["save", "spec_path", "read_arrays", "read_weights", "weights_name", "WeightsRefused",
           "REFERENCE_SCOPE", "reference_refusal"]
_HASHED = r"\.([0-9a-f]{64})\.safetensors"  # after the spec's stem: a weights file named by its SHA-256


class WeightsRefused(ValueError):
    """A weights file that is invalid, too large, or not the one the spec names (its hash differs)."""

MODULE_ARRAYS = "<module arrays>"  # the key under which a registered module's saved arrays reach its construction


def weights_name(spec: Path, blob: bytes) -> str:
    """The file name of the weights ``blob`` saved with the spec at ``spec``: named by its SHA-256.

    >>> weights_name(Path("m.yaml"), b"")
    'm.e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.safetensors'
    """
    return f"{_weights_stem(spec)}.{hashlib.sha256(blob).hexdigest()}.safetensors"


def _weights_stem(spec: Path) -> str:
    """The spec's stem, shortened where a weights name would pass NAME_MAX bytes (a spec name near it)."""
    return shortened(spec.stem, NAME_MAX - len(".") - 64 - len(".safetensors"))


_TORCH = "for torch, torch.save(net.compile(), path) pickles the compiled module (loading a pickle runs code)"
_OTHER_FORMATS = {".onnx": "for ONNX, export_onnx(net, path)", ".pt": _TORCH, ".pth": _TORCH, ".pkl": _TORCH,
                  ".h5": "Keras's formats are not netgraph's", ".keras": "Keras's formats are not netgraph's"}


def spec_path(verb: str, path: Any) -> Path:
    """``path`` (a str or PathLike naming a file) as a Path; SpecError, saying what ``verb`` needs, else."""
    kind = "output-path" if verb == "save" else "not-a-spec"
    if not isinstance(path, (str, os.PathLike)) or "\x00" in os.fspath(path):
        raise SpecError(f"{verb} needs a file path, found {reprlib.repr(path)}", kind=kind, found=reprlib.repr(path))
    if not os.fspath(path):  # Path("") is the folder "."
        raise SpecError(f"{verb} needs a file path, found an empty one (''); give the spec's name, e.g. 'model.yaml'",
                        kind=kind, found="")
    return Path(path)


def _linked_spec(link: Path) -> Path:
    """The file a link to a spec leads to; SpecError for a dangling link (a save would create a file elsewhere)."""
    try:
        return link_target(link)
    except FileNotFoundError:
        raise SpecError(f"save(net, {str(link)!r}): it is a link to {os.readlink(link)!r}, which does not exist; a save "
                        f"through a link replaces the spec it leads to (remove the link to save there instead)",
                        kind="output-path", found=os.readlink(link)) from None


@deep_walk
def save(net: Any, path: Any, *, name: str | None = None, description: str | None = None) -> Path:
    """Write ``net`` (a NetGraph, a layer alone, or a compiled module: its ``to_net()``) as spec YAML at ``path`` (with the top
    keys ``name`` and ``description`` when given) plus its arrays in a safetensors file beside it, named by its
    SHA-256, which ``load`` verifies; returns the path as given (a link's, not the spec it leads to, which is
    written through, as ``render`` and ``export_onnx`` return it).

    >>> import tempfile, torch
    >>> from netgraph import NetChain, LinearLayer, net_initialize, load
    >>> net = net_initialize(NetChain([LinearLayer(2), "Tanh"], input=3), seed=0)
    >>> path = save(net, f"{tempfile.mkdtemp()}/tiny.yaml", name="tiny")
    >>> back = load(path)
    >>> path.name, back == net, torch.equal(back.layers["1"].arrays["Weights"], net.layers["1"].arrays["Weights"])
    ('tiny.yaml', True, True)
    """
    spec = spec_path("save", path)  # bytes refused first: no folder advice for a path save refuses anyway
    refuse_folder_path(path, "save", "model.yaml", expected="a spec's file path, e.g. 'model.yaml'", error=SpecError)
    path = given = spec
    if os.path.islink(path):  # the spec and its weights go to the linked file's folder: it names them from there
        path = _linked_spec(path)
    if not hasattr(net, "explicit_edges") and hasattr(net, "to_net"):
        net = net.to_net()
    if path.suffix == ".safetensors":
        raise SpecError(f"save(net, {str(path)!r}): give the path of the YAML spec (e.g. 'model.yaml'); the "
                        f"arrays go beside it in a .safetensors file", kind="file-type", found=path.name)
    if path.suffix.lower() in _OTHER_FORMATS:  # a YAML spec under another format's name would mislead every reader
        raise SpecError(f"save(net, {str(path)!r}) writes a YAML spec (e.g. 'model.yaml', its arrays beside it), "
                        f"not a {path.suffix} file; {_OTHER_FORMATS[path.suffix.lower()]}", kind="file-type",
                        found=path.name)
    arrays: dict[str, torch.Tensor] = {}
    data = spec_data(net, name, arrays=arrays, description=description)
    with folder_lock(path.parent):  # saves beside it (other processes) wait: each one's cleanup sees only its own
        old_weights = _named_weights(path)
        weights, created = None, False
        try:
            replaceable_target(path)  # as atomic_write will (read-only too): refused before the weights are written
            if arrays:
                tensors = {k: v.detach().cpu().contiguous().clone() for k, v in arrays.items()}
                blob = _stable(safetensors_bytes(tensors, {"format": "netgraph", "netgraph": "1", "spec": path.name}))
                weights = path.with_name(weights_name(path, blob))
                data = {"netgraph": data.pop("netgraph"), "arrays": weights.name, **data}
            check_loadable(data)  # a spec too deep to load: refused before anything is written
            text = dump_data(data).encode("utf-8")
            if weights is not None:
                created = not os.path.lexists(weights)
                if not _holds(weights, blob):  # the same arrays saved before: kept (its hard links, read-only or not)
                    atomic_write(weights, blob)
            atomic_write(path, text)
        except BaseException as exc:  # an interrupt too: the weights file it made would be left, named by no spec
            if created:
                with contextlib.suppress(OSError):  # it may never have existed (a name too long)
                    weights.unlink(missing_ok=True)
            if isinstance(exc, UnicodeEncodeError):  # a lone surrogate ('\ud800') in a name: UTF-8 cannot hold it
                raise _unencodable(path, exc) from None
            if not isinstance(exc, OSError):
                raise
            why = _failure(exc, path)
            raise SpecError(f"save(net, {str(path)!r}) failed: {why}; nothing was changed", kind="unwritable-file",
                            found=str(path), detail=why) from None
        _clean(path, weights.name if weights else None, old_weights)
    return given


def _holds(path: Path, blob: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``blob``: its size first, then its bytes (an unreadable file
    does not)."""
    try:
        if not path.is_file() or path.stat().st_size != len(blob):
            return False
        with path.open("rb") as existing:
            return existing.read(len(blob) + 1) == blob
    except OSError:
        return False


def _stable(blob: bytes) -> bytes:
    """safetensors bytes with the header's ``__metadata__`` keys sorted: safetensors writes them in hash order, so
    two saves of one net would differ (and so would the SHA-256 in the weights file's name)."""
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    header["__metadata__"] = dict(sorted(header.get("__metadata__", {}).items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data stays 8-byte aligned, as safetensors writes it
    return struct.pack("<Q", len(text)) + text + blob[8 + length:]


def _unencodable(path: Path, exc: UnicodeEncodeError) -> SpecError:
    """The SpecError of ``save`` for text in the net (a layer's name) that UTF-8 cannot write."""
    bad = exc.object[exc.start:exc.end]
    return SpecError(f"save(net, {str(path)!r}): the net holds {bad!r} (in {reprlib.repr(exc.object)}), which UTF-8 "
                     f"cannot write (a lone surrogate); rename it first (net_rename); nothing was changed",
                     kind="encoding", found=exc.object)


def _failure(exc: OSError, spec: Path) -> str:
    """The OSError, naming its file: "'f' is not a regular file (...)" (netgraph's own refusals say what the file
    is) or "No such file or directory: 'f'" (the system's); "folder 'd' does not exist" for the ``spec``'s folder."""
    if isinstance(exc, FileNotFoundError) and not os.path.isdir(spec.parent if str(spec.parent) else "."):
        return f"folder {str(spec.parent)!r} does not exist"
    what = exc.strerror or str(exc)
    if not exc.filename:
        return what
    return f"{str(exc.filename)!r} {what}" if isinstance(exc, NotRegularFile) else f"{what}: {str(exc.filename)!r}"


def _named_weights(spec: Path) -> str | None:
    """The weights file the spec now at ``spec`` names (``arrays:`` on its second line, as ``save`` writes)."""
    try:
        with open_regular(spec) as f:
            head = f.read(4096).decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    found = [line[len("arrays: "):].strip() for line in head[:3] if line.startswith("arrays: ")]
    return found[0] if found else None


_FOLDERS_ABOVE = 8  # how many folders up a save looks for specs naming weights in its folder


def _clean(spec: Path, keep: str | None, old: str | None) -> None:
    """Remove weights files of ``spec`` it no longer names and temporaries of killed saves; a weights file that
    another spec in the folder (a copy such as ``model_v1.yaml``) or in a folder above it names is kept."""
    stem = re.escape(_weights_stem(spec))
    remove_temporaries(spec.parent, f"{re.escape(spec.name)}|{stem}{_HASHED}")
    hashed = re.compile(stem + _HASHED)
    legacy = f"{spec.stem}.safetensors" if old == f"{spec.stem}.safetensors" else None
    entries = list(os.scandir(spec.parent))
    gone = [e for e in entries if e.name != keep and (hashed.fullmatch(e.name) or e.name == legacy)
            and e.is_file(follow_symlinks=False)]
    if gone:
        named = _named_elsewhere(entries, spec.name, {e.name for e in gone}, _weights_stem(spec))
        folder = Path(spec.parent).absolute()
        for _ in range(_FOLDERS_ABOVE):  # a spec above may name them (arrays: sub/m.<sha>.safetensors)
            if folder.parent == folder or not (rest := {e.name for e in gone} - named):
                break
            folder = folder.parent
            with contextlib.suppress(OSError):
                named |= _named_elsewhere(list(os.scandir(folder)), "", rest)
        for entry in gone:
            if entry.name not in named:
                Path(entry.path).unlink(missing_ok=True)


def _named_elsewhere(entries: list, spec: str, names: set[str], stem: str | None = None) -> set[str]:
    """Which of ``names`` another file among ``entries`` with '.yaml' or '.yml' in its name mentions (copies and
    backups too: model_v1.yaml, model.yaml.bak, model.yaml~), or one saved under another suffix (or none) whose
    weights take the same ``stem`` ('model', 'model.json' beside 'model.yaml'), its first yaml_bytes read."""
    found: set[str] = set()
    limit = current_limits().yaml_bytes
    written = {n: _as_written(n) for n in names}
    for entry in entries:
        same_stem = stem is not None and not entry.name.endswith(".safetensors") and \
            _weights_stem(Path(entry.name)) == stem
        if entry.name == spec or not (same_stem or re.search(r"\.ya?ml", entry.name, re.IGNORECASE)):
            continue
        try:
            if not entry.is_file():
                continue
            with open_regular(entry.path) as f:
                text = f.read(limit).decode("utf-8", errors="replace")
        except OSError:
            continue
        found.update(n for n, quoted in written.items() if n in text or quoted in text)
    return found


def _as_written(name: str) -> str:
    """``name`` as a spec writes it after ``arrays:``, escaped where YAML needs it (a tab, a BOM), without its quotes
    (a spec above writes it after its folder: ``"sub/tab\\tname..."``)."""
    return dump_data({"arrays": name}).removeprefix("arrays: ").rstrip("\n").strip("\"'")


def read_arrays(reader: Any, data: Any, prefix: tuple) -> None:
    """Load the safetensors file named by a spec's ``arrays:`` into ``reader.arrays`` (keys under ``prefix``)."""
    name, loc = data["arrays"], data.value_locs["arrays"]
    if not isinstance(name, str) or not name:
        return reader.error(loc, f"'arrays:' names a safetensors file beside the spec, found {name!r}",
                            kind="value-type", found=value_kind(name))
    file = Path(reader.file.folder, name)
    try:
        refusal = reference_refusal(reader.file.folder, name, "arrays")
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a name too long, a symlink loop
        refusal = f"'arrays:' names no readable path: {getattr(exc, 'strerror', None) or exc}"
    try:
        tensors = {} if refusal else read_weights(file)
    except WeightsRefused as exc:
        refusal = f"{str(file)!r} {exc}"
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte (allow_outside checks no path)
        refusal = f"cannot read the arrays file {str(file)!r}: {getattr(exc, 'strerror', None) or exc}"
    if refusal is not None:
        return reader.error(loc, refusal, kind="reference")
    head = ".".join(prefix)
    for key, tensor in tensors.items():
        full = f"{head}.{key}" if head else key
        reader.arrays.setdefault(full, (tensor, reader.file, loc))  # those of an enclosing spec take precedence


def read_weights(file: Path) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file, its SHA-256 checked when its name carries one; header and size are
    checked before the data is read. OSError when unreadable, WeightsRefused when invalid or changed."""
    expected = re.search(_HASHED + "$", file.name)
    limits = current_limits()
    with open_regular(file) as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(8)
        if len(head) < 8:
            raise WeightsRefused("is not a valid safetensors file: shorter than its 8-byte header length")
        (length,) = struct.unpack("<Q", head)
        if 8 + length > size:
            raise WeightsRefused(f"is not a valid safetensors file: its header claims {length} bytes, the file has {size}")
        if length > limits.header_bytes:
            raise WeightsRefused(f"has a {length}-byte header, more than the header_bytes limit ({limits.header_bytes}; "
                                 f"{raise_hint('header_bytes')})")
        if size > limits.weights_bytes:
            raise WeightsRefused(f"has {size} bytes, more than the weights_bytes limit ({limits.weights_bytes}; "
                                 f"{raise_hint('weights_bytes')})")
        header = fh.read(length)
        end = 8 + length + _data_length(header)
        if end != size:
            raise WeightsRefused(f"is not a valid safetensors file: {size} bytes, its header describes {end}")
        blob = head + header + fh.read()
    if expected and hashlib.sha256(blob).hexdigest() != expected.group(1):
        raise WeightsRefused("does not match the SHA-256 in its name: it was changed or damaged after saving")
    try:
        return safetensors_load(blob)
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own types for malformed files
        raise WeightsRefused(f"is not a valid safetensors file: {exc}") from None


def _data_length(header: bytes) -> int:
    """The bytes of tensor data a safetensors JSON header describes (the largest end offset)."""
    try:
        entries = json.loads(header)
        ends = [int(v["data_offsets"][1]) for k, v in entries.items() if k != "__metadata__"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError):  # 1e400: inf
        raise WeightsRefused("is not a valid safetensors file: its header is not the JSON it should be") from None
    return max(ends, default=0)


# -- 'file:' references ----------------------------------------------------------------------------


def reference_refusal(folder: Path, target: str, key: str = "file") -> str | None:
    """Why a spec in ``folder`` may not read ``file: target`` (or ``arrays: target``: ``key``) (None when it may).

    A reference stays inside the referring spec's folder, unless ``REFERENCE_SCOPE`` (set by
    ``load(..., allow_outside=True)`` or ``from_yaml(..., base_dir=...)``) allows more.

    >>> reference_refusal(Path("/specs"), "parts/block.yaml") is None
    True
    >>> reference_refusal(Path("/specs"), "/etc/passwd")[:46]
    "'file: /etc/passwd' leaves this spec's folder "
    """
    scope = REFERENCE_SCOPE.get()
    if scope is True:
        return None
    full = Path(folder, target).resolve()
    roots = [Path(folder).resolve(), *([Path(scope).resolve()] if scope else [])]
    if any(full.is_relative_to(root) for root in roots):
        return None
    allowed = f" (or base_dir {str(roots[1])!r})" if len(roots) > 1 else ""
    return (f"'{key}: {target}' leaves this spec's folder {str(roots[0])!r}{allowed}: references are read only "
            f"from inside it, unless the caller allows more: load(path, allow_outside=True) or "
            f"from_yaml(source, base_dir=folder) (command line: --allow-outside or --base-dir DIR)")

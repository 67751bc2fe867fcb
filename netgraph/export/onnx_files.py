"""Reading an ONNX model file for ``import_onnx``: protobuf only (no pickle), and external data only from files
inside the model's folder.

An initializer may keep its data in another file (``location`` in its ``external_data``). onnx refuses absolute
and ``..`` locations, but its releases from before 2026 (netgraph accepts onnx 1.16 and up) follow a symlinked
folder inside the model's folder (``weights/w.bin`` with ``weights`` -> ``/home/user``) and read what it points
to. Every location is checked here first, whatever onnx's version: relative, and resolving (symlinks followed)
to a regular file inside the model's folder; else a SpecError naming the tensor, before any data is read.
"""

from __future__ import annotations

import math
import os
import stat
import unicodedata
from collections.abc import Iterator
from typing import Any

import numpy as np

from netgraph.core.errors import OptionError, SpecError
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.files import NotRegularFile, open_regular

__all__ = ["model_path", "read_model", "default_opset", "refuse_newer_versions"]

_PROTOBUF_LIMIT = 2**31  # bytes: protobuf cannot parse a larger message
_SPARSE_FLOOR = 16 * 2**20  # dense bytes of a file's sparse tensors: the sparse_growth limit times its size, or this


def model_path(path: Any, verb: str = "import_onnx") -> str:
    """``verb``'s (``import_onnx``'s, ``export_onnx``'s) ``path`` as a str; OptionError for another type, or bytes
    that are a model's contents (with a NUL byte: no path; else the message quoted every byte as the path)."""
    expected = "a file path (str or os.PathLike)"
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise OptionError(f"{verb} needs {expected}, found {type(path).__name__}", option="path",
                          kind="option-value", expected=expected, found=type(path).__name__)
    if isinstance(path, bytes) and b"\0" in path:
        why = " (a model's contents? write them to a .onnx file and pass its path)" if verb == "import_onnx" else ""
        raise OptionError(f"{verb} needs {expected}, found {len(path):,} bytes that are no path{why}", option="path",
                          kind="option-value", expected=expected, found="bytes")
    return os.fsdecode(path)


def read_model(onnx: Any, path: str) -> Any:
    """The ModelProto at ``path``, its external data (checked first) loaded; SpecError when it cannot be read (a
    device such as /dev/zero, a pipe, a file over protobuf's 2 GiB are refused before reading). Its Diagnostic's
    ``file`` is ``path``, ``detail`` the reason and ``kind`` one of ``"unreadable-file"`` (``found``: the path),
    ``"limit"`` (``found`` the size, ``expected`` the limit), ``"invalid-model"`` (``found`` onnx's error's class, as
    the importer's own check gives) and ``"external-data"`` (``port`` the tensor, ``found`` its data's location)."""
    data = b""
    try:
        with open_regular(path) as f:
            if (size := os.fstat(f.fileno()).st_size) > _PROTOBUF_LIMIT:
                raise _unread(path, f"it holds {size:,} bytes, over protobuf's 2 GiB (a larger model keeps its weights "
                              f"as external data)", kind="limit", found=size, expected=_PROTOBUF_LIMIT)
            if size == 0:  # protobuf reads no bytes as an empty model: 'no computing node' misled
                raise _unread(path, "the file is empty")
            model = onnx.load_model_from_string(data := f.read())  # by its bytes: onnx.load asks a file object for its name
    except NotRegularFile:
        raise _unread(path, "it is not a regular file (a folder, device or pipe)") from None
    except SpecError:  # a ValueError too
        raise
    except FileNotFoundError:  # not Python's "[Errno 2] No such file or directory: 'path'", the path said twice
        raise _unread(path, "no such file") from None
    except OSError as exc:
        raise _unread(path, exc.strerror or str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise _unread(path, str(exc)) from None
    except Exception as exc:  # onnx's own errors (DecodeError) share no public base
        raise _invalid(path, exc, data) from None
    folder = os.path.dirname(os.path.abspath(path))
    external = [t for t in _tensors(model) if t.data_location == onnx.TensorProto.EXTERNAL]
    for tensor in external:
        _check_location(tensor, folder, path)
    if external:
        try:
            onnx.load_external_data_for_model(model, folder)
        except (OSError, ValueError, TypeError) as exc:
            raise _unread(path, str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - onnx's checker errors share no public base
            raise _invalid(path, exc) from None
    _densify(onnx, model.graph, path, size)
    return model


def _densify(onnx: Any, graph: Any, path: str, file_bytes: int) -> None:
    """The graph's sparse initializers, and its Constant nodes' ``sparse_value``, made dense (the import reads dense
    tensors: a sparse weight was "defined by nothing", a sparse Constant a computed tensor), within the
    bytes ``_check_dense_bytes`` allows all together (each within ``port_elements``: a few bytes can declare a huge
    tensor)."""
    constants = [(n, at) for n in graph.node if n.op_type == "Constant" and (at := _sparse_value_at(n)) is not None]
    sparses = [*graph.sparse_initializer, *(n.attribute[at].sparse_tensor for n, at in constants)]
    _check_dense_bytes(onnx, sparses, path, file_bytes)
    graph.initializer.extend(_dense(onnx, sparse, path) for sparse in graph.sparse_initializer)
    del graph.sparse_initializer[:]
    for node, at in constants:
        dense = _dense(onnx, node.attribute[at].sparse_tensor, path)
        del node.attribute[at]
        node.attribute.append(onnx.helper.make_attribute("value", dense))


def _sparse_value_at(node: Any) -> int | None:
    """The index of a Constant node's ``sparse_value`` attribute (an onnx Constant has one value), else None."""
    return next((i for i, a in enumerate(node.attribute) if a.name == "sparse_value"), None)


def _check_dense_bytes(onnx: Any, sparses: list, path: str, file_bytes: int) -> None:
    """SpecError ``constant-too-large`` when the sparse tensors' dense bytes together pass ``sparse_growth`` times
    the file's size (at least ``_SPARSE_FLOOR``), the ``weights_bytes`` limit or protobuf's 2 GiB (the model holding
    them is serialised for onnx's shape inference; the import took 5 times their bytes)."""
    limits, total = current_limits(), 0
    growth = limits.sparse_growth
    limit, words, hint = min((max(growth * file_bytes, _SPARSE_FLOOR), f"{growth} times the file's {file_bytes:,} "
                              f"bytes (at least {_SPARSE_FLOOR:,}: a sparse tensor's dense form is rarely that much "
                              f"larger; the sparse_growth limit, {raise_hint('sparse_growth')})",
                              raise_hint("sparse_growth")),
                             (limits.weights_bytes, f"the weights_bytes limit ({limits.weights_bytes:,}; "
                              f"{raise_hint('weights_bytes')})", raise_hint("weights_bytes")),
                             (_PROTOBUF_LIMIT, "protobuf's 2 GiB, which the model holding them must fit", None),
                             key=lambda choice: choice[0])
    for sparse in sparses:
        _check_elements(sparse, path)
        try:
            item = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(sparse.values.data_type)).itemsize
        except (KeyError, TypeError, ValueError):
            item = 1  # an unknown type: ``_dense`` refuses it
        total += math.prod(max(int(d), 0) for d in sparse.dims) * item
    if total > limit:
        raise SpecError(f"{path}: its sparse tensors ({len(sparses)}) hold {total:,} bytes made dense, more than "
                        f"{words}", kind="constant-too-large", file=path, found=total, expected=limit, hint=hint)


def _check_elements(sparse: Any, path: str) -> None:
    """SpecError ``constant-too-large`` for a sparse tensor past ``port_elements`` made dense."""
    name, dims, limit = sparse.values.name, [int(d) for d in sparse.dims], current_limits().port_elements
    if math.prod(dims) > limit:
        raise SpecError(f"{path}: sparse tensor {name!r} of shape {dims} holds more elements than the "
                        f"port_elements limit ({limit:,}; {raise_hint('port_elements')})", kind="constant-too-large",
                        file=path, port=name, found=dims, expected=limit, hint=raise_hint("port_elements"))


def _dense(onnx: Any, sparse: Any, path: str) -> Any:
    """A SparseTensorProto (sized by ``_check_dense_bytes``) as a dense TensorProto of its values' name; SpecError
    for one that cannot be read (indices out of its dims, external data)."""
    name, dims = sparse.values.name, tuple(int(d) for d in sparse.dims)
    try:
        if onnx.TensorProto.EXTERNAL in (sparse.values.data_location, sparse.indices.data_location):
            raise ValueError("its data is external, which a sparse tensor's import does not read")
        values, indices = (onnx.numpy_helper.to_array(t) for t in (sparse.values, sparse.indices))
        flat = _flat_indices(values, indices, dims)
        dense = np.zeros(dims, values.dtype)
        dense.reshape(-1)[flat] = values
    except (ValueError, TypeError, IndexError) as exc:
        raise _unread(path, f"sparse tensor {name!r}: {exc}", kind="unreadable-initializer", port=name) from None
    return onnx.numpy_helper.from_array(dense, name)


def _flat_indices(values: np.ndarray, indices: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """The flat positions of a sparse tensor's values; ValueError unless values are (nnz,), indices (nnz,) (flat)
    or (nnz, rank), each within its dims and none twice."""
    nnz, rank = values.shape[0] if values.ndim == 1 else -1, len(dims)
    if values.ndim != 1 or indices.shape not in ((nnz,), (nnz, rank)):
        raise ValueError(f"values of shape {list(values.shape)} and indices of shape {list(indices.shape)}, expected "
                         f"values (nnz,) and indices (nnz,) or (nnz, {rank})")
    bounds = np.array([math.prod(dims)] if indices.ndim == 1 else dims, np.int64)
    given, indices = indices, indices.astype(np.int64).reshape(nnz, indices.shape[1] if indices.ndim == 2 else 1)
    if (bad := ((indices < 0) | (indices >= bounds)).any(axis=1)).any():
        raise ValueError(f"index {given[np.argmax(bad)].tolist()} is out of bounds for shape {list(dims)}")
    flat = np.ravel_multi_index(tuple(indices.T), dims) if indices.shape[1] == rank and rank else indices[:, 0]
    if len(np.unique(flat)) != nnz:
        raise ValueError("an index repeats (each value needs its own place)")
    return flat


def _unread(path: str, why: str, **fields: Any) -> SpecError:
    """"path: cannot read an ONNX model: why", of kind "unreadable-file" unless ``fields`` say another."""
    fields = {"kind": "unreadable-file", "found": path, **fields}
    return SpecError(f"{path}: cannot read an ONNX model: {why}", file=path, detail=why, **fields)


def _invalid(path: str, exc: Exception, data: bytes = b"") -> SpecError:
    """The model onnx refused; a file of text (a YAML spec named .onnx) said so, not in protobuf's words."""
    if _reads_as_text(data):
        why = "it reads as text (a YAML spec? give it a .yaml name)"
        return SpecError(f"{path} is not an ONNX model: {why}", kind="invalid-model", file=path, detail=why,
                         found=type(exc).__name__)
    why = f"{type(exc).__name__}: {exc}"
    return SpecError(f"{path}: not a valid ONNX model: {why}", kind="invalid-model", file=path, detail=why,
                     found=type(exc).__name__)


def _reads_as_text(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text (a byte-order mark first allowed) of printable characters, whitespace, ESC and
    format characters (bidi marks): a model's bytes never are, each field's tag is another control byte.

    >>> _reads_as_text(b"layers:\\n  - LinearLayer: {size: 3}\\n"), _reads_as_text(b"\\x08\\x07"), _reads_as_text(b"")
    (True, False, False)
    >>> _reads_as_text("\\ufeffa: 1\\n# \\x1b[1m\\u202e\\n".encode())
    True
    """
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return False
    return bool(text.strip()) and all(c.isprintable() or c in "\t\n\r\x1b" or unicodedata.category(c) == "Cf"
                                      for c in text)


def _check_location(tensor: Any, folder: str, path: str) -> None:
    """SpecError ``external-data`` naming the tensor unless its data's location is a regular file in ``folder`` and
    its ``offset`` and ``length`` (where given) are byte counts (``option`` the field)."""
    entries = {e.key: e.value for e in tensor.external_data}
    for field in ("offset", "length"):
        if field in entries and not _byte_count(value := entries[field]):
            detail = f"keeps its data at {field} {value[:200]!r}, which is no byte count (a whole number from 0)"
            raise SpecError(f"{path}: tensor {tensor.name!r} {detail}", kind="external-data", file=path,
                            detail=detail, port=tensor.name, option=field, found=value[:200])
    location = entries.get("location", "")
    if (why := _location_problem(location, folder)) is None:
        return
    detail = f"keeps its data in {location[:200]!r}: {why}; external data is read only from files inside the " \
             f"model's folder {folder!r}"
    raise SpecError(f"{path}: tensor {tensor.name!r} {detail}", kind="external-data", file=path, detail=detail,
                    port=tensor.name, found=location[:200])


def _byte_count(text: str) -> bool:
    """Whether an external data entry's ``text`` is a byte count as onnx reads it (``int(text)``), 0 or more."""
    try:
        return int(text) >= 0
    except ValueError:
        return False


_WINDOWS_DEVICES = {"NUL", "CON", "PRN", "AUX", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10))}
"""Names Windows opens as devices, in any folder and with any extension (``ntpath.isreserved`` from Python 3.13)."""


def _location_problem(location: str, folder: str) -> str | None:
    """Why ``location`` is no file of external data in ``folder``, or None when it is one. The path is checked before
    the OS sees it: a NUL byte made realpath raise Python's ValueError, a name past the OS's limit an OSError."""
    if not location:
        return "no location"
    if "\0" in location:
        return "a path with a NUL byte"
    parts = location.replace("\\", "/").split("/")
    if os.path.isabs(location) or os.path.splitdrive(location)[0] or not parts[0] or ".." in parts:
        return "an absolute path or a path out of the folder"  # '\\w.bin' is rooted on Windows, drive or not
    if any(part.split(".")[0].rstrip(" ").upper() in _WINDOWS_DEVICES for part in parts):
        return "a device name Windows reserves (NUL, CON, PRN, AUX, COM1-9, LPT1-9), with any extension"
    try:
        target, root = os.path.realpath(os.path.join(folder, location)), os.path.realpath(folder)
        if os.path.commonpath([target, root]) != root:
            return "a path that leads out of the folder through a symlink"
        return None if stat.S_ISREG(os.stat(target).st_mode) else "not a regular file there (a folder, device or pipe)"
    except FileNotFoundError:
        return "not a regular file there (none)"
    except OSError as exc:
        return f"not a file that can be read ({exc.strerror or type(exc).__name__})"
    except ValueError:
        return "not a file that can be read"


def _tensors(model: Any) -> Iterator[Any]:
    """Every TensorProto of the model: initializers and the tensors of node attributes, in subgraphs too."""
    graphs = [model.graph]
    while graphs:
        graph = graphs.pop()
        yield from graph.initializer
        for sparse in graph.sparse_initializer:
            yield sparse.values
            yield sparse.indices
        for node in graph.node:
            for attribute in node.attribute:
                if attribute.HasField("t"):
                    yield attribute.t
                yield from attribute.tensors
                for sparse in (*([attribute.sparse_tensor] if attribute.HasField("sparse_tensor") else []),
                               *attribute.sparse_tensors):
                    yield from (sparse.values, sparse.indices)
                if attribute.HasField("g"):
                    graphs.append(attribute.g)
                graphs.extend(attribute.graphs)


def default_opset(model: Any) -> int | None:
    """The opset of ONNX's default domain ("" or "ai.onnx") the model imports (the highest, were it named twice);
    None when it names none."""
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=None)


def refuse_newer_versions(onnx: Any, model: Any, path: str) -> None:
    """SpecError (kind ``"newer-onnx-version"``) where the model's IR version or default-domain opset is newer than
    the installed onnx knows: its ops' meaning there is unknown (onnxruntime refuses such a model too)."""
    newest_opset = onnx.defs.onnx_opset_version()
    opset = default_opset(model) or 0
    ir_advice = (f"its file format is unknown (onnxruntime refuses it too); write it with IR version {onnx.IR_VERSION} "
                 f"or lower (an older onnx or exporter), or upgrade onnx")
    opset_advice = (f"what its ops compute there is unknown (onnxruntime refuses it too); export it at opset "
                    f"{newest_opset} or lower, or upgrade onnx")
    for what, found, newest, advice in (("IR version", model.ir_version, onnx.IR_VERSION, ir_advice),
                                        ("opset", opset, newest_opset, opset_advice)):
        if found > newest:
            raise SpecError(f"{path}: its {what} {found} is newer than the newest the installed onnx "
                            f"{onnx.__version__} knows ({newest}): {advice}",
                            kind="newer-onnx-version", file=path, found=found, expected=newest)

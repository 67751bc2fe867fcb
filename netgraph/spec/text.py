"""A spec file's text: regular files only, up to the yaml_bytes limit, UTF-8 unless a byte-order mark says
UTF-16/32 (as YAML asks); a byte that does not decode is refused at its line and column.

>>> decode_spec("netgraph: 1\\n".encode("utf-16"), "n.yaml")
'netgraph: 1\\n'
>>> decode_spec(b"netgraph: 1\\nlayers:\\n  b: \\x80\\n", "n.yaml")
Traceback (most recent call last):
netgraph.spec.text.EncodingRefused: n.yaml:3:6: byte 0x80 is not UTF-8 text; a spec is UTF-8 (or UTF-16/32 with a byte-order mark)
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from netgraph.core.errors import SpecError
from netgraph.core.files import NotRegularFile, open_regular
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.name_guesses import did_you_mean_file
from netgraph.spec.line_breaks import line_col

__all__ = ["read_limited", "decode_spec", "EncodingRefused", "other_kind_hint", "SPEC_SUFFIXES"]

_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]  # UTF-32 LE first: it starts as UTF-16 LE's


SPEC_SUFFIXES = (".yaml", ".yml")


class EncodingRefused(SpecError):
    """Bytes that are not the text of a spec; ``line``, ``col`` and ``problem`` say where and why."""

    def __init__(self, file: str, line: int, col: int, problem: str):
        self.line, self.col, self.problem = line, col, problem
        super().__init__(f"{file}:{line}:{col}: {problem}")


def read_limited(path: Path) -> str:
    """A regular file's text (``decode_spec``); a folder, device, pipe or one over yaml_bytes: OSError, unread."""
    limit, name = current_limits().yaml_bytes, repr(str(path))
    try:
        f = open_regular(path)
    except FileNotFoundError:
        stdin = " (a spec is read from a file, never from stdin: save it to a .yaml file)" if str(path) == "-" else ""
        raise OSError(f"no spec file {name}{stdin or did_you_mean_file(path, SPEC_SUFFIXES)}") from None
    except NotRegularFile as exc:
        raise OSError(f"{name} is a folder, not a spec file" if exc.is_folder else f"{name} {exc.strerror}") from None
    except OSError as exc:
        raise OSError(f"{name}: {exc.strerror or exc}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        raw = f.read(limit + 1) if size <= limit else b""
    if size > limit or len(raw) > limit:
        raise OSError(f"{name} has {max(size, len(raw))} bytes, more than the yaml_bytes limit ({limit}; "
                      f"{raise_hint('yaml_bytes')})")
    return decode_spec(raw, str(path))


def decode_spec(raw: bytes, file: str) -> str:
    """``raw`` decoded: by its byte-order mark, else as UTF-8; EncodingRefused at the first byte that does not decode."""
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise EncodingRefused(file, 1, 1, f"the file starts with a {encoding.upper()} byte-order mark but does "
                                  f"not decode as {encoding.upper()} (at byte {exc.start})") from None
        before = raw[:exc.start].decode("utf-8")  # the bytes before the first that does not decode do
        line, col = line_col(before, len(before))
        raise EncodingRefused(file, line, col, f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; a "
                              f"spec is UTF-8 (or UTF-16/32 with a byte-order mark){other_kind_hint(file)}") from None


def other_kind_hint(file: str) -> str:
    """For a file of another known kind given as a spec (an ONNX model, a weights file, a diagram): what it is."""
    return _OTHER_KINDS.get(os.path.splitext(file)[1].lower(), "")


_OTHER_KINDS = {  # by suffix
    ".onnx": "; an ONNX model: import_onnx(path) reads it (every netgraph command takes it as it is)",
    ".safetensors": "; a weights file: load the spec that names it under 'arrays:' (the .yaml beside it)",
    **dict.fromkeys((".pt", ".pth"), "; a torch file: torch.load(path) reads it (a net_train checkpoint: "
                                     "load_checkpoint(net, path))"),
    ".npz": "; a data file: training data, as net_train(net, path) and netgraph train --data take it",
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"),
                    "; an image: a net with an ImageEncoder on its input reads it, net(path)"),
    **dict.fromkeys((".svg", ".dot", ".gv"), "; a diagram, as netgraph render writes it: give the spec it was drawn from"),
    **dict.fromkeys((".csv", ".jsonl"), "; a text table: training data, as net_train(net, path) and netgraph train "
                                        "--data take it")}

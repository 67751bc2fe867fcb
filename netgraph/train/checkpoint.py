"""Training checkpoints: one file per saved round, written atomically, enough to resume exactly.

``net_train(..., checkpoint="ckpt/")`` writes ``ckpt/round-000003.pt`` after every round (or every
``interval`` rounds with ``checkpoint={"directory": "ckpt/", "interval": 5, "keep": 3}``), keeping the
last ``keep`` files (default 3); an interrupted run writes ``ckpt/round-000004-batch-000050.pt`` (mid-round, not
counted in ``keep``: ``netgraph.train.interrupted_round``). A file is first written under a temporary name and then
renamed (``os.replace``), so a run killed at any moment leaves only complete checkpoints. It holds the arrays,
the optimizer state and the method that wrote it, the loss history, the early-stopping state, the
best arrays so far, the score-function layers' running-mean baselines and the net's topology
(``topology_digests``: a resume into another net is refused); it is read with
``torch.load(weights_only=True)`` (no pickled code). It also holds the SHA-256 of its contents
(``content_digest``), checked on reading: a changed or damaged file is an OptionError saying what is
wrong (empty, not a torch file, objects besides tensors, changed). Each save removes the temporary
files of killed saves. ``net_train(..., resume=True)`` continues from the
newest file; ``load_checkpoint(net, path)`` gives a net with a checkpoint's arrays.

>>> import tempfile, torch
>>> with tempfile.TemporaryDirectory() as d:
...     _ = save_checkpoint(d, {"model": {"w": torch.zeros(2)}}, round=1)
...     _ = save_checkpoint(d, {"model": {"w": torch.ones(2)}}, round=2)
...     [p.name for p in checkpoints(d)], read_checkpoint(latest_checkpoint(d))["model"]["w"].tolist()
(['round-000001.pt', 'round-000002.pt'], [1.0, 1.0])
"""

from __future__ import annotations

import math
import os
import pickle
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from netgraph.core.files import NotRegularFile, atomic_write, open_regular, remove_temporaries
from netgraph.core.errors import OptionError, ShapeError, TrainingError
from netgraph.core.naming_scope import quoted
from netgraph.backend.initialize import net_initialize
from netgraph.core.layer_surgery import alone, is_lone_layer
from netgraph.train.lone_layer import as_trained_layer
from netgraph.train.checkpoint_digest import content_digest
from netgraph.train.checkpoint_checks import NothingToResume, check_compatible, check_layout, malformed
from netgraph.train.run_state import load_optimizer, rank_estimators, restore_run, run_state  # the state they hold
from netgraph.core.user_frame import user_stacklevel

__all__ = ["save_checkpoint", "checkpoints", "latest_checkpoint", "round_of", "position_of", "read_checkpoint",
           "load_checkpoint", "content_digest", "refuse_newer", "load_optimizer", "run_state", "rank_estimators",
           "restore_run", "FORMAT", "EARLIER_CHECKPOINT", "NothingToResume"]

FORMAT = "netgraph-checkpoint"
_NAME = re.compile(r"round-(\d+)(?:-batch-(\d+))?\.pt")  # a whole round's, or one written mid-round (interrupted)
#: what to do about a checkpoint that cannot be read (a write cut short), in net_train's words
EARLIER_CHECKPOINT = ("an earlier round's checkpoint may still be readable: pass its path as resume= (this file is "
                      "then set aside)")
_HEAD = ("format", "version", "round")  # the tag fields; the digest covers them and the state
_ZIP_MAGIC = b"PK\x03\x04"  # how every file torch.save writes (a zip archive) starts


class _NotZip(Exception):
    """A file that is not torch's zip format (an old-style pickle, another kind of file): never given to torch.load."""


def save_checkpoint(directory: str | os.PathLike, state: dict[str, Any], round: int, keep: int = 3,
                    batch: int = 0) -> Path:
    """Write ``state`` as ``directory/round-NNNNNN.pt`` atomically; keep the newest ``keep`` files. ``batch`` > 0: the
    state after ``batch`` batches of the next round (an interrupted run's), written as ``round-<round + 1>-batch-
    <batch>.pt``, not counted in ``keep``: it removes only older mid-round files, and a whole round's file removes the
    mid-round ones before it. TrainingError when it cannot be written (no space left, no permission): the earlier
    checkpoints stay as they were."""
    folder = Path(directory)
    path = folder / (f"round-{round + 1:06d}-batch-{batch:06d}.pt" if batch else f"round-{round:06d}.pt")
    data = {"format": FORMAT, "version": 2, "round": round, **state}
    data["sha256"] = content_digest(data)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_temporaries(folder, _NAME.pattern)
        atomic_write(path, lambda f: _torch_save(data, f))
    except OSError as exc:
        raise TrainingError(f"cannot write checkpoint {str(path)!r}: {exc.strerror or exc}; training stopped after "
                            f"round {round} ({_resumable(folder)})", kind="unwritable-file", found=str(path),
                            detail=exc.strerror or str(exc)) from None
    try:
        for old in _superseded(folder, (round, batch), keep):
            old.unlink(missing_ok=True)
    except OSError as exc:
        raise TrainingError(f"checkpoint {str(path)!r} was written, but the older ones beyond keep={keep} could not be "
                            f"removed: {exc.strerror or exc}; training stopped after round {round}",
                            kind="unwritable-file", found=str(path.parent), detail=exc.strerror or str(exc)) from None
    return path


def _torch_save(data: dict[str, Any], file: Any) -> None:
    """``torch.save(data, file)``, re-raising the OSError (no space left) or interrupt that failed a write as itself:
    torch's writer turns it into a RuntimeError ("unexpected pos ..."), naming neither the file nor the cause."""
    try:
        torch.save(data, file)
    except RuntimeError as exc:
        if isinstance(exc.__context__, (OSError, KeyboardInterrupt)):
            raise exc.__context__ from None
        raise


def _superseded(folder: Path, written: tuple[int, int], keep: int) -> list[Path]:
    """The files a checkpoint at ``written`` (rounds, batches into the next) makes old: the mid-round files before
    it, and for a whole round's, the whole rounds' beyond the newest ``keep``."""
    files = checkpoints(folder)
    mid = [p for p in files if position_of(p)[1] and position_of(p) < written]
    whole = [p for p in files if not position_of(p)[1]]
    return mid + (whole[:-keep] if keep > 0 and not written[1] else [])


def _resumable(folder: Path) -> str:
    """Which checkpoint in ``folder`` a resumed run would continue from, in words (for a failed write's message)."""
    try:
        newest = latest_checkpoint(folder)
    except OSError:  # the folder cannot be listed (any more)
        return "the checkpoints written before stay as they were"
    return f"resume=True continues from {newest.name}" if newest is not None else "no earlier checkpoint is there"


def checkpoints(directory: str | os.PathLike) -> list[Path]:
    """The complete checkpoint files in ``directory``, oldest first (a mid-round file after its round's start);
    anything else of such a name (a folder, a link to nothing, a FIFO) is none."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if _NAME.fullmatch(p.name) and p.is_file()), key=position_of)


def folders_in_the_way(directory: str | os.PathLike, after: int, through: int | None) -> list[Path]:
    """The folders in ``directory`` named as the checkpoint files a run of rounds ``after`` + 1 to ``through`` (None:
    no last round) may write (``round-000002.pt``, ``round-000002-batch-000050.pt`` in round 2): none could be."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    last = math.inf if through is None else through
    named = ((p, _NAME.fullmatch(p.name)) for p in folder.iterdir())
    return sorted(p for p, found in named if found and after < int(found.group(1)) <= last and p.is_dir())


def position_of(checkpoint: str | os.PathLike) -> tuple[int, int]:
    """(the rounds done, the batches of the next) when a checkpoint file of a folder was written.

    >>> position_of("ck/round-000006.pt"), position_of("ck/round-000007-batch-000050.pt")
    ((6, 0), (6, 50))
    """
    found = _NAME.fullmatch(Path(checkpoint).name)
    batch = int(found.group(2) or 0)
    return int(found.group(1)) - (batch > 0), batch


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The newest checkpoint file in ``directory`` (None when there is none)."""
    files = checkpoints(directory)
    return files[-1] if files else None


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """A checkpoint's contents; OptionError for a file that is not a (complete) netgraph checkpoint."""
    return _read(path, by_name=True)


def _read(path: str | os.PathLike, by_name: bool) -> dict[str, Any]:
    """``read_checkpoint``; ``by_name=False`` leaves out the check that a round agrees with the file's name."""
    try:
        file = open_regular(path)  # never a pipe (torch.load would wait for a writer) or a device
    except FileNotFoundError:
        raise OptionError(f"no checkpoint file {str(path)!r}", kind="missing-checkpoint", found=str(path)) from None
    except NotRegularFile as exc:
        what = "it is a folder" if exc.is_folder else "it is not a regular file (a device, pipe or socket)"
        raise _unread(f"{str(path)!r} is not a checkpoint file: ", path, what) from None
    except (OSError, ValueError) as exc:  # no permission, a name too long; ValueError: a NUL byte in the path
        detail = getattr(exc, "strerror", None) or str(exc)
        raise _unread(f"cannot read checkpoint {str(path)!r}: ", path, detail) from None
    with file:
        data = _loaded(file, path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise OptionError(f"{str(path)!r} is not a netgraph checkpoint (no format tag {FORMAT!r})",
                          kind="malformed-checkpoint", expected=FORMAT, found=str(path))
    _check_version(data.get("version"), path)  # before the digest: a newer format may compute it otherwise
    if data["version"] >= 2 and "sha256" not in data:  # version 1 checkpoints have none: read without verification
        raise malformed(path, "it has no 'sha256' entry, which checkpoints of format version 2 hold",
                        expected="sha256")
    expected = data.pop("sha256", None)
    if expected is not None and content_digest(data) != expected:
        raise OptionError(f"checkpoint {str(path)!r} does not match the SHA-256 saved in it: it was changed or "
                          f"damaged after saving", kind="malformed-checkpoint", expected=expected,
                          found=content_digest(data))
    _check_round(data.get("round"), data.get("within_round"), path, by_name)
    return data


_SHOWN_COUNT = 20  # a round or batch count in a message shows half this many digits at each end when it is longer


def _check_round(done: Any, within: Any, path: str | os.PathLike, by_name: bool = True) -> None:
    """OptionError unless a checkpoint's ``round`` is a count of rounds, and it and ``within``'s batches the ones its
    file name says (when named as net_train names them: a resume continues from them; check_layout checks forms)."""
    if not isinstance(done, int) or isinstance(done, bool) or done < 0:
        raise malformed(path, f"its 'round' must be a count of rounds, found {quoted(done)}",
                        expected="a count of rounds", found=quoted(done))
    if not by_name or not _NAME.fullmatch(Path(path).name):
        return
    named, batches = position_of(path)
    if done != named:
        mid_round = ": a file written mid-round holds the rounds done before it" if batches else ""
        shown = quoted(done, _SHOWN_COUNT)
        raise malformed(path, f"its 'round' {shown} disagrees with its file name (round {named}){mid_round}",
                        expected=named, found=done if shown == repr(done) else shown)  # an int unless shortened
    held = 0 if within is None else within.get("batches") if isinstance(within, dict) else None
    if isinstance(held, int) and not isinstance(held, bool) and held != batches:  # 0: a whole round's file's None
        shown = "None" if within is None else quoted(held, _SHOWN_COUNT)
        raise malformed(path, f"its 'within_round' batches {shown} disagree with its file name (batch {batches})",
                        expected=batches, found=None if within is None else held if shown == repr(held) else shown)


def _loaded(file: Any, path: str | os.PathLike) -> Any:
    """torch.load of the checkpoint ``file`` (opened from ``path``); OptionError for content torch cannot read."""
    try:
        if file.read(4) != _ZIP_MAGIC:  # torch.save's zip format only: torch.load would unpickle a plain pickle
            raise _NotZip
        file.seek(0)
        return torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: torch raises several unrelated types (OSError too)
        raise _unread(f"{str(path)!r} is not a readable netgraph checkpoint: ", path, _unreadable(path, exc),
                      EARLIER_CHECKPOINT) from None


def _check_version(version: Any, path: str | os.PathLike) -> None:
    """OptionError for a checkpoint of a format version this netgraph does not read (1: no digest, 2: this one's)."""
    if not isinstance(version, int) or isinstance(version, bool) or version not in (1, 2):
        raise OptionError(f"{str(path)!r} is of checkpoint format version {version!r}, which this netgraph does not "
                          f"read (it reads 1 and 2): written by a newer netgraph, or changed by hand",
                          kind="malformed-checkpoint", expected="version 1 or 2", found=repr(version))


def _unread(said: str, path: str | os.PathLike, detail: str, hint: str | None = None) -> OptionError:
    """The OptionError '<said><detail>[; <hint>]' for a checkpoint file that cannot be read, of kind
    "unreadable-file"."""
    return OptionError(said + detail + (f"; {hint}" if hint else ""), kind="unreadable-file", found=str(path),
                       detail=detail, hint=hint)


def _unreadable(path: str | os.PathLike, exc: Exception) -> str:
    """Why torch could not read ``path``, in netgraph's terms (torch's own messages advise ``weights_only=False``,
    which would run code from the file)."""
    try:
        size = os.path.getsize(path)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        return getattr(error, "strerror", None) or str(error)
    if size == 0:
        return "the file is empty (0 bytes)"
    if not zipfile.is_zipfile(path):
        return f"its {size} bytes are not a torch zip archive (another kind of file, or one cut short)"
    if isinstance(exc, pickle.UnpicklingError):
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        what = f" ({found.group(1)})" if found else ""
        return f"it holds Python objects{what} besides tensors and plain values, which netgraph does not load"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"the torch file is damaged ({first[:200]})"


def refuse_newer(directory: str | os.PathLike, source: Any, data: dict[str, Any], ctx: Any = None) -> None:
    """OptionError when ``directory`` (where a resumed run writes) holds checkpoints of later rounds than the one it
    resumes from (``source``, read as ``data``): the run's own files would mix with them, ``keep`` would remove its
    own as the older rounds, and a later ``resume=True`` would continue from the abandoned run's newest. Later files
    that are not readable checkpoints (a write cut short) are renamed ``*.damaged``, with a warning, when all are.
    In a distributed run (``ctx``, a ``distributed.Context``) rank 0 alone reads the later files and moves them; every
    process raises the same error."""
    done = data["round"]  # an int: read_checkpoint checked it
    within = data.get("within_round")
    at = (done, within["batches"] if isinstance(within, dict) and isinstance(within.get("batches"), int) else 0)
    later, damaged = (ctx.from_main(lambda: _later(directory, at), "reading the later checkpoints")
                      if ctx is not None else _later(directory, at))
    if damaged:
        return _set_aside([Path(directory) / name for name in later], source) if ctx is None or ctx.main else None
    if later:
        raise OptionError(f"checkpoint directory {str(directory)!r} holds checkpoints of rounds after round {done}, "
                          f"which {str(source)!r} resumes from: {', '.join(later[:3])}"
                          f"{' ...' if len(later) > 3 else ''};"
                          f" the resumed run's own checkpoints would mix with them (and keep would remove its own as "
                          f"the older); give another checkpoint directory, or remove those files",
                          kind="occupied-folder", option="checkpoint", expected=f"no round after {done}",
                          found=tuple(later))


def round_of(checkpoint: str | os.PathLike) -> int:
    """The rounds done when a checkpoint file of a folder (``round-000006.pt``) was written.

    >>> round_of("checkpoints/round-000006.pt"), round_of("checkpoints/round-000007-batch-000050.pt")
    (6, 6)
    """
    return position_of(checkpoint)[0]


def _later(directory: str | os.PathLike, at: tuple[int, int]) -> tuple[list[str], bool]:
    """The names of the checkpoints in ``directory`` written after position ``at`` (rounds done, batches of the next),
    and whether none of them is readable."""
    files = [p for p in checkpoints(directory) if position_of(p) > at]
    return [p.name for p in files], bool(files) and not any(_readable(p) for p in files)


def _readable(path: Path) -> bool:
    try:
        _read(path, by_name=False)  # a copy under a later round's name is readable: it occupies the folder
    except OptionError:
        return False
    return True


def _set_aside(files: list[Path], source: Any) -> None:
    """Rename the damaged checkpoints ``files`` to ``*.damaged`` (kept for inspection, out of resume=True's way)."""
    for path in files:
        aside = path.with_name(path.name + ".damaged")
        try:
            os.replace(path, aside)
        except FileNotFoundError:  # gone since the folder was listed
            continue
        except OSError as exc:
            raise OptionError(f"{path.name}, of a later round than {str(source)!r}, is not a readable checkpoint and "
                              f"cannot be moved aside: {exc.strerror or exc}; remove it", kind="unwritable-file",
                              found=str(path), detail=exc.strerror or str(exc)) from None
        warnings.warn(f"{path.name}, of a later round than {str(source)!r}, is not a readable checkpoint: moved aside "
                      f"as {aside.name}", stacklevel=user_stacklevel())


def resolve(path: str | os.PathLike) -> Path:
    """A checkpoint file from a file or a directory (its newest checkpoint)."""
    try:
        p = Path(path)
        folder = p.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        why = getattr(exc, "strerror", None) or str(exc)
        raise _unread(f"no checkpoint at {str(path)[:200]!r}: ", path, why) from None
    if folder:
        latest = latest_checkpoint(p)
        if latest is None:
            raise OptionError(f"no checkpoint (round-*.pt) in directory {str(p)!r}", kind="missing-checkpoint",
                              found=str(p))
        return latest
    return p


def load_checkpoint(net: Any, path: str | os.PathLike, best: bool = False) -> Any:
    """``net`` with the arrays from a checkpoint file (or a directory's newest checkpoint).

    ``best=True`` takes the best-validation arrays saved with it, when there are any. A layer alone is read as the
    net of it alone, as net_train trains it, and comes back as the layer.
    """
    if is_lone_layer(net):
        try:
            return as_trained_layer(load_checkpoint(alone(net), path, best), net)
        except ShapeError as exc:  # its arrays' shapes follow from the input shape it was trained with
            if not any(d.kind == "unknown-shape" and d.layer == () for d in exc.diagnostics):
                raise  # an unknown shape inside the layer (LinearLayer() with input=2): the error says which
            raise ShapeError(f"load_checkpoint: layer {net.type_name} has no input shape, so its arrays' shapes are "
                             f"unknown: give it the input= it was trained with (e.g. {net.type_name}(..., input=3))",
                             kind=exc.diagnostics[0].kind, layer=(), port="Input") from None
    file = resolve(path)
    data = read_checkpoint(file)
    check_layout(data, file, resume=False)
    module = net_initialize(net).compile()
    check_compatible(data, module, file)
    state = data["best_model"] if best and data.get("best_model") is not None else data["model"]
    saved = {v.dtype for v in state.values() if isinstance(v, torch.Tensor) and v.is_floating_point()}
    if len(saved) == 1 and (dtype := saved.pop()) != module._netgraph_working_dtype:
        module.to(dtype)  # trained in another precision (float64): its arrays as saved, never rounded on the way
    module.load_state_dict(state)
    return module.to_net()

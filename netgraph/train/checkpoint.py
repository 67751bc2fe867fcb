"""Training checkpoints: one file per saved round, written atomically, enough to resume exactly.

``net_train(..., checkpoint="ckpt/")`` writes ``ckpt/round-000003.pt`` after every round (or every
``interval`` rounds with ``checkpoint={"directory": "ckpt/", "interval": 5, "keep": 3}``), keeping the
last ``keep`` files (default 3). A file is first written under a temporary name and then renamed
(``os.replace``), so a run killed at any moment leaves only complete checkpoints. It holds the arrays,
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

import hashlib
import os
import pickle
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from netgraph.core.files import NotRegularFile, atomic_write, open_regular, remove_temporaries
from netgraph.core.errors import OptionError, TrainingError
from netgraph.backend.initialize import net_initialize
from netgraph.core.information import topology_digests
from netgraph.train.checkpoint_checks import (NothingToResume, check_layout, check_optimizer_state, check_precision,
                                              check_progress, check_same_net, check_validation)
from netgraph.layers.estimators import estimator_state, load_estimator_state

__all__ = ["save_checkpoint", "checkpoints", "latest_checkpoint", "read_checkpoint", "load_checkpoint",
           "content_digest", "refuse_newer", "load_optimizer", "run_state", "rank_estimators", "restore_run", "FORMAT",
           "NothingToResume"]

FORMAT = "netgraph-checkpoint"
_NAME = re.compile(r"round-(\d+)\.pt")
_HEAD = ("format", "version", "round")  # the tag fields; the digest covers them and the state
_ZIP_MAGIC = b"PK\x03\x04"  # how every file torch.save writes (a zip archive) starts


class _NotZip(Exception):
    """A file that is not torch's zip format (an old-style pickle, another kind of file): never given to torch.load."""


def save_checkpoint(directory: str | os.PathLike, state: dict[str, Any], round: int, keep: int = 3) -> Path:
    """Write ``state`` as ``directory/round-NNNNNN.pt`` atomically; keep the newest ``keep`` files. TrainingError
    when it cannot be written (no space left, no permission): the earlier checkpoints stay as they were."""
    folder = Path(directory)
    path = folder / f"round-{round:06d}.pt"
    data = {"format": FORMAT, "version": 2, "round": round, **state}
    data["sha256"] = content_digest(data)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_temporaries(folder, _NAME.pattern)
        atomic_write(path, lambda f: torch.save(data, f))
    except OSError as exc:
        raise TrainingError(f"cannot write checkpoint {str(path)!r}: {exc.strerror or exc}; training stopped after "
                            f"round {round} ({_resumable(folder)})") from None
    try:
        for old in checkpoints(folder)[:-keep] if keep > 0 else []:
            old.unlink(missing_ok=True)
    except OSError as exc:
        raise TrainingError(f"checkpoint {str(path)!r} was written, but the older ones beyond keep={keep} could not be "
                            f"removed: {exc.strerror or exc}; training stopped after round {round}") from None
    return path


def _resumable(folder: Path) -> str:
    """Which checkpoint in ``folder`` a resumed run would continue from, in words (for a failed write's message)."""
    try:
        newest = latest_checkpoint(folder)
    except OSError:  # the folder cannot be listed (any more)
        return "the checkpoints written before stay as they were"
    return f"resume=True continues from {newest.name}" if newest is not None else "no earlier checkpoint is there"


def checkpoints(directory: str | os.PathLike) -> list[Path]:
    """The complete checkpoint files in ``directory``, oldest round first."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The newest checkpoint file in ``directory`` (None when there is none)."""
    files = checkpoints(directory)
    return files[-1] if files else None


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """A checkpoint's contents; OptionError for a file that is not a (complete) netgraph checkpoint."""
    try:
        with open_regular(path) as file:  # never a pipe (torch.load would wait for a writer) or a device
            if file.read(4) != _ZIP_MAGIC:  # torch.save's zip format only: torch.load would unpickle a plain pickle
                raise _NotZip
            file.seek(0)
            data = torch.load(file, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise OptionError(f"no checkpoint file {str(path)!r}") from None
    except NotRegularFile as exc:
        what = "it is a folder" if exc.is_folder else "it is not a regular file (a device, pipe or socket)"
        raise OptionError(f"{str(path)!r} is not a checkpoint file: {what}") from None
    except OSError as exc:  # no permission, a name too long
        raise OptionError(f"cannot read checkpoint {str(path)!r}: {exc.strerror or exc}") from None
    except Exception as exc:  # a truncated or foreign file: torch raises several unrelated types
        raise OptionError(f"{str(path)!r} is not a readable netgraph checkpoint: {_unreadable(path, exc)}; an "
                          f"earlier round's checkpoint may still be readable: pass its path as resume= (this file is "
                          f"then set aside)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise OptionError(f"{str(path)!r} is not a netgraph checkpoint (no format tag {FORMAT!r})")
    expected = data.pop("sha256", None)  # version 1 checkpoints have none: read without verification
    if expected is not None and content_digest(data) != expected:
        raise OptionError(f"checkpoint {str(path)!r} does not match the SHA-256 saved in it: it was changed or "
                          f"damaged after saving")
    return data


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


def content_digest(value: Any) -> str:
    """The SHA-256 (hex) of a checkpoint's contents: tensors by dtype, shape and bytes, other values by repr.

    >>> content_digest({"w": torch.zeros(2)}) == content_digest({"w": torch.zeros(2)})
    True
    >>> content_digest({"w": torch.zeros(2)}) == content_digest({"w": torch.tensor([0.0, 1e-45])})
    False
    """
    digest = hashlib.sha256()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            flat = item.detach().cpu().contiguous().reshape(-1)
            digest.update(f"T{item.dtype}{tuple(item.shape)}:".encode())
            digest.update(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
        elif isinstance(item, dict):
            digest.update(f"D{len(item)}:".encode())
            for key, sub in reversed(list(item.items())):
                stack += [sub, repr(key)]
        elif isinstance(item, (list, tuple)):
            digest.update(f"L{len(item)}:".encode())
            stack += reversed(item)
        else:
            digest.update(f"V{item!r};".encode())
    return digest.hexdigest()


def refuse_newer(directory: str | os.PathLike, source: Any, data: dict[str, Any], ctx: Any = None) -> None:
    """OptionError when ``directory`` (where a resumed run writes) holds checkpoints of later rounds than the one it
    resumes from (``source``, read as ``data``): the run's own files would mix with them, ``keep`` would remove its
    own as the older rounds, and a later ``resume=True`` would continue from the abandoned run's newest. Later files
    that are not readable checkpoints (a write cut short) are renamed ``*.damaged``, with a warning, when all are.
    In a distributed run (``ctx``, a ``distributed.Context``) rank 0 alone reads the later files and moves them; every
    process raises the same error."""
    done = data.get("round")
    if not isinstance(done, int) or isinstance(done, bool):
        found = _NAME.fullmatch(Path(source).name)
        done = int(found.group(1)) if found else 0
    later, damaged = (ctx.from_main(lambda: _later(directory, done), "reading the later checkpoints")
                      if ctx is not None else _later(directory, done))
    if damaged:
        return _set_aside([Path(directory) / name for name in later], source) if ctx is None or ctx.main else None
    if later:
        raise OptionError(f"checkpoint directory {str(directory)!r} holds checkpoints of rounds after round {done}, "
                          f"which {str(source)!r} resumes from: {', '.join(later[:3])}{' ...' if len(later) > 3 else ''};"
                          f" the resumed run's own checkpoints would mix with them (and keep would remove its own as "
                          f"the older); give another checkpoint directory, or remove those files")


def _later(directory: str | os.PathLike, done: int) -> tuple[list[str], bool]:
    """The names of the checkpoints in ``directory`` of rounds after ``done``, and whether none of them is readable."""
    files = [p for p in checkpoints(directory) if int(_NAME.fullmatch(p.name).group(1)) > done]
    return [p.name for p in files], bool(files) and not any(_readable(p) for p in files)


def _readable(path: Path) -> bool:
    try:
        read_checkpoint(path)
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
                              f"cannot be moved aside: {exc.strerror or exc}; remove it") from None
        warnings.warn(f"{path.name}, of a later round than {str(source)!r}, is not a readable checkpoint: moved aside "
                      f"as {aside.name}", stacklevel=5)  # net_train's caller


def resolve(path: str | os.PathLike) -> Path:
    """A checkpoint file from a file or a directory (its newest checkpoint)."""
    try:
        p = Path(path)
        folder = p.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        raise OptionError(f"no checkpoint at {str(path)[:200]!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if folder:
        latest = latest_checkpoint(p)
        if latest is None:
            raise OptionError(f"no checkpoint (round-*.pt) in directory {str(p)!r}")
        return latest
    return p


def check_compatible(data: dict[str, Any], module: torch.nn.Module, source: Any) -> None:
    """OptionError unless the checkpoint's arrays (and best arrays) have the module's names, shapes and kinds of number
    (real, integer, complex: a dtype of another kind would be cast when loaded)."""
    mine_tensors = module.state_dict()
    mine = {k: tuple(v.shape) for k, v in mine_tensors.items()}
    for key, what in (("model", ""), ("best_model", "best ")):
        if data.get(key) is None:
            continue
        theirs = {k: tuple(v.shape) for k, v in data[key].items()}
        if mine != theirs:
            diff = [f"{k}: checkpoint {theirs.get(k)}, net {mine.get(k)}" for k in sorted(set(mine) | set(theirs))
                    if mine.get(k) != theirs.get(k)]
            raise OptionError(f"checkpoint {str(source)!r} was written for a different net: {what}"
                              + "; ".join(diff[:5]) + (" ..." if len(diff) > 5 else ""))
        kinds = [f"{k!r} is {_dtype(v)}, where the net has {_dtype(mine_tensors[k])}" for k, v in data[key].items()
                 if _kind(v) != _kind(mine_tensors[k])]
        if kinds:  # load_state_dict would cast: a complex array's imaginary part dropped, integers taken as weights
            raise OptionError(f"checkpoint {str(source)!r} is malformed: its {what}array " + "; ".join(kinds[:3]))


def _kind(tensor: torch.Tensor) -> str:
    """'complex', 'real' or 'integer' (bool too): arrays of one kind load into each other without losing meaning."""
    return "complex" if tensor.is_complex() else "real" if tensor.is_floating_point() else "integer"


def _dtype(tensor: torch.Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def load_optimizer(optimizer: torch.optim.Optimizer, data: dict[str, Any], method: str, source: Any,
                   trained: list[str] | None = None) -> float:
    """Load a checkpoint's optimizer state into ``optimizer`` (of ``method``, training the arrays named ``trained``
    in its order), keeping the optimizer's own rates (``base_lr``: this run's learning_rate and multipliers);
    returns the schedule's factor when it was saved. OptionError when it was written by another method (torch
    would load it, then fail at the first step on a setting the other method lacks) or for other arrays (torch
    matches arrays by position: another array's state, or a crash in a fused kernel for another shape)."""
    rates = [g["base_lr"] for g in optimizer.param_groups]
    saved = data.get("method")  # checkpoints from before it was recorded: told by their settings
    if saved is not None and saved != method:
        raise OptionError(f"checkpoint {str(source)!r} was written with method {saved!r}, not {method!r}: resume "
                          f"with method={saved!r}, or start fresh (resume=False, or another checkpoint directory)")
    before = data.get("optimizer_arrays")  # checkpoints from before it was recorded: their state's shapes are checked
    if trained is not None and before is not None and before != trained:
        new, gone = [n for n in trained if n not in before], [n for n in before if n not in trained]
        why = "; ".join([*([f"this run trains {_few(new)}, which it left frozen"] if new else []),
                         *([f"it trained {_few(gone)}, which this run freezes"] if gone else [])]) or "another order"
        raise OptionError(f"checkpoint {str(source)!r} was written by a run that froze other arrays "
                          f"(learning_rate_multipliers): {why}; resume with the same arrays frozen, or start fresh "
                          f"(resume=False, or another checkpoint directory)")
    needed = set(optimizer.param_groups[0]) - {"base_lr"}  # net_train's own, set after loading when absent
    settings = [dict(g) for g in optimizer.param_groups]
    try:
        optimizer.load_state_dict(data["optimizer"])
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:  # torch checks little of its form
        raise OptionError(f"checkpoint {str(source)!r} holds optimizer state that does not fit this run "
                          f"(method or learning_rate_multipliers changed?): {exc}") from None
    missing = sorted({k for g in optimizer.param_groups for k in needed if k not in g})
    if missing and saved is not None:  # the same method: a torch whose optimizer has other settings wrote it
        raise OptionError(f"checkpoint {str(source)!r} holds {method} optimizer state without {', '.join(missing)}, "
                          f"which this torch's {method} needs (written by another torch version?); start fresh "
                          f"(resume=False, or another checkpoint directory)")
    if missing:
        raise OptionError(f"checkpoint {str(source)!r} was written with another method than {method!r} (its optimizer "
                          f"state lacks {', '.join(missing)}): resume with the method it was written with, or start "
                          f"fresh (resume=False, or another checkpoint directory)")
    check_optimizer_state(optimizer, settings, source)
    saved = optimizer.param_groups[0]  # its rate / base rate: the schedule's factor
    factor = saved["lr"] / saved["base_lr"] if saved.get("base_lr") else 1.0
    for group, rate in zip(optimizer.param_groups, rates):  # the saved rates would override this run's
        group["base_lr"], group["lr"] = rate, rate * factor
    return factor


def rank_estimators(trainer: Any) -> list[dict[str, float]]:
    """Every process's running-mean baselines, by rank (called on all processes of a distributed run: each
    process's baseline follows the losses of its own slices, so rank 0's is not the others')."""
    names = [name for name, sub in trainer.module.named_modules()
             if hasattr(sub, "distribution") and hasattr(sub, "baseline")]
    own = estimator_state(trainer.module)
    rows = trainer.ctx.gather([own.get(name, float("nan")) for name in names])
    return [{n: v for n, v in zip(names, row) if v == v} for row in rows]  # NaN: no baseline yet


def run_state(trainer: Any, by_rank: list[dict[str, float]] | None = None) -> dict[str, Any]:
    """What a checkpoint of a training run (``netgraph.train.loop.Trainer``) holds besides the format tags: the
    arrays, the optimizer state and its method, the progress, the best arrays, the seed and the running-mean
    baselines of score-function layers (``estimators``; ``estimators_by_rank``: each process's, ``by_rank``,
    in a distributed run), all a resumed run needs to take the same steps."""
    best = {k: v.cpu() for k, v in trainer.best_state.items()} if trainer.best_state is not None else None
    state = {"model": {k: v.detach().cpu() for k, v in trainer.module.state_dict().items()},
             "optimizer": trainer.optimizer.state_dict(), "method": trainer.plan.method.name,
             "progress": trainer.state.as_dict(), "best_model": best, "seed": trainer.plan.seed,
             "estimators": estimator_state(trainer.module), "optimizer_arrays": trained_names(trainer),
             "topology": topology_digests(trainer.net)}
    if by_rank is not None and len(by_rank) > 1:
        state["estimators_by_rank"] = by_rank
    return state


def _few(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def trained_names(trainer: Any) -> list[str]:
    """The names of the arrays the run's optimizer trains, in the order of its state (frozen arrays are left out)."""
    names = {id(p): n for n, p in trainer.module.named_parameters()}
    return [names[id(p)] for g in trainer.optimizer.param_groups for p in g["params"]]


def restore_run(trainer: Any, source: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Load ``run_state``'s arrays, optimizer, best arrays and baselines into ``trainer``; returns the progress."""
    check_compatible(data, trainer.module, source)
    check_precision(data["model"], trainer.module, source)
    check_same_net(data.get("topology"), topology_digests(trainer.net), trainer.net, source)
    check_progress(data["progress"], trainer.state, source)
    check_validation(data["progress"], trainer.validation is not None, source)
    trainer.module.load_state_dict(data["model"])
    by_rank = data.get("estimators_by_rank")  # each process its own baselines, when the process count is the same
    own = by_rank[trainer.ctx.rank] if by_rank and len(by_rank) == trainer.ctx.world else None
    load_estimator_state(trainer.module, own if own is not None else data.get("estimators", {}))
    trainer.factor = load_optimizer(trainer.optimizer, data, trainer.plan.method.name, source, trained_names(trainer))
    if data.get("best_model") is not None:
        trainer.best_state = {k: v.to(trainer.ctx.device) for k, v in data["best_model"].items()}
    return data["progress"]


def load_checkpoint(net: Any, path: str | os.PathLike, best: bool = False) -> Any:
    """``net`` with the arrays from a checkpoint file (or a directory's newest checkpoint).

    ``best=True`` takes the best-validation arrays saved with it, when there are any.
    """
    file = resolve(path)
    data = read_checkpoint(file)
    check_layout(data, file, resume=False)
    module = net_initialize(net).compile()
    check_compatible(data, module, file)
    state = data["best_model"] if best and data.get("best_model") is not None else data["model"]
    saved = {v.dtype for v in state.values() if isinstance(v, torch.Tensor) and v.is_floating_point()}
    if len(saved) == 1 and (dtype := saved.pop()) != module.working_dtype:
        module.to(dtype)  # trained in another precision (float64): its arrays as saved, never rounded on the way
    module.load_state_dict(state)
    return module.to_net()

"""What a checkpoint must hold before it is loaded or resumed from, and what resuming finds (NothingToResume).

Its SHA-256 and format tag say a file is whole, not that it is well formed: one written by hand (or by a tool that
computed the digest) may lack an entry or hold another kind of value there. Each check here is an OptionError
naming the file and the entry, instead of a KeyError or a torch error from deep inside loading.

>>> check_layout({"model": {"w": torch.zeros(2)}}, "c.pt", resume=False)
>>> check_layout({"model": [1, 2]}, "c.pt", resume=False)  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
netgraph.core.errors.OptionError: checkpoint 'c.pt' is malformed: 'model' must be a dict of array name -> tensor, found
    list
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted

__all__ = ["check_layout", "check_compatible", "check_progress", "check_optimizer_state", "check_same_net",
           "check_precision", "check_validation", "resumed_seed", "NothingToResume", "malformed", "mismatch",
           "START_FRESH"]


def malformed(source: Any, detail: str, **fields: Any) -> OptionError:
    """'checkpoint <source> is malformed: <detail>', of kind "malformed-checkpoint": the file reads, but is no
    checkpoint of the form netgraph writes (made by hand, or changed)."""
    return OptionError(f"checkpoint {str(source)!r} is malformed: {detail}", kind="malformed-checkpoint",
                       detail=detail, **fields)


#: the remedy a checkpoint this run cannot continue ends with (the command line says it in its flags)
START_FRESH = "start fresh (resume=False, or another checkpoint directory)"


def mismatch(source: Any, detail: str, **fields: Any) -> OptionError:
    """'checkpoint <source> <detail>', of kind "checkpoint-mismatch": a checkpoint this run cannot continue (another
    net, method, precision ...); ``option`` the one to change, ``expected`` this run's, ``found`` the checkpoint's."""
    return OptionError(f"checkpoint {str(source)!r} {detail}", kind="checkpoint-mismatch", detail=detail, **fields)


def _tensors(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def _number(value: Any, none: bool = False) -> bool:
    return (value is None and none) or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _optimizer(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("state"), dict)
            and isinstance(value.get("param_groups"), list)
            and all(isinstance(g, dict) and isinstance(g.get("params"), list) for g in value["param_groups"]))


def _within(value: Any) -> bool:
    """A mid-round checkpoint's place in its round, as ``netgraph.train.interrupted_round`` writes it."""
    return (isinstance(value, dict) and isinstance(value.get("batches"), int) and value["batches"] > 0
            and all(isinstance(value.get(k, 1), int) and value.get(k, 1) >= 0 for k in ("batch_size", "examples"))
            and all(value.get(k) is None or (isinstance(value[k], int) and value[k] >= 0)
                    for k in ("examples_in_data", "batches_in_round"))
            and (value.get("order") is None or isinstance(value["order"], str))
            and _number(value.get("loss_total")) and isinstance(value.get("loss_count"), int)
            and isinstance(value.get("term_sums"), list) and all(_number(v) for v in value["term_sums"])
            and _rng(value.get("rng")) and value["rng"].numel() == torch.get_rng_state().numel()
            and (value.get("cuda_rng") is None or _rng(value["cuda_rng"]))
            and (value.get("metrics") is None or _metric_states(value["metrics"]))
            and (value.get("loader_rng") is None or _rng_list(value["loader_rng"])))


def _metric_states(value: Any) -> bool:
    """``metrics.Meter.partial``'s form: by collection, metric name -> {"states": name -> tensors, "updates": n}."""
    def states(v: Any) -> bool:
        return isinstance(v, torch.Tensor) or (isinstance(v, list) and all(isinstance(t, torch.Tensor) for t in v))
    return isinstance(value, list) and all(isinstance(c, dict) and all(
        isinstance(m, dict) and isinstance(m.get("updates"), int) and isinstance(m.get("states"), dict)
        and all(isinstance(k, str) and states(v) for k, v in m["states"].items()) for m in c.values()) for c in value)


def _rng(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.dtype == torch.uint8 and value.dim() == 1


def _rng_list(value: Any) -> bool:
    """A list of generator states (a DataLoader's generators')."""
    return isinstance(value, list) and all(_rng(s) for s in value)


_ENTRIES = {  # entry: (needed to resume only, test, what it must be)
    "model": (False, _tensors, "a dict of array name -> tensor"),
    "best_model": (None, lambda v: v is None or _tensors(v), "None or a dict of array name -> tensor"),
    "optimizer": (True, _optimizer, "an optimizer state_dict (a dict with 'state' and 'param_groups')"),
    "progress": (True, lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v), "a dict"),
    "seed": (True, lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "seed_text": (None, lambda v: v is None or isinstance(v, str), "None or the string seed given"),
    "method": (None, lambda v: v is None or isinstance(v, str), "a method name"),
    "estimators": (None, lambda v: isinstance(v, dict) and all(_number(x) for x in v.values()),
                   "a dict of layer -> number"),
    "optimizer_arrays": (None, lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
                         "a list of array names"),
    "module_frozen": (None, lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
                      "a list of array names"),
    "estimators_by_rank": (None, lambda v: isinstance(v, list) and all(
        isinstance(d, dict) and all(_number(x) for x in d.values()) for d in v), "a list of dicts of layer -> number"),
    "mixed": (None, lambda v: isinstance(v, bool), "True or False (working_precision='mixed')"),
    "loader_rng": (None, lambda v: v is None or _rng_list(v),
                   "None or a list of a DataLoader's generator states (uint8 tensors)"),
    "topology": (None, lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str)
                                                             for k, x in v.items()), "a dict of layer -> digest"),
    "within_round": (None, lambda v: v is None or _within(v), "None or a dict of the place in a round (batches, "
                     "batch_size, examples_in_data, batches_in_round, order, examples, loss_total, loss_count, "
                     "term_sums, rng, cuda_rng, metrics)"),
}
_ITEMWISE = {"model", "best_model", "estimators"}  # dicts whose items are checked one by one


def check_layout(data: dict[str, Any], source: Any, resume: bool) -> None:
    """OptionError unless ``data`` (a read checkpoint) holds what loading it (``resume``: resuming from it) reads, in
    the form it is read; entries that only some checkpoints hold (None above) are checked when present."""
    for key, (for_resume, test, what) in _ENTRIES.items():
        if key not in data:
            if for_resume is False or (for_resume and resume):
                raise malformed(source, f"it has no {key!r} entry", expected=key)
            continue
        if for_resume and not resume:
            continue
        if not test(data[key]):
            found = _found(data[key], test) if key in _ITEMWISE else type(data[key]).__name__
            raise malformed(source, f"{key!r} must be {what}, found {found}", expected=what, found=found)


def _found(value: Any, test: Any) -> str:
    """The kind of ``value``, and in a dict the first item that ``test`` refuses alone: "dict with 'w': str"."""
    bad = [(k, v) for k, v in value.items() if not test({k: v})] if isinstance(value, dict) else []
    return f"dict with {bad[0][0]!r}: {type(bad[0][1]).__name__}" if bad else type(value).__name__


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
            differ = [k for k in sorted(set(mine) | set(theirs)) if mine.get(k) != theirs.get(k)]
            diff = [_array_difference(k, theirs.get(k), mine.get(k)) for k in differ]
            renamed = set(mine) - set(theirs) and set(theirs) - set(mine)  # names on each side the other lacks
            hint = ("arrays are named after their layers' paths: a layer renamed, moved or flattened since the "
                    "checkpoint was written has other names") if renamed else None
            raise mismatch(source, f"was written for a different net: {what}" + "; ".join(diff[:5])
                           + (" ..." if len(diff) > 5 else "") + (f" ({hint})" * bool(hint)), found=tuple(differ),
                           hint=hint)
        kinds = [f"{k!r} is {_dtype(v)}, where the net has {_dtype(mine_tensors[k])}" for k, v in data[key].items()
                 if _kind(v) != _kind(mine_tensors[k])]
        if kinds:  # load_state_dict would cast: a complex array's imaginary part dropped, integers taken as weights
            raise malformed(source, f"its {what}array " + "; ".join(kinds[:3]))


def _array_difference(name: str, theirs: tuple | None, mine: tuple | None) -> str:
    """How array ``name`` differs: its shape on each side, or the side that lacks it."""
    side = "checkpoint, not in the net" if mine is None else "net, not in the checkpoint" if theirs is None else ""
    shape = theirs if mine is None else mine
    return f"{name}: {shape} in the {side}" if side else f"{name}: checkpoint {theirs}, net {mine}"


def _kind(tensor: torch.Tensor) -> str:
    """'complex', 'real' or 'integer' (bool too): arrays of one kind load into each other without losing meaning."""
    return "complex" if tensor.is_complex() else "real" if tensor.is_floating_point() else "integer"


def _dtype(tensor: torch.Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def check_progress(progress: dict[str, Any], fresh: Any, source: Any) -> None:
    """OptionError unless each entry of a checkpoint's ``progress`` is a field of ``fresh`` (the run's new progress
    dataclass) holding the kind of value that field's default holds (a run sets some, as its validation fraction, at
    its start): counts, numbers or None, lists of numbers, dicts of them."""
    fields = {f.name: f.default_factory() if f.default is dataclasses.MISSING else f.default
              for f in dataclasses.fields(fresh)}
    for key, value in progress.items():
        if key not in fields:
            raise malformed(source, f"its progress has an unknown entry {key!r}; entries are {sorted(fields)}",
                            expected=tuple(sorted(fields)), found=key)
        default = fields[key]
        if key == "watched":  # a metric label, or None: the loss
            ok = value is None or isinstance(value, str)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        elif isinstance(default, (float, type(None))):
            ok = _number(value, none=default is None)
        elif isinstance(default, list):
            ok = isinstance(value, list) and all(_number(x, none=True) for x in value)
        else:
            ok = isinstance(value, dict) and all(isinstance(v, list) and all(_number(x, none=True) for x in v)
                                                 for v in value.values())
        if not ok:
            raise malformed(source, f"its progress entry {key!r} holds {type(value).__name__} {quoted(value, 60)}, not "
                            f"what a run records there", found=type(value).__name__)


def check_optimizer_state(optimizer: torch.optim.Optimizer, settings: list[dict], source: Any) -> None:
    """OptionError unless what a checkpoint loaded into ``optimizer`` has the form of what it had before
    (``settings``: its param_groups then): each setting of the same kind (a rate a number, betas two numbers), each
    array's state a tensor of the array's shape, a one-element step count, or a number or None where this optimizer
    keeps None itself (SGD without momentum, as older torch wrote it). torch loads any of these,
    then fails at the first step (its fused Adam writes past the end of a moment of another shape)."""
    for group, before in zip(optimizer.param_groups, settings):
        for name, old in before.items():
            if name != "params" and not _same_kind(group.get(name), old):
                raise malformed(source, f"its optimizer setting {name!r} is {str(group.get(name))[:40]!r}, where "
                                f"this optimizer has {old!r}", expected=old, found=group.get(name))
    for param, entries in optimizer.state.items():
        if not isinstance(param, torch.Tensor) or not isinstance(entries, dict):
            raise malformed(source, f"its optimizer state has an entry {param!r} for no array of this net",
                            found=param)
        for name, value in entries.items():
            step = name == "step" and isinstance(value, torch.Tensor) and value.numel() == 1
            if step or (isinstance(value, torch.Tensor) and value.shape == param.shape):
                continue  # any other shape would reach a fused kernel unchecked: a crash, or memory overwritten
            if isinstance(value, torch.Tensor):
                raise mismatch(source, f"holds optimizer state that does not fit this run: its {name!r} of an array "
                               f"of shape {tuple(param.shape)} is a shape {tuple(value.shape)} (written by a run "
                               f"that froze other arrays with learning_rate_multipliers, or made by hand)",
                               expected=tuple(param.shape), found=tuple(value.shape))
            if value is None and name == "momentum_buffer" and _without_momentum(optimizer, param):
                continue  # as torch before 2.0 wrote SGD's state without momentum
            raise malformed(source, f"its optimizer state {name!r} of an array of shape {tuple(param.shape)} is "
                            f"{quoted(value)}, not a tensor of that shape", expected=tuple(param.shape),
                            found=quoted(value))


def _without_momentum(optimizer: torch.optim.Optimizer, param: torch.Tensor) -> bool:
    """Whether ``optimizer`` is SGD and ``param``'s group runs without momentum."""
    group = next(g for g in optimizer.param_groups if any(p is param for p in g["params"]))
    return isinstance(optimizer, torch.optim.SGD) and group.get("momentum") == 0


def _same_kind(new: Any, old: Any) -> bool:
    """Whether an optimizer setting from a checkpoint is of the kind of this optimizer's (flags: a flag or None)."""
    if isinstance(old, bool) or old is None:
        return new is None or isinstance(new, bool)
    if _number(old):
        return _number(new)
    if isinstance(old, (tuple, list)):
        return isinstance(new, (tuple, list)) and len(new) == len(old) and all(_number(x) for x in new)
    return isinstance(new, type(old))


def check_same_net(saved: dict[str, str] | None, mine: dict[str, str], net: Any, source: Any) -> None:
    """OptionError when a checkpoint's net topology (``topology_digests``: layers' types, options and wiring, not
    array values) is not ``net``'s, naming the layers that differ; checkpoints from before it was recorded pass."""
    if saved is None or saved == mine:
        return
    kinds = {node.name: node.layer.type_name for node in net.ir.nodes}

    def named(keys: list[str]) -> str:
        shown = [f"{k!r} ({kinds[k]})" if k in kinds else repr(k) for k in keys[:4]]
        return ", ".join(shown) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
    changed = [k for k in mine if k and k in saved and saved[k] != mine[k]]
    new, gone = [k for k in mine if k and k not in saved], [k for k in saved if k and k not in mine]
    what = [*([f"layers {named(changed)} differ in type, options, port shapes or inputs"] if changed else []),
            *([f"this net has layers {named(new)}, which it had not"] if new else []),
            *([f"it had layers {named(gone)}, which this net has not"] if gone else []),
            *(["the net's ports (names, coders, or the layers feeding the outputs) differ"]
              if saved.get("") != mine.get("") else [])]
    raise mismatch(source, f"was written for another net, though its arrays have the same names and shapes: "
                   f"{'; '.join(what)}. Resume with the net that wrote it, or {START_FRESH}; "
                   f"load_checkpoint(net, path) takes its arrays into another net",
                   found=tuple(changed + new + gone))


def check_precision(model: dict[str, torch.Tensor], module: torch.nn.Module, source: Any) -> None:
    """OptionError when a checkpoint's real arrays have another dtype than the resuming run's (a float64 run resumed
    without working_precision='float64' trained on in float32, its arrays rounded, silently)."""
    saved = {v.dtype for v in model.values() if v.is_floating_point()}
    mine = {v.dtype for v in module.state_dict().values() if v.is_floating_point()}
    if len(saved) == 1 and len(mine) == 1 and saved != mine:
        was, now = (str(next(iter(d))).removeprefix("torch.") for d in (saved, mine))
        raise mismatch(source, f"holds {was} arrays, but this run trains in {now}: resume with "
                       f"working_precision={was!r} (netgraph train: --precision {was}), or {START_FRESH}",
                       option="working_precision", expected=now, found=was)


def check_mixed(saved: Any, mixed: bool, source: Any) -> None:
    """OptionError when a run written with working_precision='mixed' (bfloat16 forwards) resumes without it, or the
    other way round: its steps would be taken in another precision, silently (an older file holds no ``mixed``)."""
    if isinstance(saved, bool) and saved != mixed:
        was, now = ("'mixed'", "without it") if saved else ("'float32' or 'float64'", "with 'mixed'")
        raise mismatch(source, f"was written by a run with working_precision={was}, but this run trains {now}: resume "
                       f"with the working_precision it was written with, or {START_FRESH}",
                       option="working_precision", expected="mixed" if mixed else "not mixed",
                       found="mixed" if saved else "not mixed")


def check_validation(progress: dict[str, Any], validating: bool, source: Any, fraction: float | None = None) -> None:
    """OptionError when a run with a validation set resumes one without (or the other way round): the best net and
    early stopping would compare validation losses with the training losses of the earlier rounds (the best round
    named one that had no validation), and the validation history would not hold one value per round; likewise
    when it holds out another ``fraction`` (None: validation data given) than the run did: other examples."""
    rounds, had = progress.get("rounds", 0), bool(progress.get("validation_losses"))
    if rounds and had != validating:
        given = "with" if had else "without"
        raise mismatch(source, f"was written by a run {given} a validation set: its best net and early stopping "
                       f"follow its {'validation' if had else 'training'} losses; resume {given} validation_set, or "
                       f"{START_FRESH}", option="validation_set",
                       expected=validating, found=had)
    saved = progress.get("validation_fraction", fraction)  # (older files do not record it)
    if rounds and had and saved != fraction:
        said = {s: f"validation_set={s!r}" if s is not None else "validation data of its own"
                for s in (saved, fraction)}
        raise mismatch(source, f"was written by a run with {said[saved]}, not {said[fraction]}: the examples held out "
                       f"(and trained on) would differ; resume with {said[saved]}, or {START_FRESH}",
                       option="validation_set", expected=fraction, found=saved)


class NothingToResume(UserWarning):
    """``resume=True`` found no checkpoint in ``directory``: the run starts fresh, as Wolfram's would (``text``: the
    message in other words, the command line's)."""

    def __init__(self, directory: str, text: str | None = None):
        super().__init__(text or f"resume=True, but checkpoint directory {directory!r} holds no checkpoint "
                                 f"(round-*.pt): training starts fresh")
        self.directory = directory


def resumed_seed(given: int | None, saved: int, given_as: Any = None, saved_as: str | None = None) -> int:
    """The interrupted run's seed (same validation split, same rounds); OptionError for another one given, naming
    the seeds as the user wrote them (``given_as``: random_seed= as given; ``saved_as``: the run's string seed)."""
    if given is not None and given != saved:
        was = saved if saved_as is None else repr(saved_as)
        note = ""
        if saved_as is None and isinstance(given_as, str) and _integer_text(given_as) == saved:
            note = f" (the integer; the text {given_as!r} is another seed)"
        elif saved_as is not None and not isinstance(given_as, str) and _integer_text(saved_as) == given:
            note = f" (the text; the integer {given} is another seed)"
        detail = (f"the run in the checkpoint was seeded with {was}{note}; resume without a seed (or with {was}), or "
                  f"start fresh in another folder")
        found = given if given_as is None else given_as
        raise OptionError(f"random_seed={found!r}: {detail}", kind="resume-seed", option="random_seed", found=found,
                          detail=detail, expected=saved if saved_as is None else saved_as)
    return saved


def _integer_text(text: str) -> int | None:
    """The integer ``text`` reads as ('7', ' 0007', '+7', '7.0'), else None: a text seed a user likely meant as
    that integer seed."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None

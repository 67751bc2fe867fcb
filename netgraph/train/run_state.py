"""A training run's state in a checkpoint: what ``run_state`` saves of a ``netgraph.train.loop.Trainer`` and what
``restore_run`` loads back into one (the arrays, the optimizer state, the progress, the best arrays, the baselines of
score-function layers), each checked against the resuming run first (``netgraph.train.checkpoint_checks``).
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.information import topology_digests
from netgraph.core.multiplier_rates import module_frozen
from netgraph.layers.estimator_state import estimator_state, load_estimator_state
from netgraph.train.loader_random import loader_random_state, restore_loader_random
from netgraph.train.checkpoint_checks import (START_FRESH, check_compatible, check_optimizer_state, check_precision,
                                              check_mixed, check_progress, check_same_net, check_validation, malformed,
                                              mismatch)

__all__ = ["load_optimizer", "run_state", "rank_estimators", "restore_run", "trained_names"]


def load_optimizer(optimizer: torch.optim.Optimizer, data: dict[str, Any], method: str, source: Any,
                   trained: list[str] | None = None, frozen: frozenset[str] = frozenset(),
                   scheduled: bool = True) -> float:
    """Load a checkpoint's optimizer state into ``optimizer`` (of ``method``, training the arrays named ``trained``
    in its order and groups; the checkpoint's state is matched to them by name where it records its arrays'),
    keeping the optimizer's own rates (``base_lr``: this run's learning_rate and multipliers) and kernel flags
    (fused, foreach); returns the schedule's factor when it was saved and this run has a schedule (``scheduled``),
    else 1. OptionError when it was written by another method or with other suboptions (torch would load it, then
    fail at the first step on a setting the other method lacks, or step with the saved suboptions) or for other
    arrays (torch matches arrays by position: another array's state, or a crash in a fused kernel for another shape),
    except arrays this run's modules freeze (``frozen``, requires_grad=False) that the checkpoint holds no state for."""
    rates = [g["base_lr"] for g in optimizer.param_groups]
    saved = data.get("method")  # checkpoints from before it was recorded: told by their settings
    if saved is not None and saved != method:
        raise mismatch(source, f"was written with method {saved!r}, not {method!r}: resume with method={saved!r}, or "
                       f"{START_FRESH}", option="method",
                       expected=method, found=saved)
    state = _same_arrays(data, trained, frozen, source, [len(g["params"]) for g in optimizer.param_groups])
    needed = set(optimizer.param_groups[0]) - {"base_lr"}  # net_train's own, set after loading when absent
    settings = [dict(g) for g in optimizer.param_groups]
    try:
        optimizer.load_state_dict(_own_kernels(state, settings))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:  # torch checks little of its form
        raise mismatch(source, f"holds optimizer state that does not fit this run (method or "
                       f"learning_rate_multipliers changed?): {exc}") from None
    missing = sorted({k for g in optimizer.param_groups for k in needed if k not in g})
    if missing and saved is not None:  # the same method: a torch whose optimizer has other settings wrote it
        raise mismatch(source, f"holds {method} optimizer state without {', '.join(missing)}, which this torch's "
                       f"{method} needs (written by another torch version?); {START_FRESH}", expected=tuple(missing))
    if missing:
        raise mismatch(source, f"was written with another method than {method!r} (its optimizer state lacks "
                       f"{', '.join(missing)}): resume with the method it was written with, or "
                       f"{START_FRESH}", option="method", expected=method)
    check_optimizer_state(optimizer, settings, source)
    _same_suboptions(settings[0], optimizer.param_groups[0], method, source)
    saved = optimizer.param_groups[0]  # its rate / base rate: the schedule's factor
    factor = saved["lr"] / saved["base_lr"] if scheduled and saved.get("base_lr") else 1.0
    for group, rate in zip(optimizer.param_groups, rates):  # the saved rates would override this run's
        group["base_lr"], group["lr"] = rate, rate * factor
    return factor


def _own_kernels(state: Any, settings: list[dict[str, Any]]) -> Any:
    """A copy of optimizer ``state`` whose groups have this run's kernel flags (of its groups' ``settings``):
    torch places each array's ``step`` on load by the loaded groups' fused/capturable flags, so for this run's kernel
    (a checkpoint written unfused, resumed fused, would step a fused kernel with CPU step tensors)."""
    groups = state.get("param_groups") if isinstance(state, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        return state  # malformed: refused by load_state_dict
    own = [{k: s[k] for k in _KERNELS if k in s} for s in settings]
    return {**state, "param_groups": [{**g, **(own[i] if i < len(own) else {})} for i, g in enumerate(groups)]}


#: settings that pick torch's kernel for the step, not the step: this run's own (its device may lack a fused kernel)
_KERNELS = ("fused", "foreach")
#: settings a resumed run gives anew: its arrays, its rates (learning_rate, multipliers, schedule), its kernels
_OWN = ("params", "lr", "base_lr", "initial_lr", *_KERNELS)


def _same_suboptions(own: dict[str, Any], saved: dict[str, Any], method: str, source: Any) -> None:
    """OptionError ("checkpoint-mismatch", option ``method``) naming each suboption (momentum, weight_decay, betas
    ...) that this run's optimizer (its settings ``own``) gives another value than the checkpoint's (``saved``):
    torch's load_state_dict would bring back the saved ones."""
    changed = [k for k in own if k not in _OWN and k in saved and _setting(own[k]) != _setting(saved[k])]
    if changed:
        given = ", ".join(f"{k}={own[k]!r}" for k in changed)
        was = ", ".join(f"{k}={_setting(saved[k])!r}" for k in changed)
        raise mismatch(source, f"was written with {method} suboptions {was}, not {given}: resume with those, or "
                       f"{START_FRESH}", option="method", expected=tuple((k, own[k]) for k in changed),
                       found=tuple((k, _setting(saved[k])) for k in changed))


def _setting(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value  # betas: a list once saved in some torch versions


def _same_arrays(data: dict[str, Any], trained: list[str] | None, frozen: frozenset[str], source: Any,
                 sizes: list[int]) -> dict:
    """The checkpoint's optimizer state for this run's ``trained`` arrays, in this run's groups of ``sizes`` arrays
    (learning_rate_multipliers may group them otherwise), each array's state found by its name: without the arrays
    it held that this run's modules freeze (``frozen``) and it never trained (no state: written before such arrays
    were left out of the optimizer); OptionError when it trained other arrays, naming requires_grad where a module
    froze them."""
    state, before = data["optimizer"], data.get("optimizer_arrays")  # older checkpoints: their shapes are checked
    if trained is None or before is None:
        return state
    had, trains = set(before), set(trained)
    new, gone = [n for n in trained if n not in had], [n for n in before if n not in trains]
    ids = [i for g in state["param_groups"] for i in g["params"]]
    left = set(gone)
    untrained = {i for i, n in zip(ids, before) if n in left and n in frozen and i not in state["state"]}
    if not set(state["state"]) <= set(ids):  # an entry for no array: refused as malformed once loaded
        return state
    if not new and len(untrained) == len(gone) and len(ids) == len(before):
        return _by_name(state, dict(zip(before, ids)), trained, sizes)
    was = set(data.get("module_frozen", ()))  # recorded since the check names requires_grad
    moduled, ruled = [n for n in gone if n in frozen], [n for n in gone if n not in frozen]
    thawed, unruled = [n for n in new if n in was], [n for n in new if n not in was]
    why = "; ".join([*([f"this run trains {_few(unruled)}, which it left frozen"] if unruled else []),
                     *([f"this run trains {_few(thawed)}, which its module froze (requires_grad=False)"]
                       if thawed else []),
                     *([f"it trained {_few(ruled)}, which this run freezes"] if ruled else []),
                     *([f"it trained {_few(moduled)}, which this run's module freezes (requires_grad=False)"]
                       if moduled else [])])
    if not why:  # the same names, yet another count of arrays in its optimizer state: no run writes that
        raise malformed(source, f"its optimizer state lists {len(ids)} arrays, its record of them {len(before)}",
                        expected=len(before), found=len(ids))
    by_rules = not moduled and not thawed and "module_frozen" in data
    cause = "learning_rate_multipliers" if by_rules else "learning_rate_multipliers or requires_grad=False"
    raise mismatch(source, f"was written by a run that froze other arrays ({cause}): {why}; resume with the same "
                   f"arrays frozen, or {START_FRESH}", option="learning_rate_multipliers" if by_rules else None,
                   expected=tuple(trained), found=tuple(before))


def _by_name(state: dict[str, Any], ids: dict[str, int], trained: list[str], sizes: list[int]) -> dict[str, Any]:
    """Optimizer ``state`` (its arrays' ids by name, ``ids``) as torch's load_state_dict takes it for an optimizer
    with groups of ``sizes`` arrays, named ``trained`` in order: each array's state and its group's settings."""
    group_of = {i: g for g in state["param_groups"] for i in g["params"]}
    groups, arrays, start = [], {}, 0
    for size in sizes:
        names = trained[start:start + size]
        settings = group_of[ids[names[0]]] if names else state["param_groups"][0]
        groups.append({**settings, "params": list(range(start, start + size))})
        arrays.update({k: state["state"][ids[n]] for k, n in enumerate(names, start) if ids[n] in state["state"]})
        start += size
    return {**state, "state": arrays, "param_groups": groups}


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
             "module_frozen": sorted(module_frozen(trainer.net)),
             "topology": topology_digests(trainer.net), "mixed": trainer.plan.mixed}
    if by_rank is not None and len(by_rank) > 1:
        state["estimators_by_rank"] = by_rank
    if (loader_rng := loader_random_state(getattr(trainer.train, "loader", None))) is not None:
        state["loader_rng"] = loader_rng  # the states the next round's order is drawn from
    if trainer.plan.seed_text is not None:  # the string seed given, as the user wrote it
        state["seed_text"] = trainer.plan.seed_text
    return state


def _few(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def trained_names(trainer: Any) -> list[str]:
    """The names of the arrays the run's optimizer trains, in the order of its state (frozen arrays are left out)."""
    names = {id(p): n for n, p in trainer.module.named_parameters()}
    return [names[id(p)] for g in trainer.optimizer.param_groups for p in g["params"]]


def restore_run(trainer: Any, source: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Load ``run_state``'s arrays, optimizer, best arrays and baselines into ``trainer``; returns the progress (an
    older file's with the defaults of what it lacks)."""
    check_compatible(data, trainer.module, source)
    check_precision(data["model"], trainer.module, source)
    check_same_net(data.get("topology"), topology_digests(trainer.net), trainer.net, source)
    check_progress(data["progress"], trainer.state, source)
    check_validation(data["progress"], trainer.validation is not None, source, trainer.plan.held_out)
    check_mixed(data.get("mixed"), trainer.plan.mixed, source)
    trainer.module.load_state_dict(data["model"])
    by_rank = data.get("estimators_by_rank")  # each process its own baselines, when the process count is the same
    own = by_rank[trainer.ctx.rank] if by_rank and len(by_rank) == trainer.ctx.world else None
    load_estimator_state(trainer.module, own if own is not None else data.get("estimators", {}))
    trainer.factor = load_optimizer(trainer.optimizer, data, trainer.plan.method.name, source, trained_names(trainer),
                                    module_frozen(trainer.net), trainer.plan.method.schedule is not None)
    restore_loader_random(trainer.train, data)
    if data.get("best_model") is not None:
        trainer.best_state = {k: v.to(trainer.ctx.device) for k, v in data["best_model"].items()}
    # older files' defaults: one best for both, no watched value (the one the run watches now), no fraction (its own),
    # a round's batches those of the rounds done (each whole round of data without a length has the same count)
    progress = data["progress"]
    rounds = progress.get("rounds", 0)
    return {"patience_loss": progress.get("best_loss"), "watched": trainer.state.watched,
            "validation_fraction": trainer.plan.held_out,
            "first_round_batches": progress.get("batches", 0) // rounds if rounds else None, **progress}

"""Score-function gradients for RandomArrayLayer: the surrogate term a custom training loop adds.

Continuous distributions pass gradients to their parameters by themselves (pathwise, or implicit
reparameterization through the Gamma). Discrete draws (Bernoulli, Binomial, Poisson,
NegativeBinomial, and any layer with ``estimator="score_function"``) cannot: a layer cannot add the
score-function (REINFORCE) term in its own backward, because that term needs the loss. So each such
layer *records* ``log p(x | θ)`` of what it drew, and the loss owner adds one surrogate term. Only its
gradient (the score) is ever used, so where a distribution gives the score in closed form
(``score_grad``: Bernoulli, Binomial, Poisson, NegativeBinomial) the record is a zero-valued handle whose
backward computes it, and the log-mass itself is not evaluated (see ``score_handle``):

API (the contract; ``net_train`` calls it for you)::

    module = net.compile()
    out = module(**inputs)                      # one or more forward calls
    losses = per_example_loss(out)              # shape (B,), or a scalar objective
    objective = losses.mean() + module.surrogate_loss(losses)            # reduction="mean" (default)
    objective.backward()                        # unbiased gradient for every parameter

``CompiledNet.surrogate_loss(loss, reduction="mean")`` is ``surrogate_loss(module, loss, reduction)``
below, which also works for any ``nn.Module`` that contains RandomArrayLayer modules.

* ``loss``: a 1-D tensor of per-example losses ``(B,)`` whose ``reduction`` ("mean" or "sum") is the
  objective you backpropagate, or a 0-d tensor that *is* the objective.
* Per-example losses, for a layer whose recorded draws have batch size B == len(loss) >= 2: each
  example's advantage uses the **leave-one-out** baseline (the mean loss of the other B-1 examples).
  A layer inside a ``NetMapOperator`` draws for the sequence folded into the batch (B*n draws, example
  by example): each example's n draws are scored together against its loss, with the same baseline.
  Otherwise (a scalar loss, B == 1, batch sizes that do not match, which warns once per layer
  naming both sizes, a layer whose output depends on other examples, ``score_baselines.mixes_examples``:
  batch norm in training, where each loss depends on every draw, or ``score_whole_batch=True``, for a loss that
  mixes examples itself): the advantage is the objective minus a **running mean** of past objectives (per layer,
  decay ``BASELINE_DECAY``; none on the first step). Leave-one-out is unbiased only where each example's loss
  depends on its own draws alone; the running mean always.
* The returned scalar has value exactly 0 (it is ``adv * (log p - log p.detach())``), so adding it to a
  reported loss does not change the number; only its gradient matters. It is a plain zero tensor when
  no draws are pending; an ``OptionError`` when draws were made but every one was freed first (the
  draw tensor was dropped, e.g. after ``.tolist()``): keep the draw alive until this call.
* It consumes the records: every draw recorded since the last call (by forward calls whose outputs
  are still alive) is used once. Records exist only when grad mode is on and a parameter of the layer
  requires grad; a forward under ``torch.no_grad()`` records nothing. Records are per thread
  (``score_records``): a call in a thread that drew nothing while another thread's draws wait warns.
* Backpropagating through such a layer's output without having called ``surrogate_loss`` first
  emits an ``EstimatorWarning`` at the end of that backward pass, naming the first such layer and how many
  others (each layer is warned about once): those parameters would silently get no gradient.

>>> import torch
>>> from netgraph import NetGraph, RandomArrayLayer, BernoulliDistribution
>>> net = NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=())
>>> module = net.compile()
>>> p = torch.full((4,), 0.3, requires_grad=True)
>>> b = module(p=p)
>>> losses = (b - 0.45) ** 2
>>> term = module.surrogate_loss(losses)
>>> term.item()
0.0
>>> (losses.mean() + term).backward()
>>> p.grad.shape
torch.Size([4])
"""

from __future__ import annotations

import functools
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from netgraph.core.torch_internals import graph_task_id
from netgraph.core.errors import OptionError
from netgraph.core.option_checks import true_or_false
from netgraph.core.user_frame import user_stacklevel
from netgraph.layers.dist_tensors import tensors
from netgraph.layers.score_baselines import (checked_loss, example_logp, leave_one_out_term, mark_folded_draws,
                                             mixes_examples)
from netgraph.layers.score_records import (HELD_RECORDS, ScoreRecord, drawn_elsewhere, held_here, pending_here,
                                           records_here, take_here, this_thread)

__all__ = ["EstimatorWarning", "ScoreRecord", "record_score", "score_handle", "surrogate_loss", "pending_records",
           "pending_here", "BASELINE_DECAY", "HELD_RECORDS", "straight_through", "mark_folded_draws", "example_logp",
           "uncertain_log_mass", "warn_traced_score"]

#: Decay of the running-mean baseline used when no leave-one-out baseline is available.
BASELINE_DECAY = 0.9


class EstimatorWarning(UserWarning):
    """A discrete random layer's parameters would get no gradient (the surrogate term was not used)."""


class _Watch(torch.autograd.Function):
    """Identity on the (detached) draws; its backward warns when the surrogate was never taken."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, record: ScoreRecord, *params: torch.Tensor) -> torch.Tensor:
        ctx.record = record
        ctx.n_params = len(params)
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        record = ctx.record
        if not record.used and not getattr(record.owner, "_warned_unused", False):
            _unused_at_end(record.owner)
        return (None, None) + (None,) * ctx.n_params


_LOCK = threading.Lock()  # backward passes run in many threads: guards _UNUSED and the once-per-layer flags
_UNUSED: dict[int, weakref.WeakValueDictionary] = {}  # per backward pass (graph task id), the layers it met without
# their surrogate term, warned at its end; weakly held: a pass that failed never runs its callback
_PASSES = 64  # passes kept at once: beyond it, the oldest (a failed one) is dropped


def _unused_at_end(owner: nn.Module) -> None:
    """Warn about ``owner`` at the end of the running backward pass, in one warning with every other layer that pass
    met (a big net may hold thousands); at once where torch queues nothing (not inside its backward engine)."""
    with _LOCK:
        met = _UNUSED.get(task := graph_task_id())
        if met is not None:
            met[id(owner)] = owner
            return
    try:  # the first such layer of this pass
        torch.autograd.Variable._execution_engine.queue_callback(functools.partial(_warn_all_unused, task))
    except RuntimeError:
        _warn_unused(owner)
        return
    with _LOCK:
        _UNUSED.setdefault(task, weakref.WeakValueDictionary())[id(owner)] = owner
        if len(_UNUSED) > _PASSES:
            del _UNUSED[next(iter(_UNUSED))]


def _warn_all_unused(task: int) -> None:
    with _LOCK:
        met = _UNUSED.pop(task, None)
    owners = list(met.values()) if met is not None else []
    if owners:
        _warn_unused(owners[0], others=owners[1:])


def _first_time(owners: Sequence[nn.Module], flag: str) -> list[nn.Module]:
    """The ``owners`` not yet warned about (their attribute ``flag`` unset), each once, now flagged: of threads
    warning about the same layer at once, one warns."""
    with _LOCK:
        fresh = [o for o in {id(o): o for o in owners}.values() if not vars(o).get(flag, False)]
        for owner in fresh:
            vars(owner)[flag] = True  # a plain flag, kept out of nn.Module's bookkeeping
    return fresh


class _Score(torch.autograd.Function):
    """Zero per example; backward: the distribution's closed-form score of the draws ``x``, times the gradient."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, dist: Any, index: int, *params: torch.Tensor) -> torch.Tensor:
        ctx.dist, ctx.index = dist, index
        ctx.save_for_backward(x, *params)
        return x.new_zeros(x.shape[:1])

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple:
        x, *params = ctx.saved_tensors
        out: list[Any] = [None] * len(params)
        if ctx.needs_input_grad[3 + ctx.index]:
            score = ctx.dist.score_grad(x, params, grad.reshape((-1,) + (1,) * (x.dim() - 1)))
            certain = ctx.dist.certain(params)  # no unbiased score there (uncertain_log_mass): 0
            out[ctx.index] = score if certain is None else score.masked_fill(certain, 0.0)
        return (None, None, None, *out)


def uncertain_log_mass(dist: Any, logp: torch.Tensor, params: Sequence[Any]) -> torch.Tensor:
    """``logp`` (of each draw) with no gradient where the draw was certain (``dist.certain``: Poisson's μ = 0, p = 0
    or 1): no estimator is unbiased there, and their score (−1 at μ = 0) would make the term follow the baseline.

    >>> from netgraph.layers.distributions import PoissonDistribution as Poisson
    >>> mu, x = torch.tensor([0.0, 2.0], requires_grad=True), torch.tensor([0.0, 3.0])
    >>> uncertain_log_mass(Poisson("#mu"), Poisson("#mu").log_prob(x, [mu]), [mu]).sum().backward(); mu.grad.tolist()
    [0.0, 0.5]
    """
    certain = getattr(dist, "certain", lambda _: None)(params)
    return logp if certain is None else torch.where(certain.to(logp.device), logp.detach(), logp)


def score_handle(dist: Any, x: torch.Tensor, params: Sequence[Any]) -> torch.Tensor | None:
    """(B,) zeros whose gradient is that of ``log p(x | θ)`` summed per example, by ``dist.score_grad``
    (the log-mass's gradient in closed form, without evaluating the log-mass); None where that does not
    apply: no closed form, or a parameter that requires grad is another one or is broadcast against ``x``.

    >>> from netgraph.layers.distributions import PoissonDistribution
    >>> mu = torch.tensor([[0.0, 2.0]], requires_grad=True)
    >>> h = score_handle(PoissonDistribution("#mu"), torch.tensor([[0.0, 3.0]]), [mu])
    >>> h.backward(torch.ones(1)); h.tolist(), mu.grad.tolist()   # x / mu - 1, and 0 where every draw is 0
    ([0.0], [[0.0, 0.5]])
    """
    name = getattr(dist, "SCORE_PARAM", None)
    if name is None:
        return None
    index = dist.PARAMS.index(name)
    for i, p in enumerate(params):
        if isinstance(p, torch.Tensor) and p.requires_grad and (i != index or p.shape != x.shape):
            return None
    return _Score.apply(x, dist, index, *tensors(params, x))


def _warn_unused(owner: nn.Module, what: str = "a loss was backpropagated through its output",
                 others: Sequence[nn.Module] = ()) -> None:
    """The warning that ``owner`` (and ``others``, counted) got no surrogate term; once per layer: those warned
    about before are left out."""
    fresh = _first_time((owner, *others), "_warned_unused")
    if not fresh:
        return
    owner, others = fresh[0], fresh[1:]
    alternatives = [e for e in owner.distribution.ESTIMATORS if e not in ("score_function", owner.estimator)]
    biased = f"; or pick a biased estimator= {' / '.join(map(repr, alternatives))}" if alternatives else ""
    counted = f" (and {len(others)} other layers)" if others else ""
    warnings.warn(
        f"{owner.describe()}{counted} draws with estimator {owner.estimator!r} and its parameters require grad, but "
        f"{what} WITHOUT the score-function surrogate term, so those parameters get NO gradient from this draw. Add "
        f"the term before backward: `(losses.mean() + module.surrogate_loss(losses)).backward()` (net_train does "
        f"this for you){biased}; or feed the parameters without grad. (This warning is shown once per layer.)",
        EstimatorWarning, stacklevel=user_stacklevel(through_torch=True))  # the user's backward() or module call


def warn_traced_score(owner: nn.Module) -> None:
    """The warning (once per layer) that torch.jit.trace / torch.export records ``owner``'s score-function draw
    without the record surrogate_loss reads: the traced module's draws give its parameters no gradient."""
    if _first_time((owner,), "_warned_traced"):
        warnings.warn(f"{owner.describe()} draws with estimator 'score_function' and its parameters require grad, but "
                      "torch.jit.trace and torch.export record no score-function term: the traced module's draws give "
                      "surrogate_loss nothing, so those parameters get NO gradient from them. Train the compiled "
                      "module itself; trace under torch.no_grad() for inference. (Shown once per layer.)",
                      EstimatorWarning, stacklevel=user_stacklevel(through_torch=True))


def record_score(owner: nn.Module, x: torch.Tensor, logp: torch.Tensor,
                 params: Sequence[Any]) -> torch.Tensor:
    """Register ``logp`` (per-example log-probability of the detached draws ``x``) on ``owner``.

    Returns ``x`` marked so that backpropagating through it without the surrogate warns. The record
    lives as long as the returned tensor's graph (``owner`` holds only a weak reference). Integer draws
    (class indices) have no graph: ``owner`` holds their last ``HELD_RECORDS`` records until the
    surrogate is taken, and drawing again before that warns (nothing else could).
    """
    if torch.compiler.is_compiling():  # torch.compile runs it eagerly: its per-thread bookkeeping is no graph op
        if not _EAGER_RECORD_SCORE:  # a list, not functools.cache: dynamo does not trace that
            _EAGER_RECORD_SCORE.append(torch.compiler.disable(record_score))  # it could not trace _thread.get_ident
        return _EAGER_RECORD_SCORE[0](owner, x, logp, params)
    record, pending = ScoreRecord(owner, logp), records_here(owner)  # this thread's: only it touches them
    pending[:] = [r for r in pending if r() is not None]
    pending.append(weakref.ref(record))
    if not x.is_floating_point():
        held = held_here(owner)
        if any(not r.used for r in held):
            _warn_unused(owner, "it drew again while earlier draws' records were still unused: a loss was computed")
        held.append(record)
    grads = [p for p in params if isinstance(p, torch.Tensor) and p.requires_grad]
    return _Watch.apply(x, record, *grads)


_EAGER_RECORD_SCORE: list[Callable[..., torch.Tensor]] = []  # built on first compile: disable() imports torch._dynamo


def pending_records(module: nn.Module, modules: list[nn.Module] | None = None) -> Iterator[ScoreRecord]:
    """The live, not yet used records of every score-function layer inside ``module`` (its ``modules``, where the
    caller holds them), of draws made in this thread; taken: they are then gone."""
    here = this_thread()
    # not named_modules: a path is built only for a layer that drew (per step)
    for sub in modules if modules is not None else module.modules():
        refs, held = take_here(sub, here)  # held: the only holder of integer draws' records, kept till done
        if not refs:
            continue
        if getattr(sub, "label", None) is None:
            _label(sub, next(name for name, m in module.named_modules() if m is sub))
        for ref in refs:
            record = ref()
            if record is not None and not record.used:
                yield record
        del held


def _label(sub: nn.Module, name: str) -> None:
    """Name layer ``sub`` by its path in the module (for messages) where it has no label."""
    if getattr(sub, "label", None) is None and name:
        vars(sub)["label"] = name


def _warn_drawn_elsewhere(module: nn.Module) -> None:
    """Warn where this thread took no term but a layer holds draws made in another thread: their term is theirs."""
    layers = list(drawn_elsewhere(module))
    if not layers:
        return
    _label(layers[0], next(name for name, sub in module.named_modules() if sub is layers[0]))
    counted = f" (and {len(layers) - 1} other layers)" if len(layers) > 1 else ""
    warnings.warn(
        f"surrogate_loss: {layers[0].describe()}{counted} drew in another thread and no draws were made in this one, "
        "so this term is 0 without gradient and those parameters get NO gradient: draws' records are kept per thread "
        "(each thread scores its own draws against its own losses); take the surrogate term in the thread that drew "
        "(compute the losses and call surrogate_loss in the function given to the executor or asyncio.to_thread)",
        EstimatorWarning, stacklevel=user_stacklevel())


def _warn_sizes(drawn: list[tuple[nn.Module, int]], losses: int) -> None:
    """One warning for the layers in ``drawn`` (each with its draws' batch size) not warned before, naming the first
    and how many others (a big net may hold thousands)."""
    sizes = {id(owner): draws for owner, draws in drawn}
    fresh = _first_time([owner for owner, _ in drawn], "_warned_sizes")
    if not fresh:
        return
    owner, others = fresh[0], f" (and {len(fresh) - 1} other layers)" if len(fresh) > 1 else ""
    draws = sizes[id(owner)]
    warnings.warn(
        f"surrogate_loss: {owner.describe()}{others} drew a batch of {draws} but the per-example losses have batch "
        f"size {losses}, so its score-function term uses the running-mean baseline (unbiased, higher variance) "
        "instead of leave-one-out, as it must where it cannot tell which draws each example's loss depends on. "
        "Where each draw has a loss of its own, pass one loss per draw to get leave-one-out. (This warning is shown "
        "once per layer.)", EstimatorWarning, stacklevel=user_stacklevel())


def surrogate_loss(module: nn.Module, loss: torch.Tensor, reduction: str = "mean",
                   score_whole_batch: bool = False) -> torch.Tensor:
    """The score-function surrogate term for every pending draw in ``module`` (see the module doc).

    ``(objective + surrogate_loss(module, loss)).backward()`` gives unbiased gradients where
    ``objective`` is ``loss.mean()`` (``reduction="mean"``), ``loss.sum()`` (``"sum"``) or the scalar
    ``loss`` itself, and each example's loss depends only on its own draws; ``score_whole_batch=True`` scores every
    draw by the whole objective (running-mean baseline), unbiased also where losses mix examples (a loss centred on
    the batch mean). The value is exactly zero.
    """
    whole_batch = true_or_false(score_whole_batch, "score_whole_batch", "surrogate_loss")
    return _surrogate(module, loss, reduction, strict=True, whole_batch=whole_batch)


def _surrogate(module: nn.Module, loss: torch.Tensor, reduction: str, strict: bool,
               modules: list[nn.Module] | None = None, whole_batch: bool = False) -> torch.Tensor:
    """``surrogate_loss``; ``strict``: refuse when every draw's record was freed before this call; ``modules``: the
    module's submodules where the caller holds them (net_train, each step); ``whole_batch``: every draw scored by
    the whole objective, as where layers mix examples."""
    loss = checked_loss(loss, reduction)
    per_example = loss.dim() == 1
    objective = loss if not per_example else (loss.mean() if reduction == "mean" else loss.sum())
    here = this_thread()
    freed = [sub for sub in module.modules()
             if any(r() is None for r in pending_here(sub, here))] if strict else []  # net_train: no pass
    terms, owners, mis_sized, mixed = [], {}, [], True if whole_batch else None
    for record in pending_records(module, modules):
        record.used = True
        logp = example_logp(record, loss.shape[0]) if per_example else record.logp
        score = logp - logp.detach()
        if per_example and mixed is None:  # a scalar loss is scored whole: whether layers mix examples is moot
            mixed = mixes_examples(module.modules() if modules is None else modules)
        if per_example and logp.shape[0] != loss.shape[0] and not mixed:
            mis_sized.append((record.owner, logp.shape[0]))
        if (term := leave_one_out_term(logp, loss, bool(mixed))) is not None:
            terms.append(term / (loss.shape[0] if reduction == "mean" else 1))
        else:
            baseline = getattr(record.owner, "baseline", None)
            advantage = objective - (baseline if baseline is not None else 0.0)
            terms.append(advantage.to(score.dtype) * score.sum())
            owners[id(record.owner)] = record.owner
    if mis_sized:
        _warn_sizes(mis_sized, loss.shape[0])
    value = float(objective) if owners else None
    with _LOCK:  # threads taking their terms at once each move the running mean
        for owner in owners.values():
            old = getattr(owner, "baseline", None)
            vars(owner)["baseline"] = value if old is None else BASELINE_DECAY * old + (1 - BASELINE_DECAY) * value
    if not terms:
        if strict and freed:
            raise OptionError(
                f"surrogate_loss: no draws are recorded, but {freed[0].describe()} drew and its draw was freed "
                "before this call (a record lives only as long as the draw's autograd graph, and the draw "
                "tensor was dropped, e.g. after .tolist() or .item()). Keep the draw tensor alive until "
                "surrogate_loss, e.g. `a = module(...); rewards = env(a.tolist()); "
                "(rewards.mean() + module.surrogate_loss(rewards)).backward()`.",
                kind="freed-draw", layer=freed[0].path)
        _warn_drawn_elsewhere(module)
        return loss.new_zeros(())
    return torch.stack(terms).sum()


def straight_through(x: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """``x`` forward, the gradient of ``mean`` backward (biased; opt-in ``estimator="straight_through"``).

    >>> p = torch.tensor([0.3], requires_grad=True)
    >>> y = straight_through(torch.tensor([1.0]), p)
    >>> y.backward(); y.item(), p.grad.item()
    (1.0, 1.0)
    """
    return x + (mean - mean.detach())

"""torch's optimizers without the ``torch._dynamo`` import their first call costs (about 2 s of start-up).

torch decorates ``Optimizer.add_param_group``, ``zero_grad``, ``state_dict`` and ``load_state_dict``
with ``torch._disable_dynamo`` and each ``step`` with ``_use_grad_for_differentiable``; both import
``torch._dynamo`` on their first call, only so that ``torch.compile`` does not trace them. net_train
never compiles its optimizer, so its classes here are thin subclasses of torch's own that call the
functions those decorators wrap (kept by ``functools.wraps`` as ``__wrapped__``), ``step`` under the
grad mode ``_use_grad_for_differentiable`` sets. The update, the state and the ``state_dict`` format
are torch's own; where a method carries none of those decorators (another torch version) it is left
as torch's. Step hooks and the profiler's step record still apply (torch adds them per class).

>>> import torch
>>> w = torch.nn.Parameter(torch.ones(2))
>>> opt = SGD([w], lr=0.5)
>>> w.sum().backward(); opt.step(); w.tolist()
[0.5, 0.5]
>>> isinstance(opt, torch.optim.SGD), list(opt.state_dict()["param_groups"][0]["params"])
(True, [0])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torch.optim import optimizer as _torch_optimizer

__all__ = ["Adam", "AdamW", "SGD", "RMSprop", "without_dynamo"]


def _wrapper_code(decorate: Any) -> Any:
    """The code object of the function ``decorate`` wraps others in (None when torch has no such decorator)."""
    if decorate is None:
        return None
    return getattr(decorate(lambda *args, **kwargs: None), "__code__", None)


# The wrappers to strip: torch's dynamo-disabling one, its grad-mode one for step, and the profiler's
# step wrapper (torch wraps the class's step in place on first construction; ours gets its own).
_DISABLE = _wrapper_code(getattr(torch, "_disable_dynamo", None))
_USE_GRAD = _wrapper_code(getattr(_torch_optimizer, "_use_grad_for_differentiable", None))
_PROFILE = _wrapper_code(getattr(torch.optim.Optimizer, "profile_hook_step", None))


def _strip(method: Callable) -> tuple[Callable, set]:
    """``method`` without torch's known wrappers, and the codes of those it had."""
    stripped = set()
    while getattr(method, "__code__", None) in (_DISABLE, _USE_GRAD, _PROFILE) and hasattr(method, "__wrapped__"):
        stripped.add(method.__code__)
        method = method.__wrapped__
    return method, stripped - {None}


def _plain_method(method: Callable) -> Callable | None:
    """``method`` as torch's decorators would run it outside torch.compile, without importing torch._dynamo;
    None when it carries no decorator that imports it."""
    inner, stripped = _strip(method)
    if _USE_GRAD in stripped:
        @functools.wraps(inner)
        def with_grad_mode(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> Any:
            with torch.set_grad_enabled(self.defaults["differentiable"]):
                return inner(self, *args, **kwargs)
        return with_grad_mode
    return inner if _DISABLE in stripped else None


_METHODS = ("add_param_group", "zero_grad", "state_dict", "load_state_dict", "step")


def without_dynamo(cls: type[torch.optim.Optimizer]) -> type[torch.optim.Optimizer]:
    """A subclass of torch optimizer ``cls`` whose methods skip the decorators that import torch._dynamo."""
    body = {name: plain for name in _METHODS if (plain := _plain_method(getattr(cls, name))) is not None}
    body.update(__module__=__name__, __qualname__=cls.__name__,
                __doc__=f"torch.optim.{cls.__name__}, the same update and state, without importing torch._dynamo.")
    return type(cls.__name__, (cls,), body)


Adam = without_dynamo(torch.optim.Adam)
AdamW = without_dynamo(torch.optim.AdamW)
SGD = without_dynamo(torch.optim.SGD)
RMSprop = without_dynamo(torch.optim.RMSprop)

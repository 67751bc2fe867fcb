"""The fuzz oracle: only NetGraphError may escape; nets that build compute the same compiled and interpreted.

>>> from netgraph import ShapeError
>>> only_our_errors(lambda: (_ for _ in ()).throw(ShapeError("bad")))
>>> only_our_errors(lambda: 1 + 1)
2
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from hypothesis import event as _event
from hypothesis.control import currently_in_test_context

from netgraph import NetGraphError, interpret, net_initialize


def event(text: str) -> None:
    """Count ``text`` in ``--hypothesis-show-statistics`` (a no-op outside a hypothesis test)."""
    if currently_in_test_context():
        _event(text)


class Escape(AssertionError):
    """A non-NetGraphError exception escaped from the public API."""


def only_our_errors(action: Callable[[], Any]) -> Any:
    """``action()``, or None when it raised a NetGraphError; any other exception fails the test as an Escape."""
    try:
        return action()
    except NetGraphError as exc:
        event(f"refused: {type(exc).__name__}")
        return None
    except (KeyboardInterrupt, Escape):
        raise
    except BaseException as exc:  # noqa: BLE001 - the point is to catch everything else
        raise Escape(f"{type(exc).__name__} escaped: {exc}") from exc


def random_inputs(net: Any, seed: int, batch: int = 2) -> dict[str, torch.Tensor]:
    """Inputs in (0.2, 0.8) for every input port of ``net`` with a known shape (integer ports get zeros)."""
    generator = torch.Generator().manual_seed(seed)
    inputs = {}
    for port in net.input_ports:
        shape = net.input_shapes[port]
        if shape is None or any(not isinstance(d, int) for d in shape):
            return {}
        if net.port_types[port].dtype == "Integer":  # indices: 0 and 1 are valid for any real index range
            inputs[port] = torch.randint(0, 2, (batch, *shape), generator=generator)
        else:
            inputs[port] = 0.2 + 0.6 * torch.rand((batch, *shape), generator=generator)
    return inputs


def _as_dict(result: Any) -> dict[str, torch.Tensor]:
    return result if isinstance(result, dict) else {"Output": result}


def check_parity(net: Any, seed: int = 0) -> None:
    """Initialise, compile (every draw checked) and run ``net`` both ways on the same inputs and draws: same outputs
    (or the same error)."""
    # checks=True: under "auto" a pathwise Normal/Uniform draw is inlined unchecked in the compiled forward (a bad
    # sigma gives NaN, as documented) while the interpreter checks it, so the two would differ by design
    module = only_our_errors(lambda: net_initialize(net, seed=seed).compile(checks=True))
    if module is None:
        return
    inputs = random_inputs(module.net, seed)
    if module.net.input_ports and not inputs:
        event("parity: inputs of unknown shape")
        return
    torch.manual_seed(seed)
    compiled = only_our_errors(lambda: module(**inputs))
    torch.manual_seed(seed)
    interpreted = only_our_errors(lambda: interpret(module.net, module, **inputs))
    if compiled is None or interpreted is None:
        assert compiled is None and interpreted is None, "one path raised NetGraphError, the other did not"
        return
    event("parity: compared")
    compiled, interpreted = _as_dict(compiled), _as_dict(interpreted)
    assert compiled.keys() == interpreted.keys()
    for port, value in compiled.items():
        torch.testing.assert_close(value, interpreted[port], equal_nan=True, msg=lambda m: f"port {port}: {m}")


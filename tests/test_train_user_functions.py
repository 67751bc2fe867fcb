"""The functions net_train calls (a learning-rate schedule, a progress or stopping function, a loss function): an
exception one raises is an OptionError of kind "function-error" naming the option, the function and where it was
called, the exception its ``__cause__``; a NetGraphError it raises, a KeyboardInterrupt and SystemExit pass as they
are."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, OptionError, net_initialize, net_measurements, net_train
from netgraph.train.callables import call_user
from netgraph.train.options import schedule_factor


def _train(**options):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 2, generator=g)
    net = NetGraph({"lin": LinearLayer(1)}, [], Input=2)
    return net_train(net, {"Input": x, "Target": x.sum(1, keepdim=True)}, **{
        "max_training_rounds": 2, "batch_size": 8, "random_seed": 0, "progress": False, **options})


def _on_call(count, error, value=None):
    """A function of any arguments that raises ``error`` at its ``count``-th call (returns ``value`` before)."""
    calls = []

    def function(*_):
        calls.append(1)
        if len(calls) == count:
            raise error
        return value
    return function


def _mse(outputs, batch):
    return ((outputs["Output"] - batch["Target"]) ** 2).mean()


def _fails_at(count, error):
    """A loss function that raises ``error`` at its ``count``-th call, the mean squared error before."""
    raising = _on_call(count, error)
    return lambda outputs, batch: raising() or _mse(outputs, batch)


_ZERO = ZeroDivisionError("division by zero")


@pytest.mark.parametrize("options, name, where", [
    (lambda: {"method": ("SGD", {"learning_rate_schedule": _on_call(3, _ZERO, 1.0)})},
     "learning_rate_schedule", "at round 2, batch 1 (fraction_done 0.5)"),
    (lambda: {"progress": _on_call(2, _ZERO)}, "progress", "after round 2"),
    (lambda: {"training_stopping_criterion": _on_call(1, _ZERO)}, "training_stopping_criterion", "after round 1"),
    (lambda: {"loss_function": _fails_at(2, _ZERO)}, "loss_function", "at round 1, batch 2"),
    (lambda: {"loss_function": _fails_at(2, _ZERO), "validation_set": 0.5}, "loss_function",
     "at the validation after round 1"),
])
def test_a_functions_exception_is_an_option_error_naming_the_option_and_place(options, name, where):
    """The user's ZeroDivisionError left net_train bare, with no word of which function raised it nor when."""
    with pytest.raises(OptionError) as caught:
        _train(**options())
    error = caught.value
    assert error.__cause__ is _ZERO
    d = error.diagnostics[0]
    assert (d.kind, d.option, d.found) == ("function-error", name, "ZeroDivisionError")
    assert f" raised ZeroDivisionError {where}: division by zero" in str(error)
    assert str(error).startswith(name)


def test_a_loss_functions_exception_outside_training_names_no_place():
    net = net_initialize(NetGraph({"lin": LinearLayer(1)}, [], Input=2), seed=0)
    x = torch.randn(4, 2)
    with pytest.raises(OptionError, match=r"raised ValueError: bad$") as caught:
        net_measurements(net, {"Input": x, "Target": x[:, :1]}, "Loss", loss_function=_fails_at(1, ValueError("bad")))
    assert isinstance(caught.value.__cause__, ValueError)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(3), DataError("its own", kind="data-form"),
                                   MemoryError()])
def test_interrupts_exits_memory_and_netgraph_errors_pass_as_they_are(error):
    """Resume relies on KeyboardInterrupt; a NetGraphError of the function's own is not wrapped twice."""
    with pytest.raises(type(error)) as caught:
        call_user(_on_call(1, error), option="progress", where=lambda: "after round 1")
    assert caught.value is error


@pytest.mark.parametrize("option", ["progress", "training_stopping_criterion"])
def test_a_keyboard_interrupt_of_a_function_still_stops_training_by_hand_after_its_round(option):
    """Ctrl-C in a progress or stopping function is a manual stop that keeps the round trained, as before."""
    r = _train(all=True, **{option: _on_call(1, KeyboardInterrupt())})
    assert (r.reason_training_stopped, r.total_rounds, len(r.batch_losses)) == ("ManualStop", 1, 2)


@pytest.mark.parametrize("option", ["progress", "training_stopping_criterion"])
def test_a_key_info_lacks_is_a_key_error_and_option_error_naming_the_option(option):
    """Not wrapped as the function's own exception: a KeyError still, for code that catches one."""
    with pytest.raises(KeyError, match=rf"^{option} <lambda>\(info\): info has no key 'Roundloss' \(did you mean "
                                       r"'RoundLoss'\?\)") as caught:
        _train(**{option: lambda info: info["Roundloss"]})
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.found) == ("unknown-key", option, "Roundloss")


class _NoText(Exception):
    """An exception whose text cannot be read: its ``__str__`` raises."""

    def __str__(self):
        raise RuntimeError("no text")


@pytest.mark.parametrize("error, ending", [(StopIteration(), "raised StopIteration after round 1"),
                                           (_NoText(), "raised _NoText after round 1")])
def test_an_exception_without_readable_text_ends_the_message_at_its_type_and_stays_the_cause(error, ending):
    """A bare ``raise StopIteration`` ended the message in ": "; a failing ``__str__`` replaced the error itself."""
    with pytest.raises(OptionError) as caught:
        call_user(_on_call(1, error), option="progress", where=lambda: "after round 1")
    assert str(caught.value).endswith(ending) and caught.value.__cause__ is error


def test_a_loss_modules_exception_names_its_class_not_a_function():
    class SumLoss(torch.nn.Module):
        def forward(self, outputs, batch):
            raise AssertionError  # as a bare `assert` in its forward (pytest would give this module's a text)
    with pytest.raises(OptionError) as caught:
        _train(loss_function=SumLoss())
    assert str(caught.value) == "loss_function SumLoss(outputs, batch) raised AssertionError at round 1, batch 1"


def test_a_long_exception_text_is_shortened_in_the_message():
    """A 200,000-character user message made a 200,073-character OptionError."""
    with pytest.raises(OptionError) as caught:
        call_user(_on_call(1, ValueError("x" * 200_000)), option="progress")
    assert len(str(caught.value)) < 600 and str(caught.value).endswith("(200000 characters)")
    assert str(caught.value.__cause__) == "x" * 200_000


def test_a_schedule_that_returns_a_factor_formats_no_place():
    """clipped_step formatted the round and batch at every scheduled step, though only an error reads them."""
    places = []
    assert schedule_factor(lambda f: 2 * f, 0.25, lambda: places.append(1) or "round 1, batch 1") == 0.5
    assert places == []
    with pytest.raises(OptionError, match=r"returned -1 at round 1, batch 1 \(fraction_done 0.25\)"):
        schedule_factor(lambda f: -1, 0.25, lambda: "round 1, batch 1")

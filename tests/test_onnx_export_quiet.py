"""export_onnx's quieting (``netgraph.export.onnx_quiet``) across threads: warnings and torch's ONNX log are
process-wide, so two exports that leave in another order than they entered must still leave them as they were."""

from __future__ import annotations

import threading
import warnings

import torch

from netgraph.export.onnx_quiet import _exporting, quiet


def _inside_quiet(entered: threading.Event, leave: threading.Event) -> threading.Thread:
    """A thread that enters ``quiet``, sets ``entered`` and leaves once ``leave`` is set."""
    def body():
        with quiet():
            entered.set()
            assert leave.wait(60)
    thread = threading.Thread(target=body)
    thread.start()
    assert entered.wait(60)
    return thread


def _warns() -> int:
    """How many warnings a ``warnings.warn`` records under the filters in force (a user's "always" among them)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.filterwarnings("always", message="netgraph quiet test")
        warnings.warn("netgraph quiet test")
        warnings.warn("netgraph quiet test")
    return len(seen)


def test_two_exports_leaving_in_the_order_they_entered_restore_warnings_and_the_onnx_log():
    """The first to enter leaves first: each saved and restored the filters and ONNX log itself, so the second
    restored the first's silence (every warning ignored, torch's ONNX log off for good)."""
    filters, log = list(warnings.filters), torch._C._jit_onnx_log
    a_in, a_out, b_in, b_out = (threading.Event() for _ in range(4))
    first = _inside_quiet(a_in, a_out)
    second = _inside_quiet(b_in, b_out)
    a_out.set()
    first.join(60)
    assert torch._C._jit_onnx_log is not log  # the second export is still inside: still quiet
    assert warnings.filters[0][0] == "ignore"
    b_out.set()
    second.join(60)
    assert warnings.filters == filters
    assert torch._C._jit_onnx_log is log
    assert _warns() == 2


def test_quiet_nests_in_one_thread_and_restores_on_leaving_the_outer():
    filters, log = list(warnings.filters), torch._C._jit_onnx_log
    with quiet():
        with quiet():
            pass
        assert torch._C._jit_onnx_log is not log and warnings.filters[0][0] == "ignore"
    assert warnings.filters == filters and torch._C._jit_onnx_log is log


def test_torchs_onnx_log_is_off_in_the_exporting_thread_only(capfd):
    """torch's exporter turns its ONNX log on for good (it prints a failing export's IR graph): another thread's
    log, its own torch.onnx.export's, went unprinted while any export_onnx ran."""
    enabled, entered, leave = torch._C._jit_is_onnx_log_enabled(), threading.Event(), threading.Event()
    torch._C._jit_set_onnx_log_enabled(True)  # as torch.onnx.export leaves it

    def body():
        with quiet():
            torch._C._jit_onnx_log("netgraph quiet test: exporting thread")
            entered.set()
            assert leave.wait(60)
    thread = threading.Thread(target=body)
    thread.start()
    try:
        assert entered.wait(60)
        torch._C._jit_onnx_log("netgraph quiet test: other thread")
    finally:
        leave.set()
        thread.join(60)
        torch._C._jit_set_onnx_log_enabled(enabled)
    printed = capfd.readouterr().out
    assert "other thread" in printed and "exporting thread" not in printed


def test_quiet_left_on_another_thread_than_entered_restores_warnings_and_the_onnx_log(capfd):
    """Each thread's count changed outside the locked part: leaving on another thread raised AttributeError before
    the restore, so every warning stayed ignored and torch's ONNX log patched for the whole process."""
    filters, log, failures = list(warnings.filters), torch._C._jit_onnx_log, []
    enabled = torch._C._jit_is_onnx_log_enabled()
    inside = quiet()
    inside.__enter__()

    def leave():
        try:
            inside.__exit__(None, None, None)
        except Exception as error:  # noqa: BLE001 (recorded: the test asserts there was none)
            failures.append(error)
    thread = threading.Thread(target=leave)
    thread.start()
    thread.join(60)
    assert failures == []
    assert warnings.filters == filters and torch._C._jit_onnx_log is log
    assert _warns() == 2
    # the entering thread is no longer inside: its log prints while another thread exports
    entered, done = threading.Event(), threading.Event()
    other = _inside_quiet(entered, done)
    torch._C._jit_set_onnx_log_enabled(True)
    try:
        torch._C._jit_onnx_log("netgraph quiet test: entered here, left elsewhere")
    finally:
        done.set()
        other.join(60)
        torch._C._jit_set_onnx_log_enabled(enabled)
    assert "left elsewhere" in capfd.readouterr().out


def test_a_thread_started_after_an_exporting_thread_ended_is_not_exporting():
    """Threads were keyed by ``threading.get_ident()``, which Python gives again to a new thread once one ends: a
    ``quiet`` entered by a thread that ended before it was left made new threads count as exporting (their ONNX log
    off). Keyed by the thread object, a new thread is never the one that entered."""
    inside = quiet()
    entering = threading.Thread(target=inside.__enter__)
    entering.start()
    entering.join(60)
    seen = []
    try:
        for _ in range(50):
            thread = threading.Thread(target=lambda: seen.append(_exporting()))
            thread.start()
            thread.join(60)
    finally:
        inside.__exit__(None, None, None)
    assert seen == [False] * 50


def test_an_export_leaves_sys_stdout_alone_so_prints_during_it_show(tmp_path, capsys, monkeypatch):
    """Every export swapped the process's sys.stdout for a buffer (meant for a verbose export's graph dump only):
    a print during it, this thread's or another's, was lost."""
    from netgraph import LinearLayer, NetChain, export_onnx, net_initialize
    export = torch.onnx.export

    def printing_export(*args, **kwargs):
        print("netgraph quiet test: printed during the export")
        return export(*args, **kwargs)
    monkeypatch.setattr(torch.onnx, "export", printing_export)
    export_onnx(net_initialize(NetChain([LinearLayer(3)], input=4), seed=0), tmp_path / "p.onnx")
    assert "printed during the export" in capsys.readouterr().out

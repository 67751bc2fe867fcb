"""netgraph.core.torch_internals: each private torch name netgraph reads, tested against the torch behaviour it stands
for, so a torch upgrade that moves or changes one fails here; and no other module imports torch's private names."""

import pathlib
import re

import torch

from netgraph.core import torch_internals as ti

_ROOT = pathlib.Path(__file__).resolve().parents[1] / "netgraph"
_ALLOWED = {"core/torch_internals.py", "export/onnx_torch_private.py"}  # the export's own, tested apart
_PRIVATE = re.compile(r"torch\._C\b|torch\._functorch|_functorch\.|fx\._symbolic_trace|_len_torch_function_stack|"
                      r"_global_(forward|backward)(_pre)?_hooks|_current_graph_task_id|_set_grad_enabled")


def test_modules_read_torch_private_names_only_through_torch_internals():
    """It scanned five named files: plain_call, estimators and _torch_compat read torch's private names unseen."""
    found = [f"{path.relative_to(_ROOT)}:{n}: {line.strip()}" for path in sorted(_ROOT.rglob("*.py"))
             if str(path.relative_to(_ROOT)) not in _ALLOWED
             for n, line in enumerate(path.read_text().splitlines(), 1) if _PRIVATE.search(line)]
    assert found == []


def test_fx_symbolic_tracing_true_only_inside_symbolic_trace():
    seen = []

    class Probe(torch.nn.Module):
        def forward(self, x):
            seen.append(ti.fx_symbolic_tracing())
            return x + 1

    torch.fx.symbolic_trace(Probe())
    Probe()(torch.zeros(1))
    assert seen == [True, False]


def test_functorch_level_and_vmap_active_follow_the_transforms():
    seen = {}

    def probe(name):
        def f(x):
            seen[name] = (ti.functorch_level() is not None, ti.vmap_active())
            return x.sum()
        return f

    probe("eager")(torch.zeros(2))
    torch.func.grad(probe("grad"))(torch.zeros(2))
    torch.func.vmap(probe("vmap"))(torch.zeros(3, 2))
    torch.func.jacfwd(probe("jacfwd"))(torch.zeros(2))  # vmap over jvp: vmap beneath another transform
    assert seen == {"eager": (False, False), "grad": (True, False), "vmap": (True, True), "jacfwd": (True, True)}


def test_is_batched_and_unbatched_under_nested_vmap():
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    seen = []

    def inner(row):
        seen.append((ti.is_batched(row), tuple(row.shape), ti.unbatched(row) is x, ti.unbatched(row).requires_grad))
        return row * 2

    torch.func.vmap(torch.func.vmap(inner))(x)
    plain = torch.zeros(2)
    assert seen == [(True, (), True, True)]
    assert not ti.is_batched(plain) and ti.unbatched(plain) is plain


def test_function_modes_counted_under_device_blocks_and_default_device():
    outside = ti.function_modes()
    with torch.device("meta"):
        in_block = ti.function_modes()
    torch.set_default_device("meta")
    try:
        by_default = ti.function_modes()
    finally:
        torch.set_default_device(None)
    assert (outside, in_block, by_default, ti.function_modes()) == (0, 1, 1, 0)


def test_global_forward_hooks_are_the_dicts_torch_fills():
    pre = torch.nn.modules.module.register_module_forward_pre_hook(lambda module, args: None)
    post = torch.nn.modules.module.register_module_forward_hook(lambda module, args, out: None)
    try:
        every_pre, every_post = ti.global_forward_hooks()
        assert pre.id in every_pre and post.id in every_post
    finally:
        pre.remove()
        post.remove()
    every_pre, every_post = ti.global_forward_hooks()
    assert pre.id not in every_pre and post.id not in every_post


def test_global_backward_hooks_are_the_dicts_torch_fills():
    module = torch.nn.Linear(1, 1)
    pre = torch.nn.modules.module.register_module_full_backward_pre_hook(lambda module, grad: None)
    post = torch.nn.modules.module.register_module_full_backward_hook(lambda module, grad_in, grad_out: None)
    try:
        every_pre, every_post = ti.global_backward_hooks()
        assert pre.id in every_pre and post.id in every_post
        module(torch.ones(1, 1)).sum().backward()
    finally:
        pre.remove()
        post.remove()
    assert pre.id not in ti.global_backward_hooks()[0] and post.id not in ti.global_backward_hooks()[1]


def test_set_grad_mode_switches_grad_mode_and_graph_task_id_is_a_backward_pass_own():
    seen = []
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda grad: seen.append(ti.graph_task_id()) or grad)
    y.sum().backward()
    y = x * 2
    y.register_hook(lambda grad: seen.append(ti.graph_task_id()) or grad)
    y.sum().backward()
    outside = ti.graph_task_id()
    ti.set_grad_mode(False)
    off = torch.is_grad_enabled()
    ti.set_grad_mode(True)
    assert (off, torch.is_grad_enabled()) == (False, True)
    assert outside == -1 and seen[0] != seen[1] and min(seen) >= 0


def test_outside_torch_func_steps_out_of_the_transforms():
    seen = []

    def f(x):
        with ti.outside_torch_func():
            seen.append(ti.functorch_level())
        seen.append(ti.functorch_level() is not None)
        return x.sum()

    torch.func.grad(f)(torch.zeros(2))
    assert seen == [None, True]


def test_jit_recording_is_true_only_inside_a_jit_recording_as_torch_tells_it():
    """It read ``torch._C._get_tracing_state()`` (None or not); now the test ``torch.jit.is_tracing`` makes."""
    seen = []

    def probe(x):
        assert ti.jit_recording() is torch.jit.is_tracing()
        seen.append(ti.jit_recording())
        return x + 1

    torch.jit.trace(probe, torch.zeros(1), check_trace=False)
    probe(torch.zeros(1))
    assert seen == [True, False]

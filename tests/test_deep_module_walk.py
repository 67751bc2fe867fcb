"""DeepModule's tree walks (``named_modules``, so ``modules``, ``parameters``, ``buffers``): torch's results in
torch's order, at a cost linear in the depth of the compiled module's tree."""

from __future__ import annotations

import pytest
import torch

from netgraph import net_initialize
from netgraph.backend.deep_module import DeepModule
from tests.test_build_scaling import calls
from tests.test_deep_nesting import nested


class OwnWalk(torch.nn.Module):
    """A user's module listing its modules its own way: only its first child, under an extra name."""

    def __init__(self):
        super().__init__()
        self.first, self.second = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        yield prefix, self
        yield prefix + ".only", self.first


def _tree() -> DeepModule:
    """Shared modules at several places, a None child, nesting, a module with its own walk, a parameter twice."""
    shared = torch.nn.Linear(2, 2)
    root = DeepModule()
    root.a = torch.nn.Sequential(shared, torch.nn.Sequential(torch.nn.ReLU(), shared), torch.nn.Tanh())
    root.register_module("none", None)
    root.b = shared
    root.c = torch.nn.ModuleDict({"x": torch.nn.Sequential(torch.nn.Linear(2, 3)), "y": OwnWalk()})
    root.d = torch.nn.BatchNorm1d(3)
    root.c["x"].register_parameter("again", shared.weight)
    return root


@pytest.mark.parametrize("options", [{}, {"remove_duplicate": False}, {"prefix": "top"},
                                     {"memo": "root"}, {"memo": "shared"}])
def test_named_modules_lists_what_torch_lists_in_its_order(options):
    root = _tree()
    memos = {"root": lambda: {root}, "shared": lambda: {root.b}}
    made = {**options, "memo": memos[options["memo"]]()} if "memo" in options else options
    ours = list(root.named_modules(**made))
    made = {**options, "memo": memos[options["memo"]]()} if "memo" in options else options
    assert ours == list(torch.nn.Module.named_modules(root, **made))
    assert len(ours) > 2 or options.get("memo") == "root"


def test_parameters_buffers_and_modules_are_torchs_in_its_order():
    root = _tree()
    for name in ("modules", "parameters", "buffers", "named_parameters", "named_buffers", "children"):
        assert list(getattr(root, name)()) == list(getattr(torch.nn.Module, name)(root)), name
    assert list(root.named_parameters(remove_duplicate=False)) == \
        list(torch.nn.Module.named_parameters(root, remove_duplicate=False))


@pytest.mark.parametrize("walk", ["modules", "parameters", "named_modules", "buffers"])
def test_walks_of_a_compiled_module_nested_deeper_make_calls_linear_in_the_depth(walk):
    """torch's ``named_modules`` passes each module up through a ``yield from`` at every level above it: 150 more
    levels cost more calls each time (34,425 then 56,925 for ``named_modules`` at 150, 300, 450); now as many."""
    modules = [net_initialize(nested("chain", depth), seed=0).compile() for depth in (150, 300, 450)]
    counts = [calls(lambda module=module: list(getattr(module, walk)())) for module in modules]
    first, second = counts[1] - counts[0], counts[2] - counts[1]
    assert second <= first * 1.02, counts
    assert len(list(modules[2].parameters())) == 2

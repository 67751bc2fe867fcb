"""A compiled module pickled before netgraph's own attributes took the ``_netgraph_`` prefix loads with the prefix on
every module inside it, not only on the root: hooks on a nested graph's module still warn, and draws folded into the
batch by a map are still scored per example. One whose forward calls a layer module's method as it was then runs."""

import io
import pickle

import pytest
import torch
from torch import nn

from netgraph import (BernoulliDistribution, CrossEntropyLossLayer, DataError, NetChain, NetGraph, NetMapOperator,
                      RandomArrayLayer, net_initialize)
from netgraph.backend.compile import CompiledNet
from netgraph.core.layer_table import NETGRAPH_PREFIX
from netgraph.layers._modules import InlineLayerWarning

#: the names the attributes had before the prefix, where they differ from the prefixed name less the prefix
_OLD_NAMES = {"net": "_net", "depth": "_depth", "folded_draws": "_folded_draws"}


class _OldPickler(pickle.Pickler):
    """Writes every module's netgraph attributes by their names before the prefix, as netgraph did then."""

    def reducer_override(self, obj):
        if not isinstance(obj, nn.Module):
            return NotImplemented
        reduced = list(obj.__reduce_ex__(2))
        reduced[2] = {_old_name(name): value for name, value in reduced[2].items()}
        return tuple(reduced)


def _old_name(name: str) -> str:
    short = name.removeprefix(NETGRAPH_PREFIX)
    return _OLD_NAMES.get(short, short) if name.startswith(NETGRAPH_PREFIX) else name


def _old_pickle(module: nn.Module) -> bytes:
    buffer = io.BytesIO()
    _OldPickler(buffer, protocol=2).dump(module)
    return buffer.getvalue()


def _netgraph_attributes(module: nn.Module) -> list[dict]:
    return [{k: v for k, v in vars(m).items() if k.startswith(NETGRAPH_PREFIX) and k != "_netgraph_net"}
            for m in module.modules()]


def _module():
    coins = NetMapOperator(NetGraph({"coin": RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=()))
    net = NetGraph({"enc": NetChain({"act": "LogisticSigmoid"}), "m": coins},
                   [("enc", "m")], Input=("n",))
    return net_initialize(net, seed=0).compile()


def test_every_module_of_an_old_pickle_gets_the_prefix():
    module = _module()
    old = _old_pickle(module)
    assert b"computed_inline" in old and b"_folded_draws" in old and b"_netgraph_" not in old
    loaded = pickle.loads(old)
    assert _netgraph_attributes(loaded) == _netgraph_attributes(module)
    assert not any({"computed_inline", "_folded_draws"} & set(vars(m)) for m in loaded.modules())
    with pytest.warns(InlineLayerWarning, match=r"hook on nested graph 'enc' never fires"):
        loaded.enc.register_forward_hook(lambda *args: None)


def _gradient(module: nn.Module) -> float:
    """d/d eta of the per-example losses' mean plus the surrogate (leave-one-out baselines where scored per example)."""
    torch.manual_seed(0)
    eta = torch.zeros((), requires_grad=True)
    losses = ((module(eta.expand(4, 5)) - 0.8) ** 2).sum(1)
    (losses.mean() + module.surrogate_loss(losses)).backward()
    return float(eta.grad)


def test_an_old_pickles_draws_in_a_map_are_scored_per_example():
    module = _module()
    assert _gradient(pickle.loads(_old_pickle(module))) == _gradient(module) != 0


class _Marked(nn.Module):
    """A user's module with an attribute named like netgraph's old one."""

    def __init__(self):
        super().__init__()
        self.computed_inline = "the user's"

    def forward(self, x):
        return x * 2


def test_a_users_module_keeps_its_attribute_named_like_an_old_one():
    module = net_initialize(NetChain([_Marked(), "Tanh"], input=3), seed=0).compile()
    loaded = pickle.loads(_old_pickle(module))
    [users] = [m for m in loaded.modules() if isinstance(m, _Marked)]
    assert vars(users)["computed_inline"] == "the user's" and "_netgraph_computed_inline" not in vars(users)


#: the forward compiled for CrossEntropyLossLayer("Index") on Input (3, 5) before index_loss (netgraph 76d80c9d)
_OLD_INDEX_FORWARD = """def forward(self, Input, Target):
    x1_module = self._modules['1']
    x1_x_2, x1_t_2 = x1_module.wide(x1_module.unit(Input, 'Input', True)), x1_module.index_target(Target, Input)
    x1 = ((-x1_x_2.gather(-1, x1_t_2.unsqueeze(-1)).clamp_min(1e-12).log()).unsqueeze(-1).flatten(1)\
.mean(1)).to(Input.dtype);  x1_x_2 = x1_t_2 = None
    return x1
"""


class _OldForwardPickler(pickle.Pickler):
    """Writes a compiled module with the forward it had before index_loss (its class is made again from that code)."""

    def reducer_override(self, obj):
        if not isinstance(obj, CompiledNet):
            return NotImplemented
        unpickled, (_, depth), state = obj.__reduce_ex__(2)
        return unpickled, (_OLD_INDEX_FORWARD, depth), {**state, "code": _OLD_INDEX_FORWARD}


def test_an_old_pickles_index_cross_entropy_checks_its_target_with_the_old_call():
    """Its forward calls index_target(Target, Input): a tensor where the class count is taken now ("Boolean value of
    Tensor ... is ambiguous" on every call)."""
    module = net_initialize(NetGraph([CrossEntropyLossLayer("Index")], [], Input=(3, 5)), seed=0).compile()
    buffer = io.BytesIO()
    _OldForwardPickler(buffer, protocol=2).dump(module)
    loaded = pickle.loads(buffer.getvalue())
    assert "index_target(Target, Input)" in loaded.code
    x, t = torch.softmax(torch.randn(2, 3, 5), -1), torch.tensor([[1, 2, 3], [0, 4, 1]])
    torch.testing.assert_close(loaded(Input=x, Target=t), module(Input=x, Target=t))
    with pytest.raises(DataError, match=r"port 'Target' .*takes indices in \[0, 5\), found values from 0 to 5"):
        loaded(Input=x, Target=torch.tensor([[1, 2, 3], [0, 5, 1]]))

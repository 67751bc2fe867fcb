"""Recurrent layers vs torch's modules: LongShortTermMemoryLayer against nn.LSTM, GatedRecurrentLayer against
nn.GRU, BasicRecurrentLayer against nn.RNN (forward + backward, the loss the mean square of the output).

Each pair computes the same function with the same arrays (the gates' arrays stacked in torch's order, torch's
``bias_hh`` zero; checked before timing). Each step resets the gradients, runs the forward and the backward;
each round runs both sides in a freshly shuffled order; a ratio is the median of per-round ratios (see
_common.compare), in wall and in CPU time.

    python benchmarks/recurrent.py            # batch 8 x length 16, 16 features, state 32, 1 thread
    python benchmarks/recurrent.py --small    # tiny sizes (the test suite runs this)
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

from _common import allocator, allocator_option, backward_step, compare, machine, print_table
from netgraph import (BasicRecurrentLayer, GatedRecurrentLayer, LongShortTermMemoryLayer, NetGraph, net_initialize)

#: netgraph's layer, torch's module and the gates in torch's order, by name
CASES = {"LongShortTermMemoryLayer": (LongShortTermMemoryLayer, nn.LSTM,
                                      ("InputGate", "ForgetGate", "MemoryGate", "OutputGate")),
         "GatedRecurrentLayer": (GatedRecurrentLayer, nn.GRU, ("ResetGate", "UpdateGate", "MemoryGate")),
         "BasicRecurrentLayer": (BasicRecurrentLayer, nn.RNN, ("",))}


def recurrent_net(layer: type, features: int, size: int) -> NetGraph:
    return net_initialize(NetGraph({"rnn": layer(size)}, [], Input=("n", features)), seed=0)


def torch_twin(module_type: type, gates: tuple[str, ...], compiled: nn.Module, features: int, size: int) -> nn.Module:
    """torch's module with the compiled net's arrays: each kind stacked in torch's gate order, ``bias_hh`` zero."""
    twin = module_type(features, size, batch_first=True)
    arrays = compiled.state_dict()
    with torch.no_grad():
        for torch_name, kind in (("weight_ih_l0", "InputWeights"), ("weight_hh_l0", "StateWeights"),
                                 ("bias_ih_l0", "Biases")):
            getattr(twin, torch_name).copy_(torch.cat([arrays[f"rnn.{g}{kind}"] for g in gates]))
        twin.bias_hh_l0.zero_()
    return twin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--number", type=int, default=20, help="steps per sample")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=16)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--size", type=int, default=32, help="state size")
    parser.add_argument("--threads", type=int, default=1)
    allocator_option(parser)
    args = parser.parse_args()
    memory = allocator(args.adaptive_malloc)
    torch.set_num_threads(args.threads)
    batch, length, features, size = (2, 3, 4, 5) if args.small else (args.batch, args.length, args.features, args.size)
    rounds, number = (2, 1) if args.small else (args.rounds, args.number)
    x = torch.randn(batch, length, features, generator=torch.Generator().manual_seed(0))
    rows, description = [], ""
    for name, (layer, module_type, gates) in CASES.items():
        ours = recurrent_net(layer, features, size).compile()
        twin = torch_twin(module_type, gates, ours, features, size)
        torch.testing.assert_close(ours(x), twin(x)[0])
        result = compare({"netgraph": backward_step(ours, x), module_type.__name__: backward_step(twin, x, True)},
                         rounds=rounds, number=number)
        rows.append((f"{name} / nn.{module_type.__name__}", f"{features} -> {size}", f"batch {batch} x length {length}",
                     f"{result.median('netgraph') * 1e6:.0f} us",
                     f"{result.ratio('netgraph', module_type.__name__, 'wall'):.3f}",
                     f"{result.ratio('netgraph', module_type.__name__, 'cpu'):.3f}"))
        description = result.describe()
    print_table(f"recurrent layers, fwd + bwd, netgraph / torch ({machine()}, {memory}; {description})", rows,
                ("comparison", "model", "input", "netgraph step", "ratio (wall)", "ratio (CPU)"))


if __name__ == "__main__":
    main()

"""The torch backend: initialise arrays, compile a NetGraph to an ``nn.Module``, evaluate it, and
the reference interpreter used to check the generated code."""

from netgraph.backend.compile import CompiledNet, check_ready, compile_net
from netgraph.backend.evaluation import evaluate, prepare_inputs
from netgraph.backend.gradient import net_port_gradient
from netgraph.backend.initialize import net_initialize
from netgraph.backend.interpreter import interpret

__all__ = ["CompiledNet", "check_ready", "compile_net", "evaluate", "prepare_inputs", "net_port_gradient",
           "net_initialize", "interpret"]

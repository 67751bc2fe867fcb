"""The import's last step: the converted layers and edges assembled into a NetGraph (mixed into its builder, whose
``layers``, ``edges``, ``ports``, ``outputs``, ``producers``, ``fused``, ``graph``, ``shapes``, ``constants``,
``initializers``, ``ctx``, ``labels``, ``coders``, ``digests``, ``where``, ``_attributes`` and ``_source`` they are):
port types, output edges, class decoders and labels, shared arrays, the constants' learning-rate multipliers of 0,
and a variable length where a static export fixed a recurrence's."""

from __future__ import annotations

import warnings
from typing import Any

from netgraph.core.coders import ClassDecoder
from netgraph.core.errors import Diagnostic, NetGraphError, SpecError, raise_all
from netgraph.core.graph import NetGraph
from netgraph.core.multipliers import net_set_learning_rate_multipliers
from netgraph.core.names import fresh_name
from netgraph.core.ports import NetPort
from netgraph.core.types import INTEGER, PortType
from netgraph.core.user_frame import user_stacklevel
from netgraph.core.wording import first_few
from netgraph.export.onnx_decisions import fixed_triangles
from netgraph.layers import ElementwiseLayer
from netgraph.export.onnx_gather import one_hot_tables
from netgraph.export.onnx_indices import fixed_tables
from netgraph.export.onnx_integer_inputs import kept_integer, refuse_compared_integers
from netgraph.export.onnx_labels import with_labels
from netgraph.export.onnx_lookups import fixed_lookups
from netgraph.export.onnx_names import (LengthVariables, equal_dims, fed_ports, in_port_order, port_dtype, real_tensor,
                                        used_layers)
from netgraph.export.onnx_ops import Unsupported
from netgraph.export.onnx_problems import OnnxImportWarning, node_problem
from netgraph.export.onnx_recurrent_glue import sequence_inputs
from netgraph.export.onnx_recurrent_states import muted_states
from netgraph.export.onnx_tied import recorded, tied_arrays

__all__ = ["GraphAssembly"]


class GraphAssembly:
    """The builder's assembly of the imported NetGraph (``_graph``)."""

    def _graph(self) -> NetGraph:
        layers, edges, shapes = fed_ports(*used_layers(self.layers, self._output_edges()), self._port_types(),
                                          self.where)
        refuse_compared_integers(self.ports, shapes, self.ctx.consumers,
                                 lambda node: self.producers.get(node.output[0], ("",))[0] in layers, self.where,
                                 self.ctx.lookups)
        edges = in_port_order(edges, list(shapes), self.outputs)  # ports in the model's order, not as first read
        edges += muted_states(layers, edges)  # an LSTM's State beside its CellState: no graph output
        if not layers and edges and all(source.layer is None for source, _ in edges):
            layers, edges = _passed_through(edges, shapes, self.where)  # outputs that are inputs: identity layers
        if not layers:
            raise SpecError(f"{self.where}: the ONNX graph has no computing node to import", kind="no-computation")
        decoders = {port: ClassDecoder(list(range(self.ctx.decisions[o.name])))  # an ArgMax's class indices
                    for o, port in zip(self.graph.output, self.outputs) if o.name in self.ctx.decisions}
        try:
            net = self._relaxed(layers, edges, shapes, decoders) or NetGraph(layers, edges, **shapes, **decoders)
        except NetGraphError as exc:  # the layers of some nodes do not fit together: name those nodes, not layers
            raise self._unassembled(exc, layers) from exc
        net = with_labels(net, self.labels, self.ports, [(o.name, p) for o, p in zip(self.graph.output, self.outputs)],
                          self.where, self.coders, self.coder_notes)
        net, sources = tied_arrays(net, [*self.producers.values(), *self.fused], self.constants, self.initializers,
                                   self.graph.node, self.digests)  # one initializer feeding several layers: shared
        fixed = self._fixed(layers)
        net = net_set_learning_rate_multipliers(net, fixed) if fixed else net  # the model's constants stay fixed
        return recorded(net, sources)  # the shared arrays' ONNX names, for onnx_array_names

    def _unassembled(self, error: NetGraphError, layers: dict[str, Any]) -> SpecError:
        """``error`` of the imported layers' NetGraph as a SpecError naming the file and each ONNX node whose layer
        it is about, with the layer's type (the import's own layer names mean nothing to a user)."""
        nodes = {name: node for name, node in self.producers.values()}
        index = {id(node): k for k, node in enumerate(self.graph.node)}
        problems = []
        for found in error.diagnostics:
            name = found.layer[0] if found.layer else None
            fields = {"port": found.port, "expected": found.expected, "found": found.found}
            problems.append(Diagnostic(found.message, "unassembled-import", **fields) if name not in nodes else
                            node_problem("unassembled-import", nodes[name], index.get(id(nodes[name]), 0),
                                         f"as {layers[name].type_name}, {found.detail or found.message}", **fields))
        lines = list(dict.fromkeys(map(str, problems)))
        return SpecError(f"{self.where}: cannot import the model, the layers of its nodes do not fit together: "
                         f"{first_few(lines, '; ')}", problems)

    def _output_edges(self) -> list[tuple]:
        """The layers' edges and one to each graph output port; SpecError where an output merges the batch dim or
        no layer computes it."""
        merged = [Diagnostic(f"graph output {o.name!r} merges the batch dim with the {self.ctx.folds[o.name]} dims "
                             f"after it (as x.flatten(0, k) or x.reshape(-1, ...)); an imported net keeps the batch "
                             f"dim apart: end the model before that merge", "merged-batch-output", layer=(), port=port,
                             hint="end the model before that merge")
                  for o, port in zip(self.graph.output, self.outputs) if self.ctx.folds.get(o.name, 0)]
        raise_all(merged, SpecError, f"{self.where}: outputs without a netgraph equivalent")
        edges = list(self.edges)
        for output, port in zip(self.graph.output, self.outputs):
            try:
                edges.append((self._source(output.name), NetPort(port)))
            except Unsupported as exc:
                raise SpecError(f"{self.where}: cannot import graph output {output.name!r}: {exc}",
                                kind="uncomputed-output", layer=(), port=port) from None
        return edges

    def _port_types(self) -> dict[str, PortType]:
        """Each input port's type: its dims after the batch (dims the graph's ops make equal one length variable,
        with a warning naming them) and its dtype."""
        joined, notes = equal_dims(self.graph.node, self.shapes, self._attributes)
        if notes:
            warnings.warn(f"{self.where}: {first_few(notes, '; ')}", OnnxImportWarning, stacklevel=user_stacklevel())
        shapes, variables, real = {}, LengthVariables(joined), real_tensor(self.constants, self.ctx.integers)
        for onnx_name, port in self.ports.items():
            value, dims = next(v for v in self.graph.input if v.name == onnx_name), self.shapes[onnx_name]
            dtype = kept_integer(port, self.edges, self.layers, onnx_name in self.ctx.integers) or port_dtype(
                value, self.ctx.consumers, self._attributes, real)
            shapes[port] = PortType(None if dims is None else tuple(map(variables, dims[1:])), dtype)
        return shapes

    def _fixed(self, layers: dict[str, Any]) -> dict[Any, int]:
        """Learning-rate multipliers of 0 for the model's constants among ``layers``: constant arrays (a Concat's
        inside its NetGraph too), one-hot and triangle tables, index tables and lookups."""
        fixed: dict[Any, int] = {name: 0 for name, layer in layers.items() if layer.type_name == "ConstantArrayLayer"}
        fixed.update({(name, inner): 0 for name, layer in layers.items() if isinstance(layer, NetGraph)
                      for inner, nested in layer.layers.items() if nested.type_name == "ConstantArrayLayer"})
        fixed.update(one_hot_tables(self.producers.values(), layers))
        fixed.update(fixed_triangles(self.producers.values(), layers))
        fixed.update(fixed_tables(self.producers.values(), layers, self.ctx))
        fixed.update(fixed_lookups(self.producers.values(), layers, self.ctx))
        return fixed

    def _relaxed(self, layers: dict[str, Any], edges: list[tuple], shapes: dict[str, PortType],
                 decoders: dict[str, ClassDecoder]) -> NetGraph | None:
        """A static export fixed the length of a recurrence's input: the net with a variable length instead,
        if the net is also valid at another fixed length (a length variable would take a size that some layer
        fixed, e.g. a constant added per step, and fail at run time); else None."""
        ports = [self.ports[name] for name in sequence_inputs(self.ctx) if name in self.ports]
        ports = [p for p in ports if shapes[p].shape and isinstance(shapes[p].shape[0], int)]
        if not ports:
            return None
        def with_length(length: Any) -> dict[str, PortType]:
            return {**shapes, **{p: PortType((length, *shapes[p].shape[1:]), shapes[p].dtype) for p in ports}}
        try:
            NetGraph(layers, edges, **with_length(max(shapes[p].shape[0] for p in ports) + 1), **decoders)
            lengths = {d for t in shapes.values() for d in t.shape or () if isinstance(d, str)}
            return NetGraph(layers, edges, **with_length(fresh_name("n", lengths, "_")), **decoders)
        except NetGraphError:
            return None


def _passed_through(edges: list[tuple], shapes: dict[str, Any], where: str) -> tuple[dict[str, Any], list[tuple]]:
    """Layers and edges for a graph whose outputs are its inputs as they are (only Identity, Dropout or
    size-keeping nodes): an ``ElementwiseLayer("#")`` (identity) per output, as a NetGraph needs a layer; SpecError
    for an Integer input (our layers compute on reals: none passes integers through)."""
    layers, through = {}, []
    for k, (source, target) in enumerate(edges, 1):
        if getattr(shapes.get(source.port), "dtype", None) == INTEGER:
            raise SpecError(f"{where}: input {source.port!r} (Integer) is passed straight to output {target.port!r}: "
                            f"no layer passes integers through (ours compute on reals); the model computes nothing "
                            f"to import", kind="no-computation", port=source.port, found=INTEGER)
        name = "identity" if len(edges) == 1 else f"identity{k}"
        layers[name] = ElementwiseLayer("#")
        through.append((source, name, target))
    return layers, through

"""``import_onnx(path)``: an ONNX model -> a NetGraph of catalogue layers, arrays from its initializers.

Every node maps to one layer (see ``onnx_ops``, ``onnx_activations``, ``onnx_shape_ops``, ``onnx_spatial``,
``onnx_reshape`` and ``onnx_extra``, which rewrites a Split into Slices; LSTM, GRU and RNN in ``onnx_recurrent``,
whose layout glue becomes aliases), MatMul followed by Add of a constant vector becomes one LinearLayer, and
torch's causal attention pattern one AttentionLayer (``onnx_attention``), nn.MultiheadAttention's a small NetGraph
(``onnx_mha``), a cross-entropy's GatherElements another (``onnx_gather``), an ArgMax at a graph output a
ClassDecoder on that port (``onnx_decisions``), export_onnx's class labels their encoders and decoders
(``onnx_labels``); port names come from ``onnx_ports`` (torch's made-up ones
``Input``/``Output``), length variables from ``onnx_names``; an integer input both compared and kept Integer is
refused (``onnx_integer_inputs``); an initializer feeding several layers is one shared array (``onnx_tied``). Nodes of constants are computed at import (``onnx_fold``: onnx's reference evaluator, their
sizes bounded), shape computations symbolically (``Context.symbols``), each layer's output shape and batch fold
in ``onnx_layer_shapes``; nodes that only compute the target shape of a
Reshape or Resize (or a recurrence's zero initial state, an If's condition: ``onnx_branches``) are dropped, and layers
that feed no graph output are left out. A static export's recurrence gets a variable length (``sequence_inputs``)
where the net allows it. When any node has no equivalent, one SpecError lists them all with their node names and the
reason, one Diagnostic each (``onnx_problems``). Graph ports keep the model's order (``in_port_order``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from netgraph.core.errors import Diagnostic, NetGraphError, SpecError, raise_all
from netgraph.core.graph import NetGraph
from netgraph.core.ports import NetPort
from netgraph.export.deps import require
from netgraph.export.onnx_branches import consumers_of, taken_branch
from netgraph.export.onnx_assembly import GraphAssembly
from netgraph.export.onnx_activations import ACTIVATION_CONVERTERS
from netgraph.export.onnx_decisions import DECISION_CONVERTERS
from netgraph.export.onnx_einsum import EINSUM_CONVERTERS
from netgraph.export.onnx_indices import hint_range_lengths
from netgraph.export.onnx_extra import EXTRA_CONVERTERS, nan_guard, split_as_slices
from netgraph.export.onnx_gather import GATHER_CONVERTERS
from netgraph.export.onnx_files import default_opset, model_path, read_model, refuse_newer_versions
from netgraph.export.onnx_fold import ONNX_DOMAINS, ConstantFolding, constant_of_node
from netgraph.export.onnx_coders import model_coders
from netgraph.export.onnx_labels import model_labels
from netgraph.export.onnx_layer_shapes import SHAPE_AGNOSTIC, LayerShapes, constant_layer
from netgraph.export.onnx_names import (definition_problems, identifier, integer_tensors, known_dim, layer_name,
                                        real_dtype, sort_nodes)
from netgraph.export.onnx_ops import CONVERTERS as BASIC_CONVERTERS
from netgraph.export.onnx_ops import (SHAPE_INPUTS, Context, Converted, Unsupported, linear_of, mapped,
                                      with_biases)
from netgraph.export.onnx_recurrent import RECURRENT_CONVERTERS, RECURRENT_OPS
from netgraph.export.onnx_recurrent_states import data_states
from netgraph.export.onnx_norms import NORM_CONVERTERS, dynamo_marks
from netgraph.export.onnx_patterns import chain_name, find_patterns
from netgraph.export.onnx_ports import graph_port_names, model_inputs, producers_of, value_shapes
from netgraph.export.onnx_problems import (RANDOM_OPS, RANDOM_REASON, no_layer, node_path, node_problem,
                                           output_problems, raise_refused, refusal_fields, shape_use)
from netgraph.export.onnx_pooling import POOL_CONVERTERS
from netgraph.export.onnx_reshape import RESHAPE_CONVERTERS, refined_shape, symbolic_value
from netgraph.export.onnx_shape_ops import SHAPE_CONVERTERS
from netgraph.export.onnx_spatial import SPATIAL_CONVERTERS, padding_gather
from netgraph.export.onnx_tied import recorded_digests

__all__ = ["import_onnx", "import_model"]

CONVERTERS = {**BASIC_CONVERTERS, **ACTIVATION_CONVERTERS, **RESHAPE_CONVERTERS, **SHAPE_CONVERTERS,
              **RECURRENT_CONVERTERS, **SPATIAL_CONVERTERS, **POOL_CONVERTERS, **NORM_CONVERTERS, **EXTRA_CONVERTERS,
              **GATHER_CONVERTERS, **DECISION_CONVERTERS, **EINSUM_CONVERTERS,
              "Gather": lambda node, ctx: padding_gather(node, ctx) or RECURRENT_CONVERTERS["Gather"](node, ctx),
              "If": lambda node, ctx: taken_branch(node, ctx, CONVERTERS),
              "Where": lambda node, ctx: nan_guard(node, ctx) or ACTIVATION_CONVERTERS["Where"](node, ctx)}
LAYER_OPS = tuple(sorted(CONVERTERS))  # the ops with a layer, as a refusal lists them


def import_onnx(path: str | os.PathLike) -> NetGraph:
    """A NetGraph equal in computation to the ONNX model at ``path`` (read with ``onnx.load``, no pickle).

    Graph inputs and outputs keep their names (made Python identifiers); the first dim of every
    input is the batch. Raises SpecError listing every unsupported node.
    """
    onnx, path = require("onnx"), model_path(path)
    return import_model(read_model(onnx, path), path)  # external data only from files inside the model's folder


def import_model(model: Any, path: str) -> NetGraph:
    """``import_onnx`` of a model already read from ``path`` (``onnx_files.read_model``): read once, for a caller
    that also wants its metadata."""
    onnx = require("onnx")
    refuse_newer_versions(onnx, model, path)
    problems = definition_problems(model.graph) or sort_nodes(model.graph)  # nodes in order, for inference too
    raise_all(problems, SpecError, f"{path}: cannot import an invalid ONNX graph")
    hint_range_lengths(onnx, model.graph, path)  # a Range too long to compute refused first
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:  # onnx's own errors (InferenceError) share no public base
        raise SpecError(f"{path}: not a valid ONNX model: {type(exc).__name__}: {exc}", kind="invalid-model",
                        found=type(exc).__name__, detail=str(exc)) from None
    builder = _Builder(onnx, inferred.graph, path, model.producer_name == "netgraph")
    builder.ctx.opset = default_opset(model) or 13
    builder.labels = model_labels(model, path)  # export_onnx's class labels: the ports' encoders and decoders
    builder.coders = model_coders(model, builder.coder_notes)  # and its other coders (onnx_coders)
    builder.digests = recorded_digests(model)  # export_onnx's shared arrays: which equal gate blocks are one
    return builder.build()


class _Builder(ConstantFolding, LayerShapes, GraphAssembly):
    def __init__(self, onnx: Any, graph: Any, where: str, netgraph_file: bool = False):
        self.onnx, self.graph, self.where, self.netgraph_file = onnx, graph, where, netgraph_file
        self.evaluator = require("onnx.reference").ReferenceEvaluator
        helper = onnx.numpy_helper
        self.constants = {t.name: _initializer(helper, t, where) for t in graph.initializer}
        self.initializers = frozenset(self.constants)
        for index, node in enumerate(graph.node):
            try:
                value = constant_of_node(onnx, node) if _constant(node) and node.output else None
            except Exception as exc:  # noqa: BLE001 - numpy's ValueError, onnx's own errors
                raise SpecError(f"{where}: Constant node {node.name or node.output[0]!r} has no readable value "
                                f"({type(exc).__name__}: {exc})", kind="malformed-node", found=node.op_type,
                                layer=node_path(node, index)) from None
            if value is not None:
                self.constants[node.output[0]] = value
        self.shapes = value_shapes(graph)
        split_as_slices(graph, self.constants, self.shapes, self._attributes, onnx.helper.make_node)
        self.consumers = consumers_of(graph.node)
        self.ctx = Context(self.constants, self.shapes, self._attributes, self.consumers, producers_of(graph.node),
                           onnx.numpy_helper.to_array, frozenset(o.name for o in graph.output),
                           netgraph_file=netgraph_file)
        self.taken: set[str] = set()
        inputs = model_inputs(graph)  # a Constant node's output as an input: refused by definition_problems
        self.ctx.exporter_made, self.ctx.parameters = dynamo_marks(graph)  # one walk of its metadata
        self.ctx.integers, self.ctx.real_dtype = integer_tensors(graph), real_dtype(graph)
        self.ctx.batch_dims = frozenset(s[0] for s in map(self.shapes.get, inputs) if s and s[0] not in ("?", ""))
        names = graph_port_names(inputs, graph.output, self.ctx.producers, self.taken)  # torch's made-up: Input, Output
        self.ports, self.outputs = dict(zip(inputs, names)), names[len(inputs):]
        self.layers: dict[str, Any] = {}
        self.sources: dict[str, Any] = {onnx_name: NetPort(port) for onnx_name, port in self.ports.items()}
        self.edges: list[tuple] = []
        self.producers: dict[str, tuple[str, Any]] = {}  # tensor -> (layer name, node)
        self.fused: list[tuple[str, Any]] = []  # (layer name, Add node) of each bias fused into a LinearLayer
        self.labels: dict[str, list] = {}  # class labels by port's ONNX name (``onnx_labels``)
        self.coders: dict[str, Any] = {}  # other coders by port's ONNX name, and why any is left out (``onnx_coders``)
        self.coder_notes: list[str] = []
        self.digests: frozenset[str] = frozenset()  # digests of the file's shared arrays (``onnx_tied``)

    def _attributes(self, node: Any) -> dict[str, Any]:
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}

    def _shape_only(self, folded: set[int], claimed: set[int], needed: set[str]) -> set[int]:
        """Nodes whose outputs only feed shape inputs (of Reshape), nodes folded to constants, nodes a pattern
        claimed, or other such nodes; never one computing a pattern's input (``needed``)."""
        outputs = {o.name for o in self.graph.output} | needed
        dropped: set[int] = folded | claimed
        for node in reversed(self.graph.node):
            uses = [(c, i) for o in node.output for c, i in self.consumers.get(o, [])]
            if (uses and not set(node.output) & outputs and
                    all(i in SHAPE_INPUTS.get(c.op_type, ()) or id(c) in dropped for c, i in uses)):
                dropped.add(id(node))
        return dropped

    def build(self) -> NetGraph:
        folded = {id(node) for node in self.graph.node if node.op_type != "Constant" and self._precompute(node)}
        patterns, claimed = find_patterns(self.graph.node, self.ctx)
        skipped = self._shape_only(folded, claimed, self._needed(patterns))  # with the folded and claimed nodes
        unsupported: list[Diagnostic] = []
        failed: set[str] = set()  # outputs of refused nodes: the nodes they feed are not reported again
        for index, node in enumerate(self.graph.node):
            if id(node) not in skipped and not _constant(node):
                self._convert(node, index, patterns.get(id(node)), unsupported, failed)
        unsupported += output_problems(zip(self.graph.output, self.outputs), self.sources, self.ctx.producers,
                                       self.constants)
        raise_refused(self.where, unsupported, LAYER_OPS)
        return self._graph()

    def _needed(self, patterns: dict[int, Any]) -> set[str]:
        """The tensors the ``patterns`` read and a recurrence's initial states given as data (``ctx.glued_states``,
        worked out once here: the converter reads it), which no shape-only node computes."""
        self.ctx.glued_states = frozenset(data_states(self.graph.node, self.ctx))
        return {name for found in patterns.values() for name in found.inputs} | self.ctx.glued_states

    def _convert(self, node: Any, index: int, pattern: Any, unsupported: list[Diagnostic], failed: set[str]) -> None:
        """Add ``node``'s layer (``pattern``'s where it found one); else why not to ``unsupported`` (nothing for a
        node a refused one feeds) and its outputs to ``failed``."""
        convert, problem = self._converter(node, index, pattern, failed)
        if convert is not None:
            try:
                self._add(node, index, convert(node, self.ctx))
                return
            except (Unsupported, NetGraphError) as exc:  # a refused option; a layer refusing its arrays
                problem = node_problem("unsupported-node", node, index, str(exc), **refusal_fields(exc))
            except (ValueError, TypeError, KeyError, IndexError) as exc:  # a malformed node (an attribute missing)
                problem = node_problem("malformed-node", node, index, f"cannot be read ({type(exc).__name__}: {exc})")
        if problem is not None:
            unsupported.append(problem)
        failed.update(node.output)

    def _converter(self, node: Any, index: int, pattern: Any, failed: set[str]) -> tuple[Any, Diagnostic | None]:
        """(the function giving ``node``'s layer, None) or (None, why it has none; None where a refused node feeds
        it)."""
        if node.domain not in ONNX_DOMAINS:  # a custom op may share a name with one of ONNX's: never mapped
            return None, node_problem("custom-op", node, index, f"an op of domain {node.domain!r}; netgraph maps "
                                                                f"ONNX's own ops only")
        convert = CONVERTERS.get(node.op_type) if pattern is None else (lambda *_, found=pattern: found)
        if convert is None and node.op_type in RANDOM_OPS:
            return None, node_problem("random-op", node, index, RANDOM_REASON)
        if convert is None and node.op_type != "Shape":
            return None, no_layer(node, index, LAYER_OPS)
        if failed.intersection(node.input if pattern is None else pattern.inputs):
            return None, None
        if convert is None:  # a Shape that was not followed as a shape computation
            return None, shape_use(node, index, self.consumers, self.ctx.symbols, self.shapes)
        return convert, None

    def _precompute(self, node: Any) -> bool:
        """Fold ``node`` to a constant if it can be (True), or record its symbolic shape value."""
        if node.domain not in ONNX_DOMAINS:
            return False
        if self._fold_constant(node):
            return True
        refined = refined_shape(node, self.ctx)  # sizes onnx lost, for a later Shape of this output
        if refined is not None:
            self.shapes[node.output[0]] = refined
        value = symbolic_value(node, self.ctx)
        if value is None:
            return False
        if all(isinstance(d, int) for d in value):  # a shape computation of known sizes: a constant
            scalar = len(value) == 1 and self.shapes.get(node.output[0]) == ()
            self.constants[node.output[0]] = np.array(value[0] if scalar else value, dtype=np.int64)
            return True
        self.ctx.symbols[node.output[0]] = value
        return False

    def _add(self, node: Any, index: int, converted: Converted) -> None:
        fold = self.ctx.folds[node.output[0]] = self._fold(node, converted)
        if fold and node.output[0] not in self.ctx.fold_levels:
            self.ctx.fold_levels[node.output[0]] = self._inherited_levels(converted, fold)
        kind = getattr(converted.layer, "type_name", None)  # None: an alias (a recurrence's layout glue), no layer
        if fold and converted.fold is None and kind is not None and kind not in SHAPE_AGNOSTIC:
            converted = Converted(mapped(converted.layer, fold), converted.inputs)  # per merged element, as a map
        if converted.alias is not None:
            self.sources[node.output[0]] = self._source(converted.alias)
            same = self.shapes.get(converted.alias)  # the same tensor: keeps the sizes our layers found
            if node.op_type in ("Identity", "Dropout", "Cast") and same is not None and all(map(known_dim, same[1:])):
                self.shapes[node.output[0]] = same
            return
        if self._fuse_bias(node, converted):
            return
        own = layer_name(node, index, self.initializers)
        name = identifier(chain_name(converted, self.netgraph_file, own), self.taken)  # export_onnx's, a fold's kind
        self.layers[name] = converted.layer
        shape = self.shapes.get(node.output[0])
        for port_index, tensor in enumerate(converted.inputs):
            port = converted.layer.input_ports[port_index]
            if port_index in converted.constants:
                const = identifier(f"{name}_{port}", self.taken)
                self.layers[const] = constant_layer(converted.constants[port_index], shape, self.ctx)
                self.edges.append((NetPort(const, "Output"), NetPort(name, port)))
            else:
                self.edges.append((self._source(tensor), NetPort(name, port)))
        self.sources[node.output[0]] = NetPort(name, converted.layer.output_ports[0])  # a loss's: Loss
        if node.op_type in RECURRENT_OPS and "CellState" in converted.layer.output_ports:
            self.sources[node.output[2]] = NetPort(name, "CellState")  # Y_c: read by a Squeeze or Gather, an alias
            self.ctx.folds[node.output[2]] = fold  # merged as Y (a map's CellState: per merged element)
        self.producers[node.output[0]] = (name, node)
        self._infer_shape(node, converted)

    def _fuse_bias(self, node: Any, converted: Converted) -> bool:
        """MatMul(x, W) + b (a constant vector, the MatMul's only use) -> that LinearLayer's biases."""
        if node.op_type != "Add" or len(converted.constants) != 1:
            return False
        (const_index, bias), = converted.constants.items()
        name, producer = self.producers.get(node.input[1 - const_index], (None, None))
        if producer is None or producer.op_type != "MatMul" or len(self.consumers[producer.output[0]]) != 1:
            return False
        if producer.input[1] not in self.ctx.constants:  # a DotLayer of two computed tensors: no biases
            return False
        linear, _ = linear_of(self.layers[name])
        if not _bias_vector(bias, linear.weights.shape[0], self.ctx.rank(producer.input[0])):
            return False
        self.layers[name] = with_biases(self.layers[name], linear.weights.new_tensor(bias).reshape(-1))  # W's dtype
        self.fused.append((name, node))
        self.sources[node.output[0]] = NetPort(name, "Output")
        return True

    def _source(self, tensor: str) -> Any:
        if tensor not in self.sources:
            raise Unsupported(f"its input {tensor!r} is neither a graph input nor computed by a supported node",
                              expected="a graph input or the output of a supported node", found=tensor)
        return self.sources[tensor]


def _constant(node: Any) -> bool:
    return node.op_type == "Constant" and node.domain in ONNX_DOMAINS


def _bias_vector(bias: np.ndarray, width: int, rank: int | None) -> bool:
    """Whether ``bias`` adds one value per output feature alike at every position: shape (width,), (1, width),
    (1, 1, width)... of at most ``rank`` dims, the product's (a (width, 1) constant adds one value per step)."""
    return (bias.shape[-1:] == (width,) and all(d == 1 for d in bias.shape[:-1])
            and bias.ndim <= (rank or 1))


def _initializer(helper: Any, tensor: Any, where: str) -> np.ndarray:
    """An initializer's array; SpecError naming it when its data does not fill its shape (or is unreadable, or a dim
    is negative: numpy took -5 of no data for the -1 it infers, a dim of 0)."""
    try:
        if any(d < 0 for d in tensor.dims):
            raise ValueError("a dim is negative")
        return np.array(helper.to_array(tensor))
    except Exception as exc:  # noqa: BLE001 - numpy's ValueError, onnx's own errors
        raise SpecError(f"{where}: initializer {tensor.name!r} of shape {list(tensor.dims)} has no readable data "
                        f"({type(exc).__name__}: {exc})", kind="unreadable-initializer", port=tensor.name,
                        found=list(tensor.dims)) from None

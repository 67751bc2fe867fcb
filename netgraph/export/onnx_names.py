"""Port and layer names for an imported ONNX model: graph ports keep the model's names where they are Python
identifiers, others (and node names) are made identifiers; one length variable per ONNX dim name, dim names
that a node needs equal (``equal_dims``) sharing one."""

from __future__ import annotations

import heapq
import keyword
import re
import unicodedata
import warnings
from typing import Any

import numpy as np

from netgraph.core.graph import RESERVED_NAMES
from netgraph.core.errors import Diagnostic
from netgraph.core.names import fresh_name
from netgraph.core.user_frame import user_stacklevel
from netgraph.core.types import INTEGER, REAL
from netgraph.core.wording import first_few
from netgraph.export.onnx_casts import moves_values
from netgraph.export.onnx_problems import OnnxImportWarning, node_path

__all__ = ["LengthVariables", "equal_dims", "fed_ports", "identifier", "in_port_order", "layer_name",
           "port_names", "node_module", "definition_problems", "sort_nodes", "port_dtype", "known_dim", "used_layers",
           "integer_tensors", "COMPARISONS", "ARITHMETIC"]

_INTEGER_TYPES = {6, 7, 12, 13}  # ONNX INT32, INT64, UINT32, UINT64
_DOUBLE = 11  # ONNX DOUBLE
_SCOPES = "pkg.torch.onnx.name_scopes"  # the dynamo exporter's: "['', 'block', 'block.0', 'linear']", the op last
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")  # the items of a list of str as Python writes it

#: Ops whose inputs broadcast together (numpy rules): a dim named apart in two inputs must be equal.
_BROADCASTING = frozenset({"Add", "Mul", "Sub", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Less",
                           "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "PRelu"})


def _kept(name: str) -> bool:
    """Whether ``name`` may name a graph port as it is (an identifier Python reads as written, not a keyword)."""
    return (name.isidentifier() and not keyword.iskeyword(name) and name != "self"
            and unicodedata.normalize("NFKC", name) == name)


def port_names(names: list[str], taken: set[str]) -> list[str]:
    """Port names for ONNX ``names``: each that may name a port keeps it (the first, if repeated), the others
    are made identifiers around them (never taking a kept name)."""
    kept = {name for name in names if _kept(name)}
    taken |= kept
    out = []
    for name in names:
        out.append(name if name in kept and name not in out else identifier(name, taken))
    return out


def definition_problems(graph: Any) -> list[Diagnostic]:
    """What makes ``graph`` ambiguous, each named: a tensor defined twice (by two of its graph inputs, initializers
    and nodes: an ONNX graph defines each tensor once) and a graph input dim of negative size."""
    initializers = {t.name for t in graph.initializer}
    defined: dict[str, list[str]] = {}
    for value in graph.input:
        if value.name not in initializers:  # an initializer named as an input is that input's default
            defined.setdefault(value.name, []).append("a graph input")
    for tensor in graph.initializer:
        defined.setdefault(tensor.name, []).append("an initializer")
    for index, node in enumerate(graph.node):
        for name in filter(None, node.output):
            defined.setdefault(name, []).append(f"node {node.name or index!r} ({node.op_type})")
    problems = [Diagnostic(f"tensor {name!r} is defined {len(by)} times ({', '.join(by)}); an ONNX graph defines each "
                           f"tensor once", "defined-twice") for name, by in defined.items() if len(by) > 1]
    for value in graph.input:
        dims = value.type.tensor_type.shape.dim if value.type.tensor_type.HasField("shape") else ()
        negative = [d.dim_value for d in dims if d.HasField("dim_value") and d.dim_value < 0]
        if negative:
            problems.append(Diagnostic(f"graph input {value.name!r} has a dim of negative size {negative[0]}",
                                       "negative-dim", found=negative[0]))
    return problems


def sort_nodes(graph: Any) -> list[Diagnostic]:
    """Put ``graph``'s nodes in an order where each comes after the nodes it reads (in place; ONNX asks for it,
    onnxruntime sorts a graph itself), keeping the given order where it can; the problems, each named: a node
    reading a tensor nothing defines, nodes that read each other in a cycle."""
    defined = {"", *(v.name for v in graph.input), *(t.name for t in graph.initializer)}
    producer = {name: i for i, node in enumerate(graph.node) for name in node.output if name}
    nodes, problems = list(graph.node), []
    waiting: dict[int, set[int]] = {}
    readers: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        missing = [name for name in node.input if name not in defined and name not in producer]
        problems += [Diagnostic(f"node {node.name or i!r} ({node.op_type}) reads {name!r}, which no graph input, "
                                f"initializer or node defines", "undefined-input", layer=node_path(node, i),
                                found=node.op_type) for name in missing]
        waiting[i] = {producer[name] for name in node.input if name not in defined and name in producer}
        for j in waiting[i]:
            readers.setdefault(j, []).append(i)
    ready = [i for i, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for k in readers.get(i, []):
            waiting[k].discard(i)
            if not waiting[k]:
                heapq.heappush(ready, k)
    if len(order) < len(nodes):
        cycle = [f"{nodes[i].name or i!r} ({nodes[i].op_type})" for i in sorted(set(range(len(nodes))) - set(order))]
        problems.append(Diagnostic(f"nodes {', '.join(cycle[:10])}{' ...' if len(cycle) > 10 else ''} wait on each "
                                   f"other in a cycle (or on a node in one)", "cycle"))
    elif order != sorted(order):
        del graph.node[:]
        graph.node.extend(nodes[i] for i in order)
    return problems


COMPARISONS = frozenset({"Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"})  # as FunctionLayers on reals
#: elementwise arithmetic, as layers on reals (ThreadingLayer, ElementwiseLayer): ``idx + 1``
ARITHMETIC = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod", "Neg", "Abs", "Sign"})


def bfloat16_values(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to bfloat16's 8 significant bits (to nearest, ties to even; numpy has no bfloat16), as
    float32.

    >>> bfloat16_values(np.array([255, 257, 259, 3])).tolist()
    [255.0, 256.0, 260.0, 3.0]
    """
    bits = np.asarray(values, np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
    return rounded.astype(np.uint32).view(np.float32)


#: ONNX's float types (FLOAT, FLOAT16, DOUBLE, BFLOAT16) -> an array's values cast to that type (FLOAT16 and
#: BFLOAT16 as float32, which our layers compute them in)
FLOAT_CASTS = {1: lambda values: values.astype(np.float32),
               10: lambda values: values.astype(np.float16).astype(np.float32),
               _DOUBLE: lambda values: values.astype(np.float64),
               16: bfloat16_values}


def port_dtype(value: Any, consumers: dict[str, list], attributes: Any, real: Any = lambda name: False) -> str:
    """A graph input's dtype: Integer for an integer tensor, unless every use casts it to float32 (``x.float()``,
    a no-op on our real data: a Real port, which ``net(x)`` feeds integers to as it casts) or compares it with a real
    operand (``real(name)``; our comparisons are FunctionLayers on reals: ``ContrastiveLossLayer``'s
    ``Target > 0.5``; compared with an integer, ``x == 16777217``, it stays Integer, as float32 would round it), also
    after ops that only move or replicate its values (``mask.unsqueeze(-1).expand(e.size()).float()``)."""
    integer = value.type.tensor_type.elem_type in _INTEGER_TYPES
    return INTEGER if integer and not _cast_to_float(value.name, consumers, attributes, real) else REAL


def real_tensor(constants: dict[str, Any], integers: frozenset) -> Any:
    """``real(name)``: whether comparing an integer input with the tensor ``name`` gives the same on float32
    (``port_dtype``'s comparison operand): a constant of a float dtype, or of integers below 2**24 (float32 rounds
    monotonically and holds them exactly, so ``x > 0`` and ``x == 3`` keep their answers), or a computed tensor ONNX
    did not infer as an integer one."""
    def real(name: str) -> bool:
        value = constants.get(name)
        if value is None:
            return name not in integers
        kind = getattr(getattr(value, "dtype", None), "kind", "")
        return kind == "f" or (kind in ("i", "u") and bool((abs(value.astype("float64")) < 2 ** 24).all()))
    return real


def real_dtype(graph: Any) -> type:
    """The dtype of ``graph``'s real data: float64 where a graph input (else, of integer inputs only, an output) is
    DOUBLE (11), else float32 (FLOAT, and FLOAT16 and BFLOAT16, which our layers compute in float32)."""
    reals = ({v.type.tensor_type.elem_type for v in graph.input} & FLOAT_CASTS.keys()
             or {v.type.tensor_type.elem_type for v in graph.output} & FLOAT_CASTS.keys())
    return np.float64 if _DOUBLE in reals else np.float32


def integer_tensors(graph: Any) -> frozenset[str]:
    """The tensors of ``graph`` (inputs, inferred values, outputs) whose element type is an integer one."""
    return frozenset(v.name for v in (*graph.input, *graph.value_info, *graph.output)
                     if v.type.tensor_type.elem_type in _INTEGER_TYPES)


def _cast_to_float(tensor: str, consumers: dict[str, list], attributes: Any, real: Any, depth: int = 0) -> bool:
    """Whether every use of the integer ``tensor``'s values casts it to float32 or float64 or compares it with a real
    operand, directly or after ops moving them (``moves_values``); a Shape reads only its sizes."""
    uses = [(node, slot) for node, slot in consumers.get(tensor, []) if node.op_type != "Shape"]
    return bool(uses) and depth < 16 and all(
        (node.op_type == "Cast" and int(attributes(node).get("to", 0)) in (1, 11))  # float32, float64
        or (node.op_type in COMPARISONS and len(node.input) == 2 and real(node.input[1 - slot]))
        or (moves_values(node, slot) and _cast_to_float(node.output[0], consumers, attributes, real, depth + 1))
        for node, slot in uses)


def layer_name(node: Any, index: int, initializers: frozenset) -> str:
    """The module path the node's arrays carry ('hidden' of netgraph's 'hidden.Weights', 'fc1' of torch's
    'fc1.weight'), so a round trip keeps layer names; else, for the dynamo exporter's node, the module that wrote
    it ('fc', of scopes ['', 'fc', 'linear']) or, of the model's own module, the op as torch.fx names it ('tanh' of
    'node_tanh'); else the node's own name."""
    paths = {t.rpartition(".")[0] for t in node.input if t in initializers and "." in t and "::" not in t}
    if len(paths) == 1 and "" not in paths:
        return paths.pop()
    module = node_module(node)
    if module is not None and node.name.startswith("node_"):
        return module[-1] if module and module[-1] else node.name.removeprefix("node_")
    return node.name or f"{node.op_type}_{index}"


def node_module(node: Any) -> tuple[str, ...] | None:
    """The torch module whose call wrote ``node`` (its scopes less the op's: ``('', 'block', 'block.0')``), as the
    dynamo exporter records it; None where the node names none."""
    scopes = next((p.value for p in node.metadata_props if p.key == _SCOPES), None)
    if scopes is None:
        return None
    return tuple(single or double for single, double in _QUOTED.findall(scopes))[:-1]


def identifier(name: str, taken: set[str]) -> str:
    """A unique Python identifier (and legal layer name) made from ``name``.

    >>> identifier("/hidden/Gemm", set()), identifier("input.1", {"input_1"}), identifier("class", set())
    ('hidden_Gemm', 'input_1_2', 'class_')
    """
    base = re.sub(r"\W+", "_", unicodedata.normalize("NFKC", name)).strip("_") or "node"
    base = f"x{base}" if base[0].isdigit() else base
    base = f"{base}_" if base in RESERVED_NAMES or not _kept(base) else base
    candidate = fresh_name(base, taken, "_")
    taken.add(candidate)
    return candidate


class LengthVariables:
    """Our length variable for each ONNX dim: one per distinct dim name (the name, made an identifier; names
    ``joined`` into one, that of the first), a new one for each unnamed dynamic dim; sizes stay."""

    def __init__(self, joined: dict[str, str] | None = None):
        self.names: dict[str, str] = {}
        self.taken: set[str] = set()
        self.joined = joined or {}

    def __call__(self, dim: int | str) -> int | str:
        if isinstance(dim, int):
            return dim
        if dim == "?":
            return identifier("n", self.taken)
        dim = self.joined.get(dim, dim)
        if dim not in self.names:  # a keyword stays: a length name is no keyword argument ("None" is YAML's null)
            kept = dim.isidentifier() and dim != "None" and dim not in self.taken
            self.names[dim] = dim if kept else identifier(dim, self.taken)
            self.taken.add(self.names[dim])
        return self.names[dim]


def equal_dims(nodes: Any, shapes: dict[str, tuple | None], attributes: Any) -> tuple[dict[str, str], list[str]]:
    """ONNX dim names that a node needs equal, each -> the first of its group (an Add of x (b, n, 4) and
    y (b, m, 4) needs n = m: ONNX's shape inference keeps both names, and the output's as unknown), and one
    note per pair joined, naming the node. The batch (each tensor's first dim) is left alone."""
    root: dict[str, str] = {}

    def find(name: str) -> str:
        while root.get(name, name) != name:
            name = root[name]
        return name

    notes, shapes = [], dict(shapes)  # an element-wise output's dims take its inputs' names (``_named_output``)
    for node in nodes:
        inputs = [shapes.get(t) if t else None for t in node.input]
        for a, b in _pairs(node, inputs, attributes):
            ra, rb = find(a), find(b)
            if ra != rb:
                root[rb] = ra
                notes.append(f"node {node.name or node.op_type!r} ({node.op_type}) needs dims {a!r} and {b!r} "
                             f"equal: they share one length")
        if node.op_type in _BROADCASTING and node.output and node.output[0]:
            shapes[node.output[0]] = _named_output(shapes.get(node.output[0]), inputs)
    return {name: find(name) for name in root}, notes


def _named_output(out: tuple | None, inputs: list) -> tuple | None:
    """The shape ``out`` of a broadcasting op's output, each dim that ONNX left unnamed (inputs named apart: an
    'unk__N') named as the first input naming it, so that a later op joins its dims to theirs (``(x0 + x1) + x2``)."""
    known = [s for s in inputs if s is not None]
    if out is None or not known or len(out) != max(map(len, known)):
        return out
    aligned = [[s[len(s) - len(out) + i] for s in known if len(s) - len(out) + i >= 0] for i in range(len(out))]
    return tuple(dim if i == 0 or _named(dim) else next((d for d in aligned[i] if _named(d)), dim)
                 for i, dim in enumerate(out))


def _pairs(node: Any, shapes: list, attributes: Any) -> list[tuple[str, str]]:
    """Pairs of dim names (never a batch dim) that ``node`` needs equal: aligned dims of broadcasting inputs,
    the dims of Concat's inputs off its axis, MatMul's inner dims."""
    if node.op_type in _BROADCASTING:
        rank = max((len(s) for s in shapes if s is not None), default=0)
        groups = [[(s, len(s) - rank + i) for s in shapes if s is not None and len(s) - rank + i >= 0]
                  for i in range(rank)]
    elif node.op_type == "Concat" and all(s is not None for s in shapes) and len({len(s) for s in shapes}) == 1:
        axis = int(attributes(node).get("axis", 0)) % len(shapes[0])
        groups = [[(s, i) for s in shapes] for i in range(len(shapes[0])) if i != axis]
    elif node.op_type == "MatMul" and len(shapes) == 2 and all(s is not None and len(s) >= 2 for s in shapes):
        groups = [[(shapes[0], len(shapes[0]) - 1), (shapes[1], len(shapes[1]) - 2)]]
    else:
        return []
    pairs = []
    for group in groups:
        names = [s[i] for s, i in group if i > 0 and _named(s[i])]
        pairs.extend((names[0], other) for other in names[1:] if other != names[0])
    return pairs


def _named(dim: Any) -> bool:
    """A dim named by the model (not a size, nor onnx's 'unk__N' for a size it could not infer)."""
    return isinstance(dim, str) and dim not in ("", "?") and not dim.startswith("unk__")


def known_dim(dim: Any) -> bool:
    """A dim of known size or named by the model (not onnx's placeholder for a size it could not infer)."""
    return isinstance(dim, int) or _named(dim)


def used_layers(layers: dict[str, Any], edges: list[tuple]) -> tuple[dict[str, Any], list[tuple]]:
    """The layers that the graph outputs depend on, and their edges (a stacked recurrence's layers above the
    one whose final state is read feed nothing)."""
    feeding: dict[str, list] = {}
    for source, target in edges:
        feeding.setdefault(target.layer, []).append(source)
    needed: set[str] = set()
    stack = list(feeding.get(None, []))  # what feeds the graph outputs
    while stack:
        layer = stack.pop().layer
        if layer is not None and layer not in needed:
            needed.add(layer)
            stack.extend(feeding.get(layer, []))
    return ({k: v for k, v in layers.items() if k in needed},
            [(s, t) for s, t in edges if t.layer is None or t.layer in needed])


def fed_ports(layers: dict, edges: list[tuple], shapes: dict[str, Any], where: str) -> tuple[dict, list, dict]:
    """``layers``, ``edges`` and the input ports of ``shapes`` that an edge reads; a warning names the others (graph
    inputs no output needs, which a NetGraph cannot hold: netgraph's export keeps them, to be fed by name)."""
    fed = {src.port for src, _ in edges if getattr(src, "layer", 0) is None}
    if unused := [p for p in shapes if p not in fed]:
        ports, feed, them = ("input", "feeds", "it") if len(unused) == 1 else ("inputs", "feed", "them")
        warnings.warn(f"{where}: graph {ports} {first_few(list(map(repr, unused)))} {feed} no output; the imported net "
                      f"leaves {them} out", OnnxImportWarning, stacklevel=user_stacklevel())
    return layers, edges, {p: t for p, t in shapes.items() if p in fed}


def in_port_order(edges: list[tuple], inputs: list[str], outputs: list[str]) -> list[tuple]:
    """``edges`` listed so that the graph ports are first read or fed in the order ``inputs``, ``outputs`` (the ONNX
    graph's declared order): a NetGraph orders its ports so, and a positional call then matches the model's."""
    place = {port: i for i, port in enumerate(outputs)}
    by_input: dict[str, list] = {port: [] for port in inputs}
    by_output: dict[str, list] = {port: [] for port in outputs}
    last_fed: dict[str, int] = {}  # an input passed straight to outputs: the last of them in the declared order
    inner = []
    for source, target in edges:
        if target.layer is None:
            by_output[target.port].append((source, target))
            if source.layer is None:
                last_fed[source.port] = max(last_fed.get(source.port, -1), place[target.port])
        elif source.layer is None:
            by_input[source.port].append((source, target))
        else:
            inner.append((source, target))
    ordered, named = [], 0  # the outputs before position `named` are fed in `ordered`
    for port, reading in by_input.items():
        if last_fed.get(port, -1) >= named:  # feed the outputs up to the last one it is passed to, in order
            ordered += [edge for out in outputs[named:last_fed[port] + 1] for edge in by_output[out]]
            named = last_fed[port] + 1
        ordered += reading
    return ordered + inner + [edge for out in outputs[named:] for edge in by_output[out]]

"""Training metrics (Wolfram's TrainingProgressMeasurements, Keras's ``metrics=``), computed with torchmetrics.

``net_train(..., metrics=["Accuracy", "F1"])`` measures each metric on every output port it fits;
``metrics={"Output": ["Accuracy"]}`` names the ports. Names (any case, Wolfram's in brackets):
``Accuracy``, ``ErrorRate`` (1 - Accuracy), ``Precision``, ``Recall``, ``F1`` (``F1Score``, ``FScore``),
``ROCAUC`` (``AUC``, ``AreaUnderROCCurve``), ``Perplexity``, ``ConfusionMatrix``, ``MeanSquaredError`` (``MSE``,
``MeanSquare``), ``MeanAbsoluteError`` (``MAE``, ``MeanDeviation``) and ``RSquared`` (``R2``).

What fits a port follows its automatic loss (``netgraph.train.loss.auto_kind``), or a loss_function of
CrossEntropyLossLayer(form, logits=True), whose scores are read through softmax ("Index", "Probabilities") or
sigmoid ("Binary"): after a SoftmaxLayer (class probabilities; targets are class indices, or one-hot/probabilities
whose argmax is the class) the classification metrics, Precision/Recall/F1 macro-averaged over the classes that
occur in the round's targets or predictions, ROCAUC only with two classes (probability of class 1); after a
LogisticSigmoid (binary, threshold 0.5, targets 0/1) all of them but Perplexity; any other output the
two errors (averaged over every element) and RSquared (1 - SS_res/SS_tot over every element). Perplexity is
exp of the mean cross-entropy (natural log) per class vector (index or probability targets); ConfusionMatrix
a k x k int64 tensor (rows the true class, columns the predicted), a matrix: net_measurements only, not a
per-round metric of net_train. Each metric accumulates over the round's batches and is computed
once per round (not a mean of per-batch ratios); training metrics see the outputs of the training
steps (dropout on), validation metrics the validation pass. A NaN prediction makes every classification metric of
its port NaN (a ConfusionMatrix of NaN, float64) for the round, as it makes the loss: never a class-0 prediction.

torchmetrics is imported only when a metric is asked for (3 s to import): ``pip install torch-netgraph[metrics]``.

>>> parse_metrics(["accuracy", "MAE"]), parse_metrics({"Output": "F1Score"})
([(None, 'Accuracy'), (None, 'MeanAbsoluteError')], [('Output', 'F1')])
>>> metric_name("Acuracy")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: unknown metric 'Acuracy' (did you mean 'Accuracy'?); metrics: Accuracy, ErrorRate,
    Precision, Recall, F1, ROCAUC, Perplexity, ConfusionMatrix, MeanSquaredError, MeanAbsoluteError, RSquared
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from netgraph.core.errors import Diagnostic, OptionError, did_you_mean
from netgraph.train.loss import auto_kind, is_loss_port, not_an_output_port
from netgraph.train.perplexity import perplexity_metric
from netgraph.train.undefined_metrics import NAN_SEEN, both_classes, nan_seen, nan_where_undefined

#: the keyword of a metric that only the stopping criterion names
STOPPING = "training_stopping_criterion"

__all__ = ["parse_metrics", "metric_name", "metric_hint", "round_metric_name", "maximize", "MATRICES", "plan_metrics",
           "Measured", "Meter", "INSTALL_HINT"]

INSTALL_HINT = "pip install torch-netgraph[metrics] (or pip install torchmetrics)"
NAMES = ("Accuracy", "ErrorRate", "Precision", "Recall", "F1", "ROCAUC", "Perplexity", "ConfusionMatrix",
         "MeanSquaredError", "MeanAbsoluteError", "RSquared")
#: metrics whose value is a matrix, not a number: net_measurements measures them, net_train's rounds do not
MATRICES = ("ConfusionMatrix",)
_ALIASES = {"f1score": "F1", "fscore": "F1", "auc": "ROCAUC", "auroc": "ROCAUC", "areaunderroccurve": "ROCAUC",
            "mse": "MeanSquaredError", "meansquare": "MeanSquaredError", "mae": "MeanAbsoluteError",
            "meandeviation": "MeanAbsoluteError", "r2": "RSquared", **{n.lower(): n for n in NAMES}}
_CLASSIFICATION = ("Accuracy", "ErrorRate", "Precision", "Recall", "F1", "ROCAUC", "ConfusionMatrix")
_REGRESSION = ("MeanSquaredError", "MeanAbsoluteError", "RSquared")
_LOWER_IS_BETTER = ("ErrorRate", "Perplexity", "MeanSquaredError", "MeanAbsoluteError")
_FITS = {"index": (*_CLASSIFICATION, "Perplexity"), "binary": (*_CLASSIFICATION, *_REGRESSION), "mse": _REGRESSION}
_KIND_WORDS = {"index": "class probabilities (SoftmaxLayer)", "binary": "a binary probability (LogisticSigmoid)",
               "mse": "a regression output"}


def metric_name(name: Any, option: str = "metrics") -> str:
    """The canonical metric name for ``name`` (any case, aliases); otherwise an OptionError with a suggestion, kind
    "unknown-metric", about ``option`` (the keyword that gave the name)."""
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    if key not in _ALIASES:
        raise OptionError(f"unknown metric {name!r}{metric_hint(name)}; metrics: {', '.join(NAMES)}", option=option,
                          kind="unknown-metric", expected=NAMES, found=name)
    return _ALIASES[key]


def metric_hint(name: Any) -> str:
    """' (did you mean ...?)' for an unknown metric name: the one it begins (Keras's 'acc'), else the nearest."""
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    starts = [n for n in NAMES if key and n.lower().startswith(key)]
    return f" (did you mean {starts[0]!r}?)" if len(starts) == 1 else did_you_mean(str(name), [*NAMES, *_ALIASES])


def round_metric_name(name: Any, option: str = "metrics") -> str:
    """``metric_name`` for a metric net_train measures each round: a matrix (ConfusionMatrix) is an OptionError
    pointing to net_measurements."""
    canonical = metric_name(name, option)
    if canonical in MATRICES:
        raise OptionError(f"{option}: {canonical!r} is a matrix, not a number per round; measure it on the trained net "
                          f"with net_measurements(net, data, {canonical!r})", option=option, found=canonical,
                          kind="metric-matrix")
    return canonical


def maximize(name: str) -> bool:
    """True for metrics where higher is better (the classification ones but ErrorRate and Perplexity, RSquared)."""
    return metric_name(name) not in _LOWER_IS_BETTER


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [round_metric_name(value)]
    if isinstance(value, (list, tuple)) and value:
        return [round_metric_name(v) for v in value]
    expected = "a metric name, a list of names or a dict {port: names}"
    raise OptionError(f"metrics must be {expected}; found {value!r}", option="metrics", kind="option-value",
                      expected=expected, found=value, detail=f"must be {expected}; found {value!r}")


def parse_metrics(spec: Any) -> list[tuple[str | None, str]]:
    """``metrics=`` as (port or None for 'every output it fits', canonical name) pairs, in order; a listed name may be
    a label, 'port/name', as ``net_measurements`` takes it."""
    if spec is None or isinstance(spec, (list, Mapping)) and not spec:  # not ==: a numpy array compares by element
        return []
    if isinstance(spec, Mapping):
        return [(str(port), name) for port, names in spec.items() for name in _names(names)]
    given = [spec] if isinstance(spec, str) else spec
    if not isinstance(given, (list, tuple)) or not given:
        _names(spec)  # raises: not a name nor a list of names
    split = [v.rpartition("/") if isinstance(v, str) else ("", "", v) for v in given]
    names = _names([name for _, _, name in split])
    return [(port or None, name) for (port, _, _), name in zip(split, names)]


@dataclasses.dataclass(frozen=True)
class Measured:
    """One metric on one output port: its label in the results, the port's kind and classes, the target key."""

    label: str
    port: str
    name: str
    kind: str  # 'index', 'binary' or 'mse'
    classes: int | None
    target_key: str
    logits: bool = False  # scores, as CrossEntropyLossLayer(..., logits=True) reads them: softmax / sigmoid first


def _classes(net: Any, port: str) -> int | None:
    shape = net.port_types[port].shape or ()
    return shape[-1] if shape and isinstance(shape[-1], int) else None


_LOGITS_KINDS = {"Index": "index", "Probabilities": "index", "Binary": "binary"}  # CrossEntropyLossLayer form -> kind


def _kind(net: Any, loss: Any, port: str) -> tuple[str, bool]:
    """(the port's kind, whether it holds scores): a port whose loss is CrossEntropyLossLayer(form, logits=True) is a
    classifier's ('binary' for "Binary", else 'index'), whatever layer ends it; else its automatic loss's kind."""
    for _, term in loss.terms:
        layer = getattr(term, "layer", None)
        if getattr(term, "port", None) == port and getattr(layer, "type_name", "") == "CrossEntropyLossLayer" \
                and getattr(layer, "logits", False) and getattr(layer, "form", None) in _LOGITS_KINDS:
            return _LOGITS_KINDS[layer.form], True
    return auto_kind(net, port), False


def _fits(kind: str, classes: int | None, name: str) -> bool:
    return name in _FITS[kind] and not (kind == "index" and name == "ROCAUC" and classes != 2)


def _target_key(net: Any, loss: Any, port: str) -> str:
    keys = [t.target_key for _, t in loss.terms if getattr(t, "port", None) == port and t.target_key]
    if keys:
        return keys[0]
    if len(net.output_ports) == 1 and "Target" not in net.input_ports:
        return "Target"
    return f"{port}Target" if port in net.input_ports else port


def plan_metrics(net: Any, loss: Any, requested: list[tuple[str | None, str]],
                 watched: Sequence[tuple[str | None, str]] = ()) -> list[Measured]:
    """The metrics to measure: ``requested`` (``metrics=``) and ``watched`` (the ones only the stopping criterion
    names); one OptionError listing every metric that does not fit its port, each Diagnostic's ``option`` the
    keyword that asked for it (``metrics`` or ``training_stopping_criterion``) and ``detail`` its problem."""
    plain = [p for p in net.output_ports if not is_loss_port(net, p)]
    pairs, errors = [], []
    for (port, name), option in [(r, "metrics") for r in requested] + [(w, STOPPING) for w in watched]:
        problem = _unfit(net, loss, plain, port, name, option)
        if problem:
            errors.append(problem)
            continue
        fitting = [p for p in ([port] if port is not None else plain) if _fits(_kind(net, loss, p)[0], _classes(net, p),
                                                                              name)]
        pairs += [(p, name) for p in fitting if (p, name) not in pairs]
    if errors:
        raise OptionError("; ".join(map(str, errors)), diagnostics=errors)
    single = len({p for p, _ in pairs}) == 1
    return [Measured(name if single else f"{port}/{name}", port, name, _kind(net, loss, port)[0], _classes(net, port),
                     _target_key(net, loss, port), _kind(net, loss, port)[1]) for port, name in pairs]


def _unfit(net: Any, loss: Any, plain: list[str], port: str | None, name: str, option: str) -> Diagnostic | None:
    """Why metric ``name`` (on ``port``; None: every output port that is not a loss, ``plain``) cannot be measured
    (a "metric-port" Diagnostic, ``found`` the metric, ``port`` the port asked for, ``option`` the keyword that asked
    for it), or None when it can. For a port the net does not have, ``expected`` is the output ports."""
    expected = None
    if port is not None and port not in net.output_ports:
        problem = f"metrics key {not_an_output_port(port, net.output_ports)}"
        expected = tuple(net.output_ports)
    elif not (ports := [port] if port is not None else plain):
        problem = (f"metric {name!r} needs an output port that is not a loss; the outputs "
                   f"{list(net.output_ports)} are all losses")
    elif not any(_fits(_kind(net, loss, p)[0], _classes(net, p), name) for p in ports):
        problem = _misfit(net, loss, ports[0], name) if len(ports) == 1 else \
            f"metric {name!r} fits none of the output ports {ports}"
    else:
        return None
    return Diagnostic(problem, "metric-port", port=port, option=option, found=name, detail=problem, expected=expected)


def _misfit(net: Any, loss: Any, port: str, name: str) -> str:
    (kind, logits), classes = _kind(net, loss, port), _classes(net, port)
    fits = [n for n in NAMES if _fits(kind, classes, n)]
    extra = " (ROCAUC needs two classes)" if name == "ROCAUC" and kind == "index" else ""
    extra += " (Perplexity needs class probabilities)" if name == "Perplexity" and kind == "binary" else ""
    words = "class scores (its loss is CrossEntropyLossLayer with logits=True)" if logits else _KIND_WORDS[kind]
    return (f"metric {name!r} does not fit output port {port!r}: it is {words}{extra}; "
            f"metrics that fit it: {', '.join(fits)}")


def _torchmetric(m: Measured) -> Any:
    try:
        import torchmetrics  # optional: only net_train(metrics=...) needs it; about 3 s to import
    except ImportError:
        raise OptionError(f"net_train(metrics=...) needs the torchmetrics package: {INSTALL_HINT}", option="metrics",
                          kind="missing-package", expected="torchmetrics", hint=INSTALL_HINT) from None
    c = torchmetrics.classification
    if m.name == "MeanSquaredError":
        return torchmetrics.MeanSquaredError()
    if m.name == "MeanAbsoluteError":
        return torchmetrics.MeanAbsoluteError()
    if m.name == "RSquared":  # sums of errors, squares and targets: one R2 over every element
        return nan_where_undefined(torchmetrics.R2Score, lambda r2: int(r2.total) >= 2)
    if m.name == "Perplexity":
        return perplexity_metric()
    if m.name == "ROCAUC":
        return nan_where_undefined(c.BinaryAUROC, both_classes, validate_args=False)
    if m.kind == "binary":
        binary = {"Accuracy": c.BinaryAccuracy, "ErrorRate": c.BinaryAccuracy, "Precision": c.BinaryPrecision,
                  "Recall": c.BinaryRecall, "F1": c.BinaryF1Score, "ROCAUC": c.BinaryAUROC,
                  "ConfusionMatrix": c.BinaryConfusionMatrix}
        return binary[m.name](validate_args=False)
    if m.name == "ConfusionMatrix":
        return c.MulticlassConfusionMatrix(num_classes=m.classes, validate_args=False)
    multi = {"Accuracy": (c.MulticlassAccuracy, "micro"), "ErrorRate": (c.MulticlassAccuracy, "micro"),
             "Precision": (c.MulticlassPrecision, "macro"), "Recall": (c.MulticlassRecall, "macro"),
             "F1": (c.MulticlassF1Score, "macro")}
    cls, average = multi[m.name]
    return cls(num_classes=m.classes, average=average, validate_args=False)


def _collection(measured: list[Measured]) -> Any:
    """One port's metrics of one input form (their names differ) as a MetricCollection."""
    metrics = {m.name: _torchmetric(m) for m in measured}
    if measured[0].name in _CLASSIFICATION:
        metrics[NAN_SEEN] = nan_seen()
    import torchmetrics  # optional: as in _torchmetric, which imports it first with the install hint
    return torchmetrics.MetricCollection(metrics, compute_groups=True)


def _inputs(m: Measured, output: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(predictions, targets) in torchmetrics' flat form for ``m``."""
    output = output.detach()
    if m.logits:
        output = output.softmax(-1) if m.kind == "index" else output.sigmoid()
    if m.name == "Perplexity":  # reads index and probability targets as they are
        return output, target
    if m.kind == "index":
        if target.is_floating_point() and target.dim() == output.dim():
            target = target.argmax(-1)  # one-hot or probabilities
        probs, target = output.reshape(-1, output.shape[-1]), target.reshape(-1).long()
        return (probs[:, 1], target) if m.name == "ROCAUC" else (probs, target)
    preds, target = output.reshape(-1), target.reshape(-1)
    preds = preds if preds.dtype == torch.float64 else preds.float()  # float64 outputs measured in float64
    if m.kind == "binary" and m.name in _CLASSIFICATION:
        return preds, (target > 0.5).long()
    return preds, target.to(preds.dtype)


def _form(m: Measured) -> tuple[str, str]:
    """Metrics with the same (port, form) read the same flat inputs and update together."""
    if m.name in ("ROCAUC", "Perplexity"):
        return m.port, m.name
    if m.kind == "binary" and m.name in _CLASSIFICATION:
        return m.port, "class01"
    return m.port, "probs" if m.kind == "index" else "values"


def _widen(collection: Any) -> None:
    """Hold a regression collection's sums in float64 (torchmetrics' float32 states would round float64 errors)."""
    if not getattr(collection, "_netgraph_float64", False):
        collection.set_dtype(torch.float64)
        collection._netgraph_float64 = True


class Meter:
    """Each measured metric for the training and the validation set: ``update`` per batch, ``compute`` per round.

    Metrics of one port and input form share one torchmetrics MetricCollection, whose compute groups keep a
    single confusion-count state for Precision, Recall and F1 (one update instead of three per batch).
    """

    def __init__(self, measured: list[Measured]):
        self.measured = measured
        groups: dict[tuple[str, str], list[Measured]] = {}
        for m in measured:
            groups.setdefault(_form(m), []).append(m)
        self.groups = list(groups.values())
        self.states = {split: [_collection(ms) for ms in self.groups] for split in ("train", "validation")}

    def to(self, device: torch.device) -> Meter:
        for collections in self.states.values():
            for collection in collections:
                collection.to(device)
        return self

    def update(self, split: str, outputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for ms, collection in zip(self.groups, self.states[split]):
                preds, target = _inputs(ms[0], outputs[ms[0].port], batch[ms[0].target_key])
                if target.dtype == torch.float64 and _form(ms[0])[1] == "values":
                    _widen(collection)
                collection.update(preds, target)

    def compute(self, split: str) -> dict[str, Any]:
        """Each metric's value over the batches since the last compute, by label (a float; a ConfusionMatrix an
        int64 tensor on the CPU, float64 NaN after a NaN prediction); then reset."""
        values = {}
        for ms, collection in zip(self.groups, self.states[split]):
            computed = collection.compute()
            nan = NAN_SEEN in computed and bool(computed[NAN_SEEN])
            values.update({m.label: _value(m, computed[m.name], collection, nan) for m in ms})
            collection.reset()
        return {m.label: values[m.label] for m in self.measured}

    def partial(self, split: str = "train") -> list[dict[str, Any]]:
        """``split``'s metrics' states since the last ``compute`` (an interrupted round's part), on the CPU: by
        collection, each metric's {"states": its torchmetrics states, "updates": its update count}."""
        def cpu(value: Any) -> Any:
            return [v.detach().cpu() for v in value] if isinstance(value, list) else value.detach().cpu()
        return [{name: {"states": {k: cpu(v) for k, v in m.metric_state.items()}, "updates": m.update_count}
                 for name, m in collection.items(keep_base=True, copy_state=False)}
                for collection in self.states[split]]

    def take_partial(self, saved: list[dict[str, Any]], split: str = "train") -> bool:
        """Take back ``partial``'s states where they are of these metrics; whether they were (another run's are
        left out)."""
        mine = [dict(collection.items(keep_base=True, copy_state=False)) for collection in self.states[split]]
        if [set(m) for m in mine] != [set(s) for s in saved]:
            return False
        for metrics, states in zip(mine, saved):
            for name, metric in metrics.items():
                for key, value in states[name]["states"].items():
                    moved = [v.to(metric.device) for v in value] if isinstance(value, list) else value.to(metric.device)
                    setattr(metric, key, moved)
                metric._update_count, metric._computed = states[name]["updates"], None  # torchmetrics' own counters
        return True

    def find(self, name: str) -> str:
        """The label of a measured metric named ``name`` ('Accuracy' or 'Output/Accuracy'); OptionError."""
        labels = [m.label for m in self.measured]
        if name in labels:
            return name
        found = [m.label for m in self.measured if m.name == metric_name(name.split("/")[-1])
                 and ("/" not in name or m.port == name.split("/")[0])]
        if len(found) != 1:
            detail = not_one_metric(labels)
            raise OptionError(f"{STOPPING} {name!r} {detail}", option=STOPPING, kind="option-value", found=name,
                              expected=tuple(labels), detail=detail)
        return found[0]


def not_one_metric(labels: list[str], metrics: str = "metrics=", port_metric: str = "Port/Metric") -> str:
    """Why a stopping criterion names none (or several) of the measured metrics ``labels``, with the remedy in the
    caller's words (the command line: '--metrics', 'Port:Metric')."""
    return f"must name one measured metric; measured: {labels} (add it to {metrics}, or write {port_metric!r})"


def _value(m: Measured, computed: torch.Tensor, collection: Any, nan: bool = False) -> Any:
    """A metric's value from torchmetrics' (Accuracy and ErrorRate from its counts: its share is a float32); ``nan``:
    a prediction was NaN, so NaN (a ConfusionMatrix of NaN, float64)."""
    if nan:
        return torch.full(computed.shape, math.nan, dtype=torch.float64) if m.name in MATRICES else math.nan
    if m.name in MATRICES:
        return computed.detach().cpu().long()
    return _counted_share(m, collection[m.name].metric_state) if m.name in ("Accuracy", "ErrorRate") \
        else float(computed)


def _counted_share(m: Measured, counts: dict[str, torch.Tensor]) -> float:
    """The share of right (Accuracy) or wrong (ErrorRate) classes: integer counts divided once (NaN for none)."""
    tp, fp, tn, fn = (int(counts[k].sum()) for k in ("tp", "fp", "tn", "fn"))
    right, total = (tp + tn, tp + fp + tn + fn) if m.kind == "binary" else (tp, tp + fn)  # micro: fn = wrong
    share = right if m.name == "Accuracy" else total - right
    return share / total if total else math.nan

"""NetTrainResults (Wolfram's NetTrainResultsObject) and its loss plot, an SVG drawn with the standard library.

``net_train(..., all=True)`` returns one. ``results.plot_losses("loss.svg")`` writes the training
(per batch, faint; per round) and validation losses against rounds (and, below them, the metrics asked for);
``.png`` needs matplotlib, which netgraph does not require. ``results["RoundLossList"]`` reads Wolfram's property names.

>>> r = NetTrainResults(trained_net=None, training_net=None, round_losses=[1.0, 0.5], batch_losses=[1.2, 0.8, 0.6, 0.4],
...                     validation_losses=[1.1, 0.7], best_validation_round=2, total_rounds=2, total_batches=4,
...                     batch_size=8, examples_processed=32, total_training_time=0.5,
...                     reason_training_stopped="MaxTrainingRounds")
>>> r["ValidationLoss"], r.mean_examples_per_second
(0.7, 64.0)
>>> r.loss_plot_svg().startswith("<svg")
True
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from netgraph.core.wording import counted
from netgraph.core.files import atomic_replace
from netgraph.core.output_paths import refuse_folder_path, unwritable, writable_file
from netgraph.core.attribute_hints import hinting_getattr
from netgraph.core.errors import OptionError
from netgraph.core.name_guesses import nearest_name
from netgraph.train.metric_history import latest_values
from netgraph.train.result_names import NETS_MEANT, NOT_KEPT, OLD_NAMES, PROPERTIES, result_hints

__all__ = ["NetTrainResults", "svg_line_plot", "result_property", "picked"]

TERM_COLORS = ("#2ca02c", "#d62728", "#9467bd", "#8c564b")
METRIC_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")

def result_property(spec: Any) -> Any:
    """Wolfram's NetTrain third argument: a property name or a list of them ("All": the results), checked before
    training; None when ``spec`` is no property (a string or a list of strings)."""
    names = [spec] if isinstance(spec, str) else spec if isinstance(spec, list) and spec else None
    if names is None or not all(isinstance(n, str) for n in names):
        return None
    known = [n in ("All", "Properties", *PROPERTIES, *OLD_NAMES) for n in names]
    if isinstance(spec, list) and not any(known):  # class labels, as Keras's fit(x, y): no property meant
        return None
    for name, is_known in zip(names, known):
        if not is_known:
            raise _no_property(name)
    return spec


def _no_property(name: str) -> OptionError:
    """The OptionError for a property name the results lack: one of Wolfram's that netgraph does not keep, or a slip
    for one they have (suggested)."""
    if name in NOT_KEPT:
        return OptionError(f"Wolfram's property {name!r} is not kept by netgraph's NetTrainResults; r['Properties'] "
                           f"lists those that are", kind="property-not-kept", expected=tuple(PROPERTIES), found=name)
    close = nearest_name(name, (*PROPERTIES, *NOT_KEPT))  # a slip for a Wolfram name not kept: said so
    kept = "" if close not in NOT_KEPT else " Wolfram has it; netgraph does not keep it"
    if isinstance(name, str) and name.lower() in NETS_MEANT:  # "FinalNet": a net meant, not "FinalPlots"
        close, what = NETS_MEANT[name.lower()]
        kept = f" {what}"
    hint = "" if close is None else f" (did you mean {close!r}?{kept})"
    return OptionError(f"NetTrainResults has no property {name!r}{hint}", kind="unknown-property",
                       expected=tuple(PROPERTIES), found=name)


def picked(results: "NetTrainResults", spec: Any) -> Any:
    """The property (or list of properties) ``spec`` of ``results``; "All" is the results themselves."""
    if isinstance(spec, list):
        return [picked(results, name) for name in spec]
    return results if spec == "All" else results[spec]


@dataclasses.dataclass(frozen=True, eq=False)
class NetTrainResults:
    """What a training run produced: the nets, the loss history, counts, timings and settings.

    ``trained_net`` is the net with the lowest validation loss when a validation set was given
    (else the final one); ``training_net`` is always the final one. Rounds count from 1;
    ``validation_losses[i]`` belongs to round ``i + 1``. ``term_losses[label][i]`` is loss term
    ``label``'s unweighted mean in round ``i + 1`` and ``loss_weights[label][i]`` its weight at that round's
    end (scheduled weights change), so ``round_losses`` is their weighted sum (exactly, for constant weights); both
    NaN for rounds the term was not in the loss (a run resumed with another ``loss_function``).
    ``round_metrics[label][i]`` (and ``validation_metrics``) is the metric in round ``i + 1``: NaN for rounds
    it was not measured in (a run resumed with other ``metrics=``), so every list lines up with ``round_losses``.

    >>> import torch
    >>> from netgraph import NetChain, LinearLayer, net_train
    >>> x = torch.tensor([[0.0], [1.0], [2.0]])
    >>> net = NetChain([LinearLayer(1)], input=1)
    >>> results = net_train(net, (x, 2 * x), max_training_rounds=3, random_seed=0, all=True)
    >>> results.total_rounds, results.reason_training_stopped, len(results.round_losses)
    (3, 'MaxTrainingRounds', 3)
    """

    trained_net: Any
    training_net: Any
    round_losses: list[float]
    batch_losses: list[float]
    validation_losses: list[float]
    best_validation_round: int | None
    total_rounds: int
    total_batches: int
    batch_size: int
    examples_processed: int
    total_training_time: float
    reason_training_stopped: str
    optimization_method: str = "Adam"
    initial_learning_rate: float = 0.0
    final_learning_rate: float = 0.0
    checkpointing_files: list[str] = dataclasses.field(default_factory=list)
    learning_rate_multipliers: dict[str, float] = dataclasses.field(default_factory=dict)
    loss_function: str = ""
    term_losses: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    loss_weights: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    round_metrics: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    validation_metrics: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    target_device: str = "cpu"
    measured_metrics: tuple[str, ...] = ()  # the labels the final run measured: their undefined values (NaN) kept
    unsized_default_rounds: bool = False  # the rounds run were the default for data without a length (10)

    @property
    def round_measurements(self) -> dict[str, float]:
        """Each training metric's value in the last round."""
        return latest_values(self.round_metrics, self.measured_metrics)

    @property
    def validation_measurements(self) -> dict[str, float]:
        """Each validation metric's value at the most recent validation (Wolfram's), the final net's: the best net's
        are ``{k: v[best_validation_round - 1] for k, v in validation_metrics.items()}``."""
        return latest_values(self.validation_metrics, self.measured_metrics)

    @property
    def round_loss(self) -> float | None:
        """The last round's mean training loss."""
        return self.round_losses[-1] if self.round_losses else None

    @property
    def validation_loss(self) -> float | None:
        """The most recent validation's loss (Wolfram's "ValidationLoss"), the final net's, or None without a
        validation set; ``trained_net``'s is ``validation_losses[best_validation_round - 1]``."""
        return self.validation_losses[-1] if self.validation_losses else None

    @property
    def mean_examples_per_second(self) -> float:
        return self.examples_processed / self.total_training_time if self.total_training_time > 0 else 0.0

    @property
    def mean_batches_per_second(self) -> float:
        return self.total_batches / self.total_training_time if self.total_training_time > 0 else 0.0

    def final_plots(self) -> dict[str, str]:
        """Wolfram's "FinalPlots": the loss plot, and the metrics plot when metrics were measured (SVG text)."""
        measured = {"Measurements": self.metrics_plot_svg()} if self.round_metrics else {}
        return {"Loss": self.loss_plot_svg(), **measured}

    # Wolfram's property names (r.FinalNet, r.round_loss_list) and Keras's (r.history): what the results hold instead
    __getattr__ = hinting_getattr(result_hints(lambda attribute: callable(getattr(NetTrainResults, attribute, None))))

    def __getitem__(self, name: str | list) -> Any:
        if isinstance(name, list):  # r[["TrainedNet", "LossPlot"]]: each, as net_train(net, data, [...]) gives them
            return [self[n] for n in name]
        if not isinstance(name, str):
            raise _no_property(name)
        if name == "Properties":  # Wolfram's NetTrainResultsObject["Properties"]
            return ["Properties", *PROPERTIES]
        name = OLD_NAMES.get(name, name)
        if name not in PROPERTIES:
            raise _no_property(name)
        attribute = PROPERTIES[name]
        value = getattr(self, attribute)
        return value() if callable(getattr(type(self), attribute, None)) else value  # methods, not callable nets

    def __repr__(self) -> str:
        val = f", validation loss {self.validation_loss:.4g}" if self.validation_loss is not None else ""
        last = f"{self.round_loss:.4g}" if self.round_loss is not None else "n/a"
        batches = counted(self.total_batches, "batch", "batches")
        rounds = counted(self.total_rounds, "round")
        if self.unsized_default_rounds and self.reason_training_stopped == "MaxTrainingRounds":
            rounds += " (default for data without a length)"
        return (f"NetTrainResults({rounds}, {batches}, loss {last}{val}, "
                f"{self.total_training_time:.1f} s, stopped: {self.reason_training_stopped})")

    def loss_plot_svg(self) -> str:
        """The loss plot as SVG text (batch losses faint, round losses, validation losses, best round)."""
        per_round = len(self.batch_losses) / max(1, self.total_rounds)
        batches = _thin([((i + 1) / per_round, v) for i, v in enumerate(self.batch_losses)])
        series = [("batch loss", batches, "#9ecae1", False),
                  ("training loss", [(i + 1, v) for i, v in enumerate(self.round_losses)], "#1f77b4", True),
                  ("validation loss", [(i + 1, v) for i, v in enumerate(self.validation_losses)], "#ff7f0e", True)]
        if len(self.term_losses) > 1:
            series += [(f"{label} (unweighted)", [(i + 1, v) for i, v in enumerate(values)], TERM_COLORS[k % 4], True)
                       for k, (label, values) in enumerate(self.term_losses.items())]
        return svg_line_plot([s for s in series if s[1]], "round", "loss", self.best_validation_round)

    def metrics_plot_svg(self) -> str:
        """The metrics against rounds as SVG (training solid dots, validation in the next colour)."""
        series = []
        for k, label in enumerate(self.round_metrics):
            for split, history, color in (("training", self.round_metrics, METRIC_COLORS[2 * k % 8]),
                                          ("validation", self.validation_metrics, METRIC_COLORS[(2 * k + 1) % 8])):
                points = [(i + 1, v) for i, v in enumerate(history.get(label, [])) if not math.isnan(v)]
                series += [(f"{split} {label}", points, color, True)] if points else []
        return svg_line_plot(series, "round", "metric", self.best_validation_round)

    def plot_svg(self) -> str:
        """The loss plot with the metrics plot below it (when metrics were measured), as one SVG."""
        loss = self.loss_plot_svg()
        if not self.round_metrics:
            return loss
        parts = [loss, self.metrics_plot_svg()]
        inner = "".join(f'<g transform="translate(0 {360 * i})">{p.split(">", 1)[1].rsplit("</svg>", 1)[0]}</g>'
                        for i, p in enumerate(parts))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="720" viewBox="0 0 640 720" '
                f'font-family="sans-serif" font-size="11">{inner}</svg>\n')

    def _repr_svg_(self) -> str:
        return self.plot_svg()

    def plot_losses(self, path: str | os.PathLike) -> Path:
        """Write the loss plot to ``path`` (.svg always; .png when matplotlib is installed); the path."""
        refuse_folder_path(path, "plot_losses", "losses.svg", before="")  # Path('l.svg/') is the file l.svg
        path = Path(path)
        writable_file(path, "the loss plot")  # first: a folder ('/tmp') is named whole, as a folder
        suffix = path.suffix.lower()
        if suffix not in (".svg", ".png"):
            raise OptionError(f"plot_losses writes .svg or .png files, found {str(path)!r}", kind="option-value",
                              option="path", expected=(".svg", ".png"), found=str(path))
        try:  # atomic_replace: a killed plot's temporaries removed first, as render does
            if suffix == ".svg":
                atomic_replace(path, self.plot_svg().encode("utf-8"))
            else:
                self._png(path)
        except OSError as exc:  # no permission, no space left, a device in the way
            raise unwritable("the loss plot", path, exc.strerror or str(exc)) from None
        return path

    def _png(self, path: Path) -> None:
        try:
            import matplotlib  # optional: only PNG plots need it
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt  # optional, as above
        except ImportError:
            raise OptionError("plot_losses(...png) needs matplotlib (pip install matplotlib); netgraph writes "
                              ".svg without it", option="path", kind="missing-package", expected="matplotlib",
                              hint="pip install matplotlib") from None
        fig, axes = plt.subplots(2 if self.round_metrics else 1, 1, figsize=(6.4, 7.2 if self.round_metrics else 3.6),
                                 squeeze=False)
        try:
            self._png_losses(axes[0][0])
            if self.round_metrics:
                self._png_metrics(axes[1][0])
            atomic_replace(path, lambda f: fig.savefig(f, format="png", dpi=120, bbox_inches="tight"))
        finally:
            plt.close(fig)  # also when drawing or the write failed (no space left): pyplot keeps open figures

    def _png_losses(self, ax: Any) -> None:
        per_round = len(self.batch_losses) / max(1, self.total_rounds)
        ax.plot([(i + 1) / per_round for i in range(len(self.batch_losses))], self.batch_losses, color="#9ecae1",
                lw=0.8, label="batch loss")
        terms = [(v, TERM_COLORS[k % 4], f"{label} (unweighted)")
                 for k, (label, v) in enumerate(self.term_losses.items())]
        for values, color, label in ((self.round_losses, "#1f77b4", "training loss"),
                                     (self.validation_losses, "#ff7f0e", "validation loss"),
                                     *(terms if len(terms) > 1 else [])):
            if values:
                ax.plot(range(1, len(values) + 1), values, color=color, marker="o", ms=3, label=label)
        if _log_scale([*self.batch_losses, *self.round_losses, *self.validation_losses]):
            ax.set_yscale("log")
        ax.set_xlabel("round")
        ax.set_ylabel("loss")
        ax.legend()

    def _png_metrics(self, ax: Any) -> None:
        for k, label in enumerate(self.round_metrics):
            for split, history, color in (("training", self.round_metrics, METRIC_COLORS[2 * k % 8]),
                                          ("validation", self.validation_metrics, METRIC_COLORS[(2 * k + 1) % 8])):
                values = history.get(label, [])
                if values:
                    ax.plot(range(1, len(values) + 1), values, color=color, marker="o", ms=3, label=f"{split} {label}")
        ax.set_xlabel("round")
        ax.set_ylabel("metric")
        ax.legend()


def _thin(points: list[tuple[float, float]], most: int = 1000) -> list[tuple[float, float]]:
    """At most ``most`` points: consecutive points averaged in equal groups (keeps SVGs small)."""
    if len(points) <= most:
        return points
    size = math.ceil(len(points) / most)
    groups = [points[i:i + size] for i in range(0, len(points), size)]
    return [(g[-1][0], sum(y for _, y in g) / len(g)) for g in groups]


def _log_scale(values: list[float]) -> bool:
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > 100


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def svg_line_plot(series: list[tuple[str, list[tuple[float, float]], str, bool]], xlabel: str, ylabel: str,
                  marker_x: float | None = None, width: int = 640, height: int = 360) -> str:
    """A small SVG line plot: ``series`` of (label, [(x, y)], colour, with dots); log y for wide ranges."""
    left, right, top, bottom = 64, 150, 20, 44
    points = [(x, y) for _, pts, _, _ in series for x, y in pts if math.isfinite(y)]
    xs, ys = [p[0] for p in points] or [0, 1], [p[1] for p in points] or [0, 1]
    log = _log_scale(ys)
    fy = (lambda v: math.log10(v)) if log else (lambda v: v)
    x0, x1 = min(0.0, min(xs)), max(xs) or 1.0
    y0, y1 = fy(min(ys)), fy(max(ys))
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * pw

    def py(y: float) -> float:
        return top + (1 - (fy(y) - y0) / (y1 - y0)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>']
    for t in _ticks(x0, x1):
        out.append(f'<line x1="{px(t):.1f}" y1="{top + ph}" x2="{px(t):.1f}" y2="{top + ph + 4}" stroke="#888"/>'
                   f'<text x="{px(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{t:g}</text>')
    for t in _ticks(y0, y1):
        value = 10 ** t if log else t
        y = top + (1 - (t - y0) / (y1 - y0)) * ph
        out.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.3g}</text>')
    if marker_x is not None:
        out.append(f'<line x1="{px(marker_x):.1f}" y1="{top}" x2="{px(marker_x):.1f}" y2="{top + ph}" '
                   f'stroke="#2ca02c" stroke-dasharray="4 3"><title>best validation round</title></line>')
    for i, (label, pts, color, dots) in enumerate(series):
        good = [(x, y) for x, y in pts if math.isfinite(y) and (not log or y > 0)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in good)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="{1.8 if dots else 1}"/>')
        if dots and len(good) <= 200:
            out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{color}"/>' for x, y in good]
        ly = top + 14 + 18 * i
        out.append(f'<line x1="{left + pw + 12}" y1="{ly - 4}" x2="{left + pw + 32}" y2="{ly - 4}" stroke="{color}" '
                   f'stroke-width="2"/><text x="{left + pw + 38}" y="{ly}">{escape(label)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text x="14" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 {top + ph / 2})">'
               f'{escape(ylabel)}{" (log scale)" if log else ""}</text>')
    return "\n".join([*out, "</svg>"]) + "\n"

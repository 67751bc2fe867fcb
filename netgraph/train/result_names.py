"""The names of a training result's properties: Wolfram's (``r["RoundLossList"]``) with the attribute each is, and
``result_hints``: what ``r.<name>`` should be for a name the results lack (Wolfram's property names, their
snake_case, Keras's ``history``), for the AttributeError.

>>> hints = result_hints(lambda attribute: attribute == "loss_plot_svg")
>>> hints.get("final_net")
"r.training_net (the final round's net; r.trained_net is the best validation round's)"
>>> hints.get("LossPlot"), hints.get("loss_evolution_plot") == hints["LossPlot"], hints.get("_losses")
("r.loss_plot_svg(), or r['LossPlot'] by Wolfram's property name", True, None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

__all__ = ["PROPERTIES", "OLD_NAMES", "NOT_KEPT", "NETS_MEANT", "result_hints"]

#: Wolfram property name -> attribute.
PROPERTIES = {
    "TrainedNet": "trained_net", "TrainingNet": "training_net", "RoundLossList": "round_losses",
    "BatchLossList": "batch_losses", "ValidationLossList": "validation_losses", "RoundLoss": "round_loss",
    "ValidationLoss": "validation_loss", "BestValidationRound": "best_validation_round",
    "TotalRounds": "total_rounds", "TotalBatches": "total_batches", "BatchSize": "batch_size",
    "ExamplesProcessed": "examples_processed", "TotalTrainingTime": "total_training_time",
    "MeanExamplesPerSecond": "mean_examples_per_second", "ReasonTrainingStopped": "reason_training_stopped",
    "OptimizationMethod": "optimization_method", "InitialLearningRate": "initial_learning_rate",
    "FinalLearningRate": "final_learning_rate", "CheckpointingFiles": "checkpointing_files",
    "ArraysLearningRateMultipliers": "learning_rate_multipliers", "LossPlot": "loss_plot_svg",
    "LossFunction": "loss_function", "TermLossLists": "term_losses", "TermWeightLists": "loss_weights",
    "RoundMeasurementsLists": "round_metrics", "ValidationMeasurementsLists": "validation_metrics",
    "RoundMeasurements": "round_measurements", "ValidationMeasurements": "validation_measurements",
    "MeasurementsPlot": "metrics_plot_svg", "MeanBatchesPerSecond": "mean_batches_per_second",
    "TargetDevice": "target_device", "FinalPlots": "final_plots",
}
OLD_NAMES = {"LossEvolutionPlot": "LossPlot"}  # Wolfram's older names: answered, not listed in "Properties"
#: Wolfram's properties that netgraph's results do not keep.
NOT_KEPT = ("NetTrainInputForm", "RoundPositions", "BatchesPerRound", "TrainingExamples", "ValidationExamples",
            "BatchMeasurementsLists")
#: Names (lower case) a user may try for a net, not close in spelling to the property meant: the property and why.
NETS_MEANT = {
    **dict.fromkeys(("finalnet", "lastnet"), ("TrainingNet", "the final round's net; 'TrainedNet' is the best "
                                                             "validation round's")),
    "bestnet": ("TrainedNet", "the best validation round's net; 'TrainingNet' is the final round's"),
}

_HISTORY = "r.round_losses, r.validation_losses and r.round_metrics / r.validation_metrics (lists by round)"
_KERAS_NAMES = {"history": _HISTORY, "losses": _HISTORY, "metrics": _HISTORY, "epoch": "r.total_rounds",
                **dict.fromkeys(("model", "net", "best_net"), "r.trained_net (the best-validation net; "
                                                              "r.training_net the final one)")}


class _Hints(Mapping):
    """The hint for each name, looked up by its letters alone (``FinalNet``, ``final_net``, ``finalnet``); the
    table is made when first asked (``is_method``: whether an attribute is a method, called in the hint)."""

    def __init__(self, is_method: Callable[[str], bool]) -> None:
        self.is_method, self.table = is_method, None

    def __getitem__(self, name: str) -> str:
        if name.startswith("_"):  # a private name or a protocol's probe (__deepcopy__): none meant
            raise KeyError(name)
        return self._table()[_letters(name)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def _table(self) -> dict[str, str]:
        if self.table is None:
            self.table = {_letters(k): v for k, v in self._hints().items()}
        return self.table

    def _hints(self) -> dict[str, str]:
        """Wolfram's property names (older ones too), the nets one may name otherwise, those not kept, Keras's."""
        names = {**{p: (p, a) for p, a in PROPERTIES.items()}, **{o: (p, PROPERTIES[p]) for o, p in OLD_NAMES.items()}}
        hints = {name: f"r.{a}{'()' * self.is_method(a)}, or r[{p!r}] by Wolfram's property name"
                 for name, (p, a) in names.items()}
        for name, (p, why) in NETS_MEANT.items():  # the other net named as an attribute too
            other = next(q for q in ("TrainedNet", "TrainingNet") if q != p)
            hints[name] = f"r.{PROPERTIES[p]} ({why.replace(repr(other), f'r.{PROPERTIES[other]}')})"
        hints.update({n: f"Wolfram's property {n!r} is not kept by netgraph's NetTrainResults; r['Properties'] lists "
                         f"those that are" for n in NOT_KEPT})
        return {**hints, **_KERAS_NAMES}


def _letters(name: str) -> str:
    return name.replace("_", "").lower()


def result_hints(is_method: Callable[[str], bool]) -> _Hints:
    """The hints for ``hinting_getattr``: what to use for a name the results lack (``is_method``: whether an
    attribute of the results is a method)."""
    return _Hints(is_method)

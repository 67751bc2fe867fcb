"""What Keras, PyTorch Lightning, torch and Wolfram users call net_train's options, for the unknown-option message.

Suggestions only: net_train keeps Wolfram's names (``epochs=`` is refused with a pointer to
``max_training_rounds=``), so each option has one spelling in code, specs, checkpoints and the docs.

>>> other_name_hint("epochs")
" (Keras's 'epochs' is net_train's 'max_training_rounds')"
>>> other_name_hint("nothing")
''
"""

from __future__ import annotations

__all__ = ["OTHER_NAMES", "WEIGHTS", "other_name_hint", "suboption_hint", "loss_layer_for", "loss_name_hint"]

#: Another library's option name -> (net_train's, whose name it is: '' for several libraries').
OTHER_NAMES: dict[str, tuple[str, str]] = {
    "epochs": ("max_training_rounds", "Keras's"), "max_epochs": ("max_training_rounds", "Lightning's"),
    "num_epochs": ("max_training_rounds", ""), "n_epochs": ("max_training_rounds", ""),
    "lr": ("learning_rate", "torch's"), "optimizer": ("method", "Keras's"), "loss": ("loss_function", "Keras's"),
    "loss_fn": ("loss_function", "torch's"), "criterion": ("loss_function", "torch's"),
    "seed": ("random_seed", ""), "verbose": ("progress", "Keras's"),
    "validation_split": ("validation_set", "Keras's"), "validation_data": ("validation_set", "Keras's"),
    "device": ("target_device", "torch's"), "callbacks": ("training_stopping_criterion", "Keras's"),
    "early_stopping": ("training_stopping_criterion", ""), "patience": ("training_stopping_criterion", ""),
    "max_time": ("max_training_time", "Lightning's"),
    # Wolfram's NetTrain options whose snake_case is not net_train's name (RandomSeeding -> random_seed is close enough)
    **{name: (ours, "Wolfram's") for names, ours in (
        (("TrainingProgressReporting", "training_progress_reporting", "TrainingProgressFunction",
          "training_progress_function"), "progress"),
        (("TrainingProgressMeasurements", "training_progress_measurements"), "metrics"),
        (("TrainingProgressCheckpointing", "training_progress_checkpointing"), "checkpoint"),
        (("TimeGoal", "time_goal"), "max_training_time")) for name in names},
}

_WHAT = {"training_stopping_criterion": ": a patience n, or {'patience': n}",
         "validation_set": ": a fraction such as 0.2, or validation data",
         "progress": ": False for silence, 'print', True for a bar, or f(info) called each round",
         "method": ": 'Adam', 'SGD', ... or (name, {suboptions})"}


#: how to weigh examples or classes (no sample_weight= or class_weight= here)
WEIGHTS = ("give a loss_function of your own, f(outputs, batch), that returns each example's loss times its weight "
           "(the README's 'Your own loss')")
_ELSEWHERE = {"shuffle": "net_train shuffles the examples every round; a DataLoader you give keeps its own shuffle=",
              "loss_weights": "Keras's loss_weights are the weights of a loss_function dict by output port: "
                              "loss_function={'Class': 1.0, 'Value': 0.5}",
              "class_weight": f"no class weights here: {WEIGHTS}",
              "sample_weight": f"no sample weights here: {WEIGHTS}",
              "initial_epoch": "checkpoint= with resume=True continues a run at the round after its last checkpoint",
              "steps_per_epoch": "a round is one pass over the data; for fewer batches a round, give a DataLoader or a "
                                 "Dataset of fewer examples, or stop by time with max_training_time=",
              **dict.fromkeys(("TrainingUpdateSchedule", "training_update_schedule"),
                              "Wolfram's TrainingUpdateSchedule has no equivalent: each step updates every array that "
                              "trains; to train parts in turn, call net_train once per part with "
                              "learning_rate_multipliers={'part': 1, '*': 0}, or write the loop on net.compile() (the "
                              "README's 'Custom training loops')")}

#: Keras's loss names (lowercase) -> the loss layer that computes them (on probabilities, as Keras's defaults): its
#: type name and its form (None: the default).
_KERAS_LOSSES: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(("mse", "mean_squared_error", "meansquarederror"), ("MeanSquaredLossLayer", None)),
    **dict.fromkeys(("mae", "mean_absolute_error", "meanabsoluteerror"), ("MeanAbsoluteLossLayer", None)),
    **dict.fromkeys(("categorical_crossentropy", "categoricalcrossentropy"),
                    ("CrossEntropyLossLayer", "Probabilities")),
    **dict.fromkeys(("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy"),
                    ("CrossEntropyLossLayer", "Index")),
    **dict.fromkeys(("binary_crossentropy", "binarycrossentropy"), ("CrossEntropyLossLayer", "Binary"))}


#: torch's loss names (its classes in torch.nn, its functions in torch.nn.functional) -> the loss layer, its form
#: (None: the default) and whether it takes scores (logits), as torch's cross-entropies do.
_TORCH_LOSSES: dict[str, tuple[str, str | None, bool]] = {
    **dict.fromkeys(("CrossEntropyLoss", "cross_entropy"), ("CrossEntropyLossLayer", "Index", True)),
    **dict.fromkeys(("MSELoss", "mse_loss"), ("MeanSquaredLossLayer", None, False)),
    **dict.fromkeys(("L1Loss", "l1_loss"), ("MeanAbsoluteLossLayer", None, False)),
    **dict.fromkeys(("BCELoss", "binary_cross_entropy"), ("CrossEntropyLossLayer", "Binary", False)),
    **dict.fromkeys(("BCEWithLogitsLoss", "binary_cross_entropy_with_logits"),
                    ("CrossEntropyLossLayer", "Binary", True))}
#: The loss layers' type names, for a name given without its 'LossLayer' ending ('CrossEntropy').
_LOSS_LAYER_NAMES = ("MeanSquaredLossLayer", "MeanAbsoluteLossLayer", "CrossEntropyLossLayer", "ContrastiveLossLayer",
                     "CTCLossLayer")


def _loss_named(name: str) -> tuple[str, str, str | None, bool] | None:
    """(whose name it is: "torch's", "Keras's" or '' for a loss layer's, layer, form, logits) for a loss's name."""
    if name in _TORCH_LOSSES:
        return ("torch's", *_TORCH_LOSSES[name])
    if name.lower() in _KERAS_LOSSES:
        return ("Keras's", *_KERAS_LOSSES[name.lower()], False)
    layer = next((n for n in _LOSS_LAYER_NAMES if name in (n, n[:-len("Layer")], n[:-len("LossLayer")])), None)
    return None if layer is None else ("", layer, None, False)


def loss_layer_for(name: object, as_spec: bool = False) -> str | None:
    """The loss layer that a torch or Keras loss name, or a loss layer's type name (also without 'LossLayer'), given
    as a string stands for: as Python code (``CrossEntropyLossLayer('Binary')``), or ``as_spec`` as a spec and
    ``netgraph train --loss`` write it (``{type: CrossEntropyLossLayer, form: Binary}``); None for another name."""
    named = _loss_named(name) if isinstance(name, str) else None
    if named is None:
        return None
    _, layer, form, logits = named
    if as_spec:
        options = (f", form: {form}" if form else "") + (", logits: true" if logits else "")
        return f"{{type: {layer}{options}}}" if options else layer
    arguments = ", ".join([repr(form)] * bool(form) + ["logits=True"] * logits)
    return f"{layer}({arguments})"


def loss_name_hint(name: object, as_spec: bool = False) -> str:
    """'; Keras's 'mse' is MeanSquaredLossLayer() here' for a loss given by such a name (torch's or Keras's), or
    '; give the layer itself: ...' for a loss layer's name, else ''; ``as_spec``: the layer as ``netgraph train
    --loss`` takes it (``loss_layer_for``).

    >>> loss_name_hint("binary_crossentropy")
    "; Keras's 'binary_crossentropy' is CrossEntropyLossLayer('Binary') here"
    >>> loss_name_hint("binary_crossentropy", as_spec=True)
    "; Keras's 'binary_crossentropy' is {type: CrossEntropyLossLayer, form: Binary} here"
    >>> loss_name_hint("CrossEntropyLoss")
    "; torch's 'CrossEntropyLoss' is CrossEntropyLossLayer('Index', logits=True) here"
    """
    ours = loss_layer_for(name, as_spec)
    if ours is None:
        return ""
    whose = _loss_named(str(name))[0]
    return f"; {whose} {name!r} is {ours} here" if whose else f"; give the layer itself: {ours}"


#: A suboption of the optimisation method given to net_train itself -> the method that takes it, for the example.
_SUBOPTIONS = {**dict.fromkeys(("momentum", "nesterov", "dampening"), "SGD"),
               **dict.fromkeys(("alpha", "beta"), "RMSProp"),
               **dict.fromkeys(("epsilon", "eps", "beta1", "beta2", "betas", "weight_decay", "l2_regularization",
                                "gradient_clipping", "max_gradient_norm", "weight_clipping", "learning_rate_schedule"),
                               "Adam")}
#: torch's name for one of netgraph's own suboptions.
TORCH_SUBOPTIONS = {"clip_grad_norm": "max_gradient_norm", "max_grad_norm": "max_gradient_norm",
                    "clip_grad_value": "gradient_clipping", "scheduler": "learning_rate_schedule",
                    "lr_scheduler": "learning_rate_schedule", "lr": "learning_rate"}


def suboption_hint(name: str) -> str:
    """': it is a suboption ..., e.g. method=(...)' for a suboption of the method given to net_train, else ''.

    >>> suboption_hint("betas")
    ": it is a suboption of the optimisation method, as in Wolfram's NetTrain, e.g. method=('Adam', {'betas': ...})"
    """
    ours = TORCH_SUBOPTIONS.get(name, name)
    if ours not in _SUBOPTIONS:
        return ""
    whose = f" (torch's {name} is {ours})" if ours != name else ""
    return (f": it is a suboption of the optimisation method, as in Wolfram's NetTrain, e.g. "
            f"method=({_SUBOPTIONS[ours]!r}, {{{ours!r}: ...}}){whose}")


def other_name_hint(name: str) -> str:
    """' (Keras's 'epochs' is net_train's 'max_training_rounds')', or '' for a name no other library uses."""
    if name in _ELSEWHERE:
        return f" ({_ELSEWHERE[name]})"
    if name not in OTHER_NAMES:
        return ""
    ours, whose = OTHER_NAMES[name]
    return f" ({whose + ' ' if whose else ''}{name!r} is net_train's {ours!r}{_WHAT.get(ours, '')})"

"""net_train (Wolfram's NetTrain): compile a NetGraph, attach losses, train, return the trained NetGraph.

``net_train(net, data, **options)`` leaves ``net`` unchanged; missing arrays are first filled by
``net_initialize``. Data forms are in ``netgraph.train.data``, losses in ``netgraph.train.loss``,
method and multiplier rules in ``netgraph.train.options``, checkpoints in ``netgraph.train.checkpoint``,
multi-process training in ``netgraph.train.distributed``. ``all=True`` returns a NetTrainResults.

>>> import torch
>>> from netgraph import NetGraph, LinearLayer
>>> net = NetGraph([LinearLayer(1)], [], Input=2)
>>> x = torch.randn(64, 2)
>>> data = {"Input": x, "Target": x @ torch.tensor([[2.0], [-1.0]])}
>>> results = net_train(net, data, max_training_rounds=150, learning_rate=0.05, random_seed=0,
...                     progress=False, all=True)
>>> results.round_losses[-1] < 1e-3, results.reason_training_stopped
(True, 'MaxTrainingRounds')
"""

from __future__ import annotations

import contextlib
import math
import numbers
import sys
import warnings
from pathlib import Path
from typing import Any

import torch

from netgraph.core.option_checks import true_or_false
from netgraph.core.output_paths import folders_made
from netgraph.core.torch_state import cpu_tensors, drawn_seed
from netgraph.train.checkpoint import NothingToResume, checkpoints, refuse_newer
from netgraph.core.errors import DataError, OptionError, did_you_mean
from netgraph.train.data_shapes import with_data_shapes
from netgraph.train.data import Streamed, finish, gather, sample
from netgraph.train.given_examples import given_examples
from netgraph.train.data_split import training_and_validation, validation_name
from netgraph.train.buckets import in_order
from netgraph.train.data_lengths import refuse_fixed_lengths
from netgraph.train.torch_objects import refuse_other_batch_size, refuse_torch_optimizer, single_example_shape
from netgraph.train.data_files import load_data
from netgraph.train.data_sets import GIVEN, TRAINING, VALIDATION, held_fraction
from netgraph.train.input_lengths import check_data_lengths
from netgraph.train.padded_data import padded_training
from netgraph.core.wording import refuse_scaled, type_label
from netgraph.train.other_names import other_name_hint, suboption_hint
from netgraph.train.encoded import encoded_data, from_disk
from netgraph.train.encoded_loader import end_kept_workers
from netgraph.train.option_pairs import check_paired_options, given_workers, refuse_unused_workers
from netgraph.train.frozen import hold_frozen_buffers, release
from netgraph.train.loop import Plan, Trainer, TrainingError
from netgraph.train.interrupted_round import warn_past_the_limit
from netgraph.train.metric_history import measured_labels
from netgraph.train.folder_marker import folder_held
from netgraph.train.run_options import RunOptions, refuse_occupied, run_options
from netgraph.train.loss import attach_losses
from netgraph.layers._constant_buffers import array_buffers
from netgraph.train.options import NETS, automatic_default, check_number, resolve_multipliers, snake, without_automatic
from netgraph.train.stopping import TrainingDataStopping
from netgraph.train.precision import WorkingPrecision, parse_working_precision
from netgraph.train.results import NetTrainResults, picked, result_property
from netgraph.train.expectations import input_expect, refuse_unread_target, training_meter
from netgraph.train.tensorboard import TensorBoardLog
from netgraph.train.distributed import setup, share_batch_statistics, stop_sharing
from netgraph.train.torch_norms import guard_torch_norms, unguard_torch_norms
from netgraph.core.graph import NetGraph
from netgraph.core.layer_surgery import alone, is_lone_layer, rules_in_alone
from netgraph.train.lone_layer import as_trained_layer, with_layer_infos
from netgraph.core.information import all_arrays
from netgraph.core.net_arguments import compiled_module_hint, compiled_module_note
from netgraph.backend.initialize import net_initialize
from netgraph.core.user_frame import user_stacklevel
from netgraph.core.plain_numbers import plain_number

__all__ = ["net_train", "NetTrainResults", "TrainingError", "load_data"]

#: Every option of net_train with its default (Wolfram's option names in snake_case).
OPTIONS: dict[str, Any] = {
    "loss_function": None, "batch_size": None, "max_training_rounds": None, "max_training_time": None,
    "validation_set": None, "learning_rate": None, "method": "Adam", "learning_rate_multipliers": None,
    "target_device": "cpu", "random_seed": None, "training_stopping_criterion": None, "checkpoint": None,
    "resume": False, "progress": "auto", "progress_reporting": None, "log_dir": None, "all": False,
    "return_results": False, "distributed": False, "sync_batch_norm": True, "metrics": None, "num_workers": 0,
    "working_precision": None, "distributed_timeout": 600, "score_whole_batch": False,
}
#: The rounds of data without a length (an iterable of batches without ``__len__``) when none are asked for.
UNSIZED_ROUNDS = 10
#: Options whose Wolfram None (the string "None", as progress="None" reads it too) is Python's None: none of it.
WOLFRAM_NONE = ("validation_set", "checkpoint", "training_stopping_criterion", "progress_reporting")


def net_train(net: Any, data: Any, *more: Any, **options: Any) -> Any:
    """Train ``net`` on ``data``; the trained NetGraph (or a NetTrainResults with ``all=True``; a third argument, as
    Wolfram's NetTrain[net, data, prop], names the results' property to return: "All", "RoundLossList", a list...).
    A layer alone trains as the net of it alone and comes back as the trained layer (NetTrain[LinearLayer[], data]).

    Options (defaults in ``OPTIONS``): ``loss_function`` (None = automatic), ``batch_size`` (64),
    ``max_training_rounds`` (automatic: at least 10 rounds and 1000 batches, at most 10 000 rounds; 10 for data
    without a length, which the results' summary says; with ``max_training_time`` alone no round limit),
    ``max_training_time`` (seconds), ``validation_set`` (data, or a fraction of ``data`` to hold out; the returned
    net is the best-validation one), ``learning_rate``, ``method`` ('Adam', 'AdamW', 'SGD', 'RMSProp', or (name,
    {suboptions})), ``learning_rate_multipliers`` (0 freezes), ``target_device`` ('cpu', 'cuda'), ``random_seed``,
    ``training_stopping_criterion`` ('Loss', a patience, a dict or a function), ``checkpoint`` (a directory, or
    {'directory', 'interval', 'keep'}), ``resume`` (True: the newest checkpoint; or a path), ``progress`` ('auto',
    True, 'print', False or f(info)), ``progress_reporting='tensorboard'`` with ``log_dir`` (TensorBoard event
    files: losses, learning rate, the net's graph; see ``netgraph.train.tensorboard``),
    ``all``/``return_results``, ``distributed`` (inside torchrun; ``distributed_timeout``: seconds a process waits
    for the others), ``sync_batch_norm`` (True: batch norms use the whole batch's statistics), ``metrics`` (names
    or {port: names}; see ``netgraph.train.metrics``; one as ``training_stopping_criterion`` stops on it),
    ``num_workers`` (DataLoader worker processes reading image files in the encoded form, only those; see
    ``netgraph.train.encoded``), ``working_precision`` ('float32', 'float64' or 'mixed': bfloat16 autocast
    forwards; see ``netgraph.train.precision``), ``score_whole_batch`` (True: discrete draws scored by the batch's
    loss, for a loss where examples depend on each other's draws; default leave-one-out, see ``surrogate_loss``).
    """
    if is_lone_layer(net):  # Wolfram's NetTrain[LinearLayer[], data]: the net of the layer alone, the layer back
        if (rules := options.get("learning_rate_multipliers")) is not None:  # keys name the layer's arrays
            options = {**options, "learning_rate_multipliers": rules_in_alone(net, rules, "learning_rate_multipliers")}
        return as_trained_layer(net_train(alone(net), data, *more, **with_layer_infos(options, net)), net)
    if len(more) == 1 and (prop := result_property(more[0])) is not None:  # Wolfram's NetTrain[net, data, prop]
        return picked(net_train(net, data, **{**options, "all": True, "return_results": True}), prop)
    if more:  # Keras's fit(x, y), or torch's optimizer: the data is one argument here
        refuse_torch_optimizer(more[0])
        raise DataError(f"net_train takes the data as one argument, found {1 + len(more)} (net_train(net, x, y) as "
                        f"Keras's fit(x, y)?): give the pair net_train(net, (inputs, targets)) or a dict "
                        f"net_train(net, {{'Input': inputs, 'Target': targets}}); options are keywords",
                        kind="positional-data", expected=1, found=1 + len(more))
    o = _options(options, counted=isinstance(data, numbers.Integral) and not getattr(net, "input_ports", True))
    o["num_workers"] = given_workers(options)  # None: not given, the default applies (refuse_unused_workers)
    precision = parse_working_precision(o["working_precision"])
    # made: the checkpoint and log folders it creates, removed if it fails; float64: data, arrays, module, results
    with folders_made() as made, precision.training(), cpu_tensors():  # net state on the CPU whatever the default
        return _train(net, data, o, precision, made)


def _options(options: dict[str, Any], counted: bool = False) -> dict[str, Any]:
    """The options with their defaults, checked alone; ``counted``: the data is a count of examples (a net with no
    inputs), whose validation data may be a count too (an int validation_set, else refused)."""
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        k = unknown[0]
        if sub := suboption_hint(snake(k)):
            raise OptionError(f"net_train has no option {k!r}{sub}", option=k, kind="unknown-option",
                              expected=tuple(OPTIONS), found=k)
        hint = other_name_hint(k) or did_you_mean(snake(k), OPTIONS) or did_you_mean(k, OPTIONS)
        raise OptionError(f"net_train has no option {k!r}{hint}; options: {', '.join(OPTIONS)}", option=k,
                          kind="unknown-option", expected=tuple(OPTIONS), found=k)
    # Wolfram's options default to Automatic: that value is the option's default here; None is Python's None
    options = {k: _wolfram_word(k, v) for k, v in without_automatic(options).items()}
    for name in ("all", "return_results", "distributed", "sync_batch_norm", "score_whole_batch"):
        if name in options:
            true_or_false(options[name], name, "net_train")
    if "all" in options and "return_results" in options and bool(options["all"]) != bool(options["return_results"]):
        raise OptionError(f"net_train options all= and return_results= are the same option (return a "
                          f"NetTrainResults); found all={options['all']!r} and "
                          f"return_results={options['return_results']!r}: give one of them", option="all",
                          kind="option-combination", found=(options["all"], options["return_results"]))
    v = options.get("validation_set")
    if (number := plain_number(v)) is not v:  # a numpy number or 0-d array or tensor: a number, not data
        v = options["validation_set"] = number  # a 32-bit 0.3 is 0.3: ceil(0.30000001 * 10) would hold out 4 of 10
    refuse_scaled(v, f"validation_set={v!r}", "validation_set=", "validation_set")  # Wolfram's Scaled[0.1]
    if isinstance(v, numbers.Integral) and (isinstance(v, bool) or not counted):
        raise OptionError(f"validation_set takes a fraction of the data to hold out, strictly between 0 and 1 "
                          f"(e.g. 0.2), or validation data (a dict, a list of examples, a Dataset, ...; a count only "
                          f"for a net with no inputs given a count as data); found "
                          f"{type(v).__name__} {v!r}", option="validation_set", kind="option-value",
                          expected="a fraction > 0 and < 1, or validation data", found=v)
    if isinstance(v, numbers.Integral) and v < 1:  # a count of validation examples, for a net without inputs
        raise DataError(f"validation_set as a number of examples must be 1 or more, found {v}", option="validation_set",
                        kind="missing-data", expected="one example or more", found=int(v))
    if isinstance(v, numbers.Real) and not isinstance(v, (float, numbers.Integral)):  # numpy float32
        options = {**options, "validation_set": float(v)}
    check_paired_options(options, OPTIONS)
    return {**OPTIONS, **options}


def _wolfram_word(key: str, value: Any) -> Any:
    """Option ``key``'s ``value`` with Wolfram's "Automatic" as the option's default and "None" as None (for the
    options that take those words so), any other value as it is."""
    value = automatic_default(key, value, OPTIONS)
    return None if isinstance(value, str) and value == "None" and key in WOLFRAM_NONE else value


def _rounds(value: Any, max_time: float | None, per_round: int | None) -> int | float:
    """The rounds to run: the option's, else with max_training_time no limit (math.inf: the time decides), else
    at least 10 rounds and 1000 batches, at most 10 000 rounds; 10 for data without a length (``UNSIZED_ROUNDS``)."""
    if value is not None:
        return check_number(value, "max_training_rounds", integer=True)
    if max_time is not None:
        return math.inf
    return min(10_000, max(10, math.ceil(1000 / per_round))) if per_round else UNSIZED_ROUNDS


def _groups(net: Any, module: torch.nn.Module, spec: Any, lr: float) -> tuple[list[dict], dict[str, float]]:
    """(the optimizer's parameter groups, each array's rate): the buffers' too (a rule may name a moving mean alone,
    and the results list every array, as Information's "ArraysLearningRateMultipliers" does)."""
    params, buffers = dict(module.named_parameters()), [name for name, _ in array_buffers(module)]
    rates = resolve_multipliers(net, [*params, *buffers], spec)
    groups: dict[float, list] = {}
    by_module = all(not p.requires_grad for p in params.values())  # the modules' own requires_grad=False, no rule
    for name, p in params.items():
        if rates[name] == 0:
            p.requires_grad_(False)
        else:
            groups.setdefault(rates[name], []).append(p)
    if not groups:
        cause = "its module" if by_module else "learning_rate_multipliers or its module"
        why = f"every array is frozen by {cause} (requires_grad=False)" if params else "the net has no arrays"
        if params and (moving := [name for name in buffers if rates[name] and lr]):
            why = (f"every parameter is frozen by {cause} (requires_grad=False); moving statistics alone "
                   f"({', '.join(moving)}) are no training: freeze them too (rate 0) or let a parameter train")
        raise OptionError(f"nothing to train: {why}", kind="nothing-to-train", expected="a trainable array",
                          found=len(params), option="learning_rate_multipliers" if params and not by_module else None)
    return [{"params": ps, "lr": lr * r} for r, ps in groups.items()], rates


def _train(net: Any, data: Any, o: dict[str, Any], precision: WorkingPrecision, made: list[Path]) -> Any:
    if not isinstance(net, NetGraph):
        raise OptionError(f"net_train needs {NETS}; found {type(net).__name__}{compiled_module_note(net)}",
                          kind="not-a-net", expected=NETS, found=type_label(net), hint=compiled_module_hint(net))
    run = run_options(o, precision, made)
    paths = data, o["validation_set"]  # a file's or folder's path named where a value the cast made 0 is refused
    net, data, loss, drawn = _net_and_loss(net, data, o, run.seed)
    workers, ctx = o["num_workers"], setup(bool(o["distributed"]), run.device, o["distributed_timeout"])
    trainer, log, loaders = None, None, []
    folder = contextlib.ExitStack()  # the checkpoint folder, held by this run (folder_held)
    try:
        if run.checkpoint is not None and ctx.main:  # a new run's folder checked again, once held
            folder.enter_context(folder_held(run.checkpoint["directory"],
                                           refuse_occupied if run.resume is None else lambda _: None))
        # rank 0 reads the later files, every process refuses them
        if run.resume is not None and run.checkpoint is not None:
            refuse_newer(run.checkpoint["directory"], *run.resume, ctx=ctx)
        seed = ctx.broadcast(drawn)  # one seed holds out the examples of every kind of data, on every process
        train, validation, module, meter, stopping = _data_and_module(net, data, o, loss, run, seed, workers,
                                                                      loaders)
        _warn_unwatched(o, run, stopping, validation, ctx)
        module.to(ctx.device)
        groups, rates = _groups(net, module, o["learning_rate_multipliers"], run.method.learning_rate)
        held = hold_frozen_buffers(module, rates if run.method.learning_rate else dict.fromkeys(rates, 0.0))
        plan = _plan(o, run, train, seed, stopping, precision, ctx)
        plan.meter = meter.to(ctx.device) if meter is not None else None
        plan.held_out = held_fraction(o["validation_set"])
        plan.given, plan.validation_given = given_examples(data, o["validation_set"], paths, net.input_ports, train,
                                                           validation)  # read for a value the cast made 0
        plan.batch_stats = share_batch_statistics(module, ctx) if o["sync_batch_norm"] else None
        guards = guard_torch_norms(net, module, getattr(train, "size", None))  # torch's own on one example per channel
        if run.log_dir is not None:  # rank 0 writes it; its errors stop every process (Trainer.log)
            plan.log = log = ctx.together(lambda: TensorBoardLog(run.log_dir) if ctx.main else None,
                                          "opening the TensorBoard log")
            plan.logged = True
        trainer = Trainer(net, module, loss.to(ctx.device), train.to(ctx.device),
                          validation.to(ctx.device) if validation is not None else None, plan, ctx, groups)
        reason = trainer.run()  # torch's random state left as it was: the run draws from its own (Trainer.random)
        warn_past_the_limit(trainer, reason)  # a mid-round checkpoint already past this run's limit
        log = None  # closed here, where its last events are written (or by `finally` on an error's way out)
        _after_run(trainer, held, guards)
        return _results(net, module, trainer, reason, run.method, rates, loss, o, precision.dtype)
    except RuntimeError as exc:
        ctx.refuse_timeout(exc)  # gloo's timeout, as distributed_timeout's error
        ctx.refuse_lost_peer(exc)  # another process failed and left
        raise
    finally:
        folder.close()
        if log is not None:
            log.close()
        for loader in loaders:  # netgraph's own, whose workers stay from round to round; a user's persistent one
            end_kept_workers(loader)
        if trainer is not None:
            trainer.model = None  # DDP's reducer holds the process group: release it before the group goes
        ctx.close(together=sys.exc_info()[0] is None)  # an error or Ctrl-C on its way: leave without a barrier


def _net_and_loss(net: NetGraph, data: Any, o: dict[str, Any], seed: int | None) -> tuple[NetGraph, Any, Any, int]:
    """(the net with the data's shapes and arrays, the data, the loss, the seed drawn where none was given)."""
    data, o["validation_set"] = from_disk(data, TRAINING, net), from_disk(o["validation_set"], VALIDATION, net)
    for given, what in ((data, TRAINING), (o["validation_set"], VALIDATION)):
        refuse_fixed_lengths(net, given, what)
    net = with_data_shapes(net, data)  # input shapes the net left unknown, as Wolfram's NetTrain reads them
    loss = attach_losses(net, o["loss_function"])
    if all(s.weight == 0 and s.start == 0 for s in loss.schedules):  # {"a": 0, "b": 0}: a loss of 0 at every step
        raise OptionError("nothing to train: every term of loss_function has weight 0, so the loss is 0 at every step "
                          "and no array would move; give a term a weight above 0", kind="nothing-to-train",
                          option="loss_function", expected="a weight above 0", found=0)
    drawn = drawn_seed() if seed is None else seed  # rank 0's is broadcast (_train)
    if any(v is None for v in all_arrays(net).values()):
        net = net_initialize(net, seed=drawn)  # unseeded: from torch's RNG too (DDP gives every rank rank 0's arrays)
    return net, data, loss, drawn


def _data_and_module(net: NetGraph, data: Any, o: dict[str, Any], loss: Any, run: RunOptions, seed: int,
                     workers: int | None, loaders: list) -> tuple[Any, Any, torch.nn.Module, Any, Any]:
    """(the training data, the validation data or None, the compiled module, the metrics' meter, the stopping);
    ``loaders`` gets the training and validation data, whose loaders' workers the run ends (``end_kept_workers``)."""
    ports = (net.input_ports, net.output_ports)  # how a pair (inputs, targets) is read
    batch_size = run.batch_size
    data, o["validation_set"] = encoded_data(net, data, o["validation_set"], batch_size,
                                             OPTIONS["num_workers"] if workers is None else workers, seed)
    refuse_unused_workers(workers, data, o["validation_set"])
    loaders.extend((data, o["validation_set"]))
    raw = gather(data, TRAINING if held_fraction(o["validation_set"]) is None else GIVEN, ports, batch_size)  # split
    if isinstance(raw, Streamed) and raw.own_batches:  # a user's loader: its own batch size
        refuse_other_batch_size(raw.batch_size(batch_size), o["batch_size"], raw.loader,
                                single_example_shape(raw.first, {p: net.port_types[p] for p in net.input_ports}))
    expect = {p: input_expect(net, p) for p in net.input_ports}
    expect.update(loss.targets(sample(raw)))
    meter, stopping = training_meter(net, loss, run.metrics, run.stopping, expect, sample(raw))
    refuse_unread_target(net, o["loss_function"], expect, sample(raw), loss.allow_extra)  # a metric's target is read
    module = net.compile()
    raw, module = padded_training(net, raw, module, expect)  # ragged data: padded batches where the net allows
    train_raw, validation = training_and_validation(o["validation_set"], raw, expect, loss.allow_extra, seed, ports,
                                                    batch_size)
    train = finish(train_raw, expect, loss.allow_extra, TRAINING)
    held_out = validation_name(o["validation_set"])
    check_data_lengths(net, train, TRAINING)  # as net(x) would at the first step; a loader's ranges each batch
    check_data_lengths(net, validation, held_out)
    in_order(validation)  # its sequences batched as net_measurements batches them
    return train, validation, module, meter, stopping


def _warn_unwatched(o: dict[str, Any], run: RunOptions, stopping: Any, validation: Any, ctx: Any) -> None:
    """Warn (once, on rank 0) of resume=True finding nothing, and of stopping that watches the training data."""
    if o["resume"] is True and run.resume is None and ctx.main:  # once, not by every process
        folder = str(run.checkpoint["directory"])  # type: ignore[index]
        warnings.warn(NothingToResume(folder), stacklevel=user_stacklevel())
    if stopping is not None and validation is None and not callable(stopping.criterion) and ctx.main:
        watched = f"training {stopping.metric}" if stopping.metric else "training loss"
        warnings.warn(TrainingDataStopping(watched), stacklevel=user_stacklevel())


def _plan(o: dict[str, Any], run: RunOptions, train: Any, seed: int, stopping: Any, precision: WorkingPrecision,
          ctx: Any) -> Plan:
    """The loop's plan: its rounds follow the batches each round takes."""
    per_round = train.batches_per_round(run.batch_size)
    if isinstance(train, Streamed) and train.own_batches:  # each process its own loader: the steps they take
        per_round = ctx.most(per_round)  # together, so that all schedule the same learning rates and rounds
    unsized = o["max_training_rounds"] is None and run.max_time is None and not per_round
    return Plan(run.batch_size, _rounds(o["max_training_rounds"], run.max_time, per_round), run.max_time, seed,
                run.method, stopping, run.progress, run.checkpoint, run.resume, per_round, mixed=precision.mixed,
                seed_text=run.seed_text, unsized_default_rounds=unsized, score_whole_batch=o["score_whole_batch"])


def _after_run(trainer: Trainer, held: Any, guards: Any) -> None:
    """Close the TensorBoard log and give the module back its own arrays and batch norms."""
    trainer.log(lambda writer: writer.close(), "closing the TensorBoard log")
    release(held)
    stop_sharing(trainer.module)  # the trained net's torch batch norms: their own forward again
    unguard_torch_norms(guards)


def _best_round(s: Any) -> int | None:
    """The round whose net came back: the best validated one, else (every round warming up, or every validation loss
    or watched metric NaN: none compared) the last, whose net is returned then; None without validation."""
    return (s.best_round or s.rounds) if s.validation_losses else None


def _results(net: Any, module: torch.nn.Module, trainer: Trainer, reason: str, method: Any,
             rates: dict[str, float], loss: Any, o: dict[str, Any], dtype: torch.dtype | None) -> Any:
    module.to("cpu")
    training_net = module.to_net(dtype)  # a working_precision given: the arrays as trained, in it
    trained_net = training_net
    if trainer.best_state is not None:
        module.load_state_dict({k: v.cpu() for k, v in trainer.best_state.items()})
        trained_net = module.to_net(dtype)
    if not (o["all"] or o["return_results"]):
        return trained_net
    s = trainer.state
    return NetTrainResults(
        trained_net=trained_net, training_net=training_net, round_losses=list(s.round_losses),
        batch_losses=list(s.batch_losses), validation_losses=list(s.validation_losses),
        best_validation_round=_best_round(s), total_rounds=s.rounds,
        total_batches=s.batches, batch_size=_batch_size(trainer), examples_processed=s.examples,
        total_training_time=s.elapsed, reason_training_stopped=reason, optimization_method=method.name,
        initial_learning_rate=method.learning_rate, final_learning_rate=trainer.learning_rate,
        checkpointing_files=_checkpoint_files(trainer),
        learning_rate_multipliers=rates, loss_function=loss.describe(),
        term_losses={k: list(v) for k, v in s.term_round_losses.items()},
        loss_weights={k: list(v) for k, v in s.term_weights.items()},
        round_metrics={k: list(v) for k, v in s.round_metrics.items()},
        validation_metrics={k: list(v) for k, v in s.validation_metrics.items()},
        target_device=str(trainer.ctx.device), measured_metrics=measured_labels(trainer.plan.meter),
        unsized_default_rounds=trainer.plan.unsized_default_rounds)


def _batch_size(trainer: Trainer) -> int:
    """Wolfram's effective BatchSize: a loader's own, else batch_size=."""
    train = trainer.train
    return train.batch_size(trainer.plan.batch_size) if isinstance(train, Streamed) else trainer.plan.batch_size


def _checkpoint_files(trainer: Trainer) -> list[str]:
    """The checkpoint files on disk when this process wrote any: those of the rounds a resumed run took over too
    (a folder holds one run's files: a new run refuses one with others), not those keep= removed."""
    if not trainer.files:
        return []
    return [str(f) for f in checkpoints(trainer.plan.checkpoint["directory"])]  # type: ignore[index]

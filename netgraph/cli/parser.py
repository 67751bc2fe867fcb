"""The argument parser of every ``netgraph`` command; handlers are named as ``"module:function"``
strings (modules of ``netgraph.cli``) so that ``--help`` imports neither torch nor the pipeline."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable
from itertools import takewhile

from netgraph import __version__
from netgraph.core.errors import did_you_mean  # no torch: the limits and errors only
from netgraph.core.limits import Limits

__all__ = ["build_parser"]


def _run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="load a spec, print one evaluation (a draw) and write its diagram",
                       description="Load a spec, print its ports and shapes, evaluate it once on a random example "
                                   "(a batch of 1; a net without inputs: one draw) and write its diagram.")
    p.add_argument("spec", help="a YAML spec, e.g. specs/normal_reparameterization.yaml, or an .onnx model")
    p.add_argument("-o", "--output", help="where to write the diagram (.svg, .png, .pdf, .dot or .gv; default: "
                                          "<spec name>.svg here)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the initialisation of empty arrays (as train --seed does), then the example "
                        "inputs and random draws (default 0)")
    p.add_argument("--full", action="store_true",
                   help="print every value of each output (default: an output of more than 64 values is "
                        "summarised: its shape, dtype, first values, min, max and mean)")
    p.set_defaults(handler="run:run")


def _depth(text: str) -> int:
    """``--depth``: a whole number >= 0 (argparse names the flag when this raises)."""
    try:
        depth = int(text)
    except ValueError:
        depth = -1
    if depth < 0:
        raise argparse.ArgumentTypeError(f"expected a number of levels >= 0, found {text!r}")
    return depth


def _render(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="write a spec's diagram (SVG, PNG, PDF or DOT)",
                       description="Write the diagram of a net spec: layers with named ports, "
                                   "edges labelled with shapes (batch as b).")
    p.add_argument("spec", help="a YAML spec, e.g. specs/normal_reparameterization.yaml, or an .onnx model")
    p.add_argument("-o", "--output",
                   help="the file to write (.svg, .png, .pdf, .dot or .gv); default <spec name>.svg here (with "
                        "-f, <spec name>.FORMAT)")
    p.add_argument("-f", "--format", help="svg, png, pdf, dot or gv (default: from the output suffix)")
    p.add_argument("--rankdir", default="TB", choices=("TB", "LR", "BT", "RL"), help="flow direction (default TB)")
    p.add_argument("--depth", type=_depth, default=None,
                   help="levels of nested graphs to expand, 0 or more (default: all, up to 32)")
    p.add_argument("--compact", default="auto", choices=("auto", "yes", "no"),
                   help="shorten labels (default auto: above 60 layers)")
    p.add_argument("--backend", choices=("dot", "graphviz-pure", "builtin"),
                   help="layout engine for svg, png, pdf (default: first available); dot text takes none")
    p.set_defaults(handler="render:render")


def _check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate specs: list every problem as file:line:col, or summarise",
                       description="Validate specs: one line per valid spec (its ports, layers and parameters); "
                                   "for a spec with problems, every problem as file:line:col (exit status 1).")
    p.add_argument("specs", nargs="+", help="YAML spec files or .onnx models; a folder: each .yaml and .yml file in "
                                            "it, sorted")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default): each spec's summary, or its problems as file:line:col lines on stderr; "
                        "json: every problem as a JSON list on stdout (file, line, column, message, kind, layer, "
                        "port, option, expected, found, hint), for editors")
    p.set_defaults(handler="check:check")
    p = sub.add_parser("summary", help="print a table of each spec's layers, port shapes and parameter counts",
                       description="Print a table of each spec's layers: type, input and output port shapes, "
                                   "parameter counts.")
    p.add_argument("specs", nargs="+", help="YAML spec files or .onnx models; a folder: each .yaml and .yml file in "
                                            "it, sorted")
    p.set_defaults(handler="check:summary")
    p = sub.add_parser("schema", help="print the JSON Schema of spec files (for editor completion)",
                       description="Print (or write) the JSON Schema of spec files, made from the installed layer "
                                   "and distribution types, for an editor's completion and checks.")
    p.add_argument("-o", "--output", help="write it to this file (default: print it)")
    p.set_defaults(handler="check:schema")


# -- the flags train and measure both take, each defined once (``more``: a command's own words in its help) -----
def _data_flag(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--data", required=True, help=f"{what}: .npz or .safetensors (keys = ports and targets), or for a "
                   f"net with encoders a folder of images in label sub-folders or a .csv/.jsonl of text, label")


def _workers_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int,
                   help="num_workers: DataLoader processes reading image files (a folder, a table of "
                        "image paths); default 0: in this process")


def _batch_size_flag(p: argparse.ArgumentParser, more: str = "") -> None:
    p.add_argument("--batch-size", type=int, help=f"examples per batch (default 64{more})")


def _device_flags(p: argparse.ArgumentParser, more: str = "") -> None:
    """--device and --precision."""
    p.add_argument("--device", help="cpu (default) or cuda")
    p.add_argument("--precision", help=f"working precision: float32 (default), float64, or mixed{more}")


def _train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a spec on data (.npz or .safetensors) and save the trained net",
                       description="Train a net (NetTrain) and write the trained spec and weights, the loss "
                                   "plot (loss.svg) and results.json to the output directory.")
    p.add_argument("spec", help="a YAML spec, or an .onnx model (imported; the trained net is written as a spec)")
    _data_flag(p, "training data")
    _workers_flag(p)
    p.add_argument("-o", "--output", default="trained", help="output directory (default: trained/)")
    _batch_size_flag(p)
    p.add_argument("--rounds", type=int, help="max_training_rounds (epochs; default: automatic, at least 10 rounds and "
                                                   "1000 batches, or as --time allows)")
    p.add_argument("--time", type=float, help="max_training_time in seconds (default: no limit)")
    p.add_argument("--learning-rate", type=float,
                   help="the initial learning rate (default: the method's, 0.001; SGD's 0.01)")
    p.add_argument("--method", help="Adam (default), AdamW, SGD or RMSProp")
    p.add_argument("--momentum", type=float, help="the method's momentum (SGD, RMSProp; default 0)")
    p.add_argument("--epsilon", type=float, help="the method's epsilon (Adam, AdamW, RMSProp; default 1e-8)")
    p.add_argument("--validation", help="a fraction to hold out (e.g. 0.1) or a validation data file (default: none)")
    p.add_argument("--patience", type=int,
                   help="stop early after this many rounds without improvement (default: no early stopping)")
    p.add_argument("--seed", type=int,
                   help="seeds the initialisation of empty arrays (as run --seed does), shuffling and random draws "
                        "(default 0; with --resume, the run's own)")
    _device_flags(p, " (bfloat16 forwards, float32 arrays)")
    p.add_argument("--checkpoint", help="checkpoint directory (default with --resume: OUTPUT/checkpoints)")
    p.add_argument("--checkpoint-interval", type=int, metavar="N",
                   help="write a checkpoint every N rounds, and after the last (default 1)")
    p.add_argument("--checkpoint-keep", type=int, metavar="N", help="keep the newest N checkpoints (default 3)")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    p.add_argument("--loss", help="an output port to use as the loss (default: automatic losses), a loss layer "
                                  "(MeanAbsoluteLossLayer) for the output, or weighted terms "
                                  "as a YAML mapping, inline or a .yaml file: "
                                  "'{Reconstruction: 1, KL: {weight: 1, warmup: 10}}'")
    p.add_argument("--metrics", help="metrics per round, comma-separated, optionally per output port: "
                                     "'Accuracy,F1' or 'Output:Accuracy,Output:F1' (needs torchmetrics; default: none)")
    p.add_argument("--stop-on", metavar="METRIC",
                   help="stop when this metric (e.g. Accuracy) stops improving, not the loss: after --patience "
                        "rounds without improvement (default: at the first)")
    p.add_argument("--nproc", type=int, default=1, help="train in N processes (torchrun, DDP; gloo on CPU; default 1)")
    p.add_argument("--no-sync-batch-norm", dest="sync_batch_norm", action="store_false", default=None,
                   help="with --nproc: each process's BatchNormalizationLayer normalises by its own slice of the batch "
                        "(faster; default: by the whole batch's statistics, as one process)")
    p.add_argument("--score-whole-batch", action="store_true",
                   help="score discrete random draws by the whole batch's loss (for losses where examples depend on "
                        "each other's draws; default: each example's draws by its own loss, leave-one-out)")
    p.add_argument("--distributed-timeout", type=float, metavar="SECONDS",
                   help="with --nproc: how long a process waits for the others before it fails (default 600)")
    p.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress bar nor round lines")
    p.add_argument("--tensorboard", metavar="DIR",
                   help="also log losses, learning rate and the net's graph for TensorBoard to DIR "
                        "(needs pip install torch-netgraph[tensorboard]; default: no logging)")
    p.set_defaults(handler="train:train")


def _measure(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("measure", help="print a trained net's loss and metrics on test data (NetMeasurements)",
                       description="Measure a trained net on data as net_train's validation does (eval mode): one "
                                   "'name value' line per measurement.")
    p.add_argument("spec", help="a trained net: a YAML spec with its arrays (as netgraph train writes it), or an "
                                ".onnx model")
    _data_flag(p, "test data")
    p.add_argument("--measure", default="Loss", help="comma-separated: 'Loss,Accuracy,F1', a metric on one output "
                                                     "port as 'Output:Accuracy' (default: Loss; metrics need "
                                                     "torchmetrics)")
    p.add_argument("--loss", help="the loss, as train --loss takes it (default: automatic losses)")
    _batch_size_flag(p, "; the values do not depend on it")
    p.add_argument("--seed", type=int, default=0, help="seeds random layers' draws (default 0)")
    _device_flags(p)
    _workers_flag(p)
    p.set_defaults(handler="measure:measure")


def _version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"netgraph {__version__}",
                        help="print the version and exit")


def _export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a spec as an ONNX model (pip install torch-netgraph[onnx])",
                       description="Export a net to ONNX: graph ports become the model's input and output names, "
                                   "the batch dim (and any variable dim) is dynamic. Missing arrays are "
                                   "initialised with --seed.")
    p.add_argument("spec", help="a YAML spec (or an .onnx model, re-exported)")
    p.add_argument("-o", "--output", help="the .onnx file to write (default: <spec name>.onnx here)")
    p.add_argument("--opset", type=int, help="ONNX opset version (default: torch's)")
    p.add_argument("--seed", type=int, default=0, help="random seed for arrays without values (default 0)")
    p.set_defaults(handler="export:export")


#: Flags as other tools' scripts spell them (Keras, Lightning, torch examples; ``_`` read as ``-``) -> the netgraph flag
#: that does the same, suggested where the command has it (nearest spelling told --epochs '--nproc', --lr '--loss').
_OTHER_TOOLS_FLAGS = {
    **dict.fromkeys(("--epochs", "--max-epochs", "--num-epochs", "--n-epochs", "--max-rounds",
                     "--max-training-rounds"), "--rounds"),
    **dict.fromkeys(("--lr", "--learning-rate"), "--learning-rate"),
    **dict.fromkeys(("--optimizer", "--optim"), "--method"),
    **dict.fromkeys(("--val", "--val-split", "--validation-split", "--validation-data", "--validation-set"),
                    "--validation"),
    **dict.fromkeys(("--max-time", "--time-goal", "--max-training-time"), "--time"),
    **dict.fromkeys(("--early-stopping", "--early-stop"), "--patience"),
    **dict.fromkeys(("--log-dir", "--logdir", "--tensorboard-dir"), "--tensorboard"),
    **dict.fromkeys(("--bs", "--batch-size"), "--batch-size"),
    **dict.fromkeys(("--num-workers",), "--workers"), **dict.fromkeys(("--random-seed",), "--seed"),
    **dict.fromkeys(("--target-device", "--accelerator"), "--device"),
    **dict.fromkeys(("--working-precision",), "--precision"),
    **dict.fromkeys(("--loss-function", "--criterion"), "--loss"),
    **dict.fromkeys(("--metrics",), "--measure"),
    **dict.fromkeys(("--output-dir", "--out", "--save-dir"), "--output")}


def _flag_meant(flag: str, flags: Iterable[str]) -> str:
    """The ' (did you mean ...?)' suffix for an unknown ``flag``: another tool's name for one of ``flags``, else the
    nearest in spelling."""
    flags = list(flags)
    theirs = _OTHER_TOOLS_FLAGS.get(flag.replace("_", "-").lower()) if flag.startswith("--") else None
    return f" (did you mean {theirs!r}?)" if theirs in flags else did_you_mean(flag, flags)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that arguments no flag takes are reported by their command (``netgraph train:
    error: ...``, with its usage, which lists its flags) with the nearest flag, not by ``netgraph`` itself; and
    that flags are typed whole (every command's parser is one: ``add_parser`` makes its parent's class)."""

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003 - argparse's signature
        kwargs.setdefault("allow_abbrev", False)  # --roun as --rounds would change meaning when a flag is added
        super().__init__(*args, **kwargs)

    def _check_value(self, action, value):  # noqa: ANN001, ANN202 - argparse's signature
        """A value outside a command's or flag's choices names the nearest one (`netgraph trian`: 'train')."""
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(repr, action.choices))
            raise argparse.ArgumentError(action, f"invalid choice: {value!r}{did_you_mean(str(value), action.choices)}"
                                                 f" (choose from {choices})")

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        self._typed = list(sys.argv[1:] if args is None else args)  # for error(): argparse keeps no copy
        return super().parse_known_args(args, namespace)

    def error(self, message: str):  # noqa: ANN201 - argparse's signature (it exits)
        """A missing argument beside a flag the command does not take (`train s.yaml --dta d.npz`) names that flag,
        the likelier mistake, with the flag meant: argparse told only the missing one (`required: --data`)."""
        typed = (a.partition("=")[0] for a in takewhile("--".__ne__, getattr(self, "_typed", ())) if a.startswith("--"))
        unknown = next((flag for flag in typed if flag not in self._option_string_actions), None)
        if unknown and message.startswith("the following arguments are required"):
            message = f"unrecognized arguments: {unknown}{_flag_meant(unknown, self._option_string_actions)}; {message}"
        super().error(message)

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            commands = next(a for a in self._actions if isinstance(a, argparse._SubParsersAction)).choices
            command = commands[parsed.command]
            flag = next((a.partition("=")[0] for a in extra if a.startswith("-")), None)
            hint = _flag_meant(flag, command._option_string_actions) if flag else ""
            command.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
        return parsed


#: commands that read no spec, so take none of the spec-reading flags (--limit, --base-dir, --allow-outside)
SPECLESS_COMMANDS = frozenset({"schema"})


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="netgraph", description="Mathematica-style NetGraph DSL for PyTorch",
                     epilog="'netgraph COMMAND --help' lists a command's flags, e.g. netgraph train --help")
    _version(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_run, _render, _check, _train, _measure, _export):
        add(sub)
    names = ", ".join(field.name for field in dataclasses.fields(Limits))
    for name, command in sub.choices.items():
        if name in SPECLESS_COMMANDS:  # no spec read: the flags are left out of its help, their defaults kept
            command.set_defaults(limit=[], base_dir=None, allow_outside=False)
            continue
        command.add_argument("--limit", action="append", default=[], metavar="NAME=N",
                             help=f"raise a size limit (default: netgraph.limits()'s), e.g. "
                                  f"--limit yaml_bytes=100000000 "
                                  f"(names: {names})")
        command.add_argument("--base-dir", metavar="DIR", help="let 'file:' references read specs anywhere under DIR "
                             "too (by default only inside the referring spec's folder)")
        command.add_argument("--allow-outside", action="store_true", help="let 'file:' references read any spec file")
    return parser

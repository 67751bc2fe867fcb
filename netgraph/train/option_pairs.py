"""net_train's options that mean something only with another, or with some data: given without it, an OptionError
naming both, or a warning where the value given is the default (``refuse_unused``, as for every such pair: log_dir
with progress_reporting, the command line's --checkpoint-interval with --checkpoint)."""

from __future__ import annotations

from typing import Any

from netgraph.core.option_checks import refuse_unused
from netgraph.train.distributed import LONGEST_TIMEOUT
from netgraph.train.encoded_loader import EncodedLoader
from netgraph.train.options import check_number

__all__ = ["check_paired_options", "given_workers", "refuse_unused_workers"]


def check_paired_options(options: dict[str, Any], defaults: dict[str, Any]) -> None:
    """The value of net_train's ``options`` distributed_timeout (``options`` gets the number), then
    distributed_timeout and sync_batch_norm given without distributed=True, where they have no effect:
    ``refuse_unused`` (their ``defaults``, or with distributed=False given, a value for a run with distributed=True:
    a warning). num_workers: ``given_workers``, checked against the data once it is read (``refuse_unused_workers``)."""
    given = dict(options)
    if "distributed_timeout" in options:
        options["distributed_timeout"] = check_number(options["distributed_timeout"], "distributed_timeout",
                                                      maximum=LONGEST_TIMEOUT, unit=" seconds")
    if options.get("distributed", False):
        return
    why = {"distributed_timeout": "how long each process of several waits for the others",
           "sync_batch_norm": "whether batch norms share the statistics of several processes"}
    for name in (k for k in why if k in options):
        refuse_unused(name, f"{name}={given[name]!r}", given[name], "distributed=True", why[name],
                      default=options[name] == defaults[name], other_run="distributed" in options)


def given_workers(options: dict[str, Any]) -> int | None:
    """``options``' num_workers checked (an integer >= 0), None where it is not given (the default, 0, applies;
    Wolfram's "Automatic" is the default, not given)."""
    value = options.get("num_workers", "Automatic")
    return None if isinstance(value, str) and value == "Automatic" else \
        check_number(value, "num_workers", integer=True, strict=False)


def refuse_unused_workers(workers: int | None, data: Any, validation: Any) -> None:
    """num_workers (None: not given) given where no data is read by worker processes (image files in the encoded
    form: ``EncodedLoader``): ``refuse_unused`` (0, the default, a warning)."""
    if workers is not None and not any(isinstance(d, EncodedLoader) for d in (data, validation)):
        refuse_unused("num_workers", f"num_workers={workers!r}", workers, "image files as data",
                      "worker processes read and encode image files; this data is read in this process",
                      default=workers == 0)

"""Training data for net_train: the accepted forms, one up-front check against the ports, batching.

Data is a dict of key -> array (every value holds the same number of examples along its first dim), a list of such
dicts without the example dim (one per example), a pair ``(inputs, targets)`` for a net with one input, a ``Dataset``
of example dicts, or any iterable of batch dicts such as a ``DataLoader``; lists of sequences of different lengths go
to ``netgraph.train.buckets``. Keys are the net's input ports plus the loss targets (``netgraph.train.loss``). All is
checked before any training step: every problem (missing or unknown keys, shapes, dtypes, shared lengths, example
counts, class indices, NaN, infinite targets) comes back as one DataError naming the key and the expected shape
(``netgraph.train.data_columns``).
"""

from __future__ import annotations

import itertools
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy
import torch

from netgraph.core.errors import DataError, with_article
from netgraph.core.limits import current_limits, raise_hint
from netgraph.core.torch_state import generator_kept
from netgraph.core.wording import counted, type_label
from netgraph.train.data_sets import data_error, part_of, ref
from netgraph.train.buckets import LengthBuckets, has_ragged, process_share, seeded
from netgraph.train.data_columns import EXAMPLES, Expect, check_columns, columns_from
from netgraph.train.data_pairs import (dict_pair_problem, is_dict_pair, is_pair_of_values, lone_target_key,
                                      pair_columns, pair_dict, pair_problem, tuples_advice)
from netgraph.train.data_checks import non_finite_data
from netgraph.train.given_examples import underflowed
from netgraph.train.datasets import checked_dataset, checked_loader, forget_reads, keeping_reads, reads_kept_by
from netgraph.train.in_memory import PASSED_OVER, InMemory
from netgraph.train.loader_random import let_workers_go, loader_random_state, pass_ended_on_error
from netgraph.train.worker_errors import worker_errors_unwrapped
from netgraph.train.padded_columns import (as_sequences, refuse_listed_sequences, sample_of, stacked_examples,
                                           unpadded)

__all__ = ["Expect", "Columns", "InMemory", "Streamed", "batch_part", "columns_from", "check_columns", "gather",
           "sample", "finish", "non_finite_data"]

#: The data forms net_train reads in memory (the "expected" of a "data-form" Diagnostic; loaders besides).
FORMS = "a dict of port -> array, a list of example dicts or a pair (inputs, targets)"

#: How a check before training names the batch it drew where that is not the run's batch 1 (a shuffling loader's).
FIRST_DRAWN = "a first batch drawn to check the data before training"


def batch_part(index: int | str, numbers: list[int] | None = None) -> str:
    """The words for a checked batch: 'batch 3' (its number in the round), or ``index`` itself (``FIRST_DRAWN``);
    with '; examples by their index in the Dataset' where its examples' ``numbers`` are known."""
    part = f"batch {index}" if isinstance(index, int) else index
    return part if numbers is None else f"{part}; examples by their index in the Dataset"


class Columns(dict):
    """In-memory columns as ``gather`` found them, unchecked; ``listed``: they came as a list of example dicts (the
    form the data came in, which the checks' hints read); ``numbers``: each example's index in the data given, where
    these are a part of it split before (encoded data, ``validation_set=<fraction>``)."""

    def __init__(self, cols: Mapping[str, torch.Tensor], listed: bool = False, numbers: list[int] | None = None):
        super().__init__(cols)
        self.listed, self.numbers = listed, numbers


class Streamed:
    """Data from an iterable of batch dicts (a DataLoader); each batch is checked as it arrives."""

    def __init__(self, loader: Iterable, what: str, ports: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())):
        self.loader, self.what, self.ports = loader, what, ports
        self.expect: Mapping[str, Expect] = {}
        self.allow_extra, self.device, self.passes = True, None, 0
        self.round_start_random: list[torch.Tensor] | None = None  # the loader's generators' as the round began
        # more checks of every batch: (columns, batch index or its words, the examples' indices in a Dataset)
        self.batch_checks: list[Callable[[dict[str, torch.Tensor], int | str, Any], None]] = []
        self.read_labels: Callable[[Mapping, Any], Mapping] | None = None  # bool labels (``read_streamed_labels``)
        self.last_given: tuple[Mapping, dict, list[int] | None] | None = None  # the last batch: as given, as cast
        dataset = getattr(loader, "dataset", None)
        self.size = len(dataset) if dataset is not None and hasattr(dataset, "__len__") else None
        # a shuffling loader's draws: torch's generator (another run's, loaded) left as found; a Dataset's items
        with generator_kept(), keeping_reads(reads_kept_by(loader)), worker_errors_unwrapped(), \
                warnings.catch_warnings(record=True) as drawn:  # kept to train on, not read again; an EncodedLoader
            iterator = iter(getattr(loader, "in_this_process", lambda: loader)())  # reads here, a user's starts its
            first = next(iterator, None)  # workers, seeded from the caller's generator: they serve this read alone
            self.first_raw = self._as_dict(first)
        # persistent workers go with this read (each pass lets them go anyway, so results do not change): a run
        # refused before its first pass leaves none running in the caller's loader
        let_workers_go(loader)
        self.first_form = "a pair (inputs, targets)" if first is not self.first_raw else "a dict of port -> tensor"
        if isinstance(self.first_raw, Mapping):  # collate's warnings (a read-only numpy array's) only for a batch used
            for caught in drawn:
                warnings.warn_explicit(caught.message, caught.category, caught.filename, caught.lineno)
        self.one_shot = iterator is loader  # a generator or iterator: it gives its batches once
        self.rest = iterator if self.one_shot else None  # a one-shot iterable: round 1 goes on from here
        if self.first_raw is None:
            raise data_error(what, _no_batch(loader, self.one_shot), kind="missing-data", expected="one batch or more",
                             found=0)
        if not isinstance(self.first_raw, Mapping):
            raise data_error(what, self._not_dicts(),
                             kind="data-form", expected="dicts of port -> tensor", found=type_label(self.first_raw))
        refuse_listed_sequences(self.first_raw, what)
        self.first = columns_from(sample_of(stacked_examples(self.first_raw), what), what)

    def _as_dict(self, batch: Any) -> Any:
        """A batch of (inputs, targets) pairs (collated as a list of two) read as the dict by port, for a net with
        one input and one output, as a list of (input, target) pairs and a Dataset of them are read; else as it is."""
        if is_dict_pair(batch, (list, tuple)):  # Keras's fit(dict, y), collated
            raise data_error(self.what, dict_pair_problem(batch), kind="data-form", expected="dicts of port -> tensor",
                             found="a pair (dict, targets)")
        inputs, outputs = self.ports
        if len(inputs) == 1 and len(outputs) == 1:
            return pair_dict(batch, (inputs[0], lone_target_key(inputs, outputs[0])), (list, tuple))
        return batch

    def _not_dicts(self) -> str:
        """Why the first batch is refused: it is no dict, in the words of what the user gave (a Dataset, which
        net_train batches itself, or a loader), with the dict by the net's ports to give instead."""
        dataset = checked_dataset(self.loader)
        given = ("the dataset's items are no dicts" if dataset is not None
                 else f"the data loader's batches are {with_article(type(self.first_raw).__name__)}")
        if dataset is None and _is_example_dicts(self.first_raw):
            return (f"{given} of {counted(len(self.first_raw), 'example dict')}, not one dict of port -> tensor "
                    f"(does its collate_fn keep the examples apart? torch's default collate_fn stacks example dicts "
                    f"into one dict of batches)")
        user = getattr(dataset, "dataset", None) if not isinstance(dataset, torch.utils.data.Subset) else None
        advice = tuples_advice(self.first_raw, user if dataset is not None else getattr(self.loader, "dataset", None),
                               self.ports)
        return f"{given}; they must be dicts of port -> tensor ({advice})"

    @property
    def uncast(self) -> tuple[dict[str, torch.Tensor], list[int] | None] | None:
        """The last batch's columns as given where the cast made a value 0, and its examples' indices; None where it
        made none. Found only when read (a layer refused a 0): no cost to the batches that train."""
        if self.last_given is None:
            return None
        given, cast, numbers = self.last_given
        return (cut, numbers) if (cut := underflowed(given, cast)) else None

    def to(self, device: torch.device) -> Streamed:
        self.device = device
        return self

    @property
    def first_index(self) -> int | str:
        """How a check of ``first_raw`` names it: batch 1 where it is the run's own (a one-shot iterable's, an
        unshuffled DataLoader's), else ``FIRST_DRAWN``: a shuffling loader drew it before the run's seeded order."""
        sampler = getattr(getattr(self.loader, "batch_sampler", None), "sampler", None)
        return 1 if self.one_shot or isinstance(sampler, torch.utils.data.SequentialSampler) else FIRST_DRAWN

    def check(self, batch: Any, index: int | str) -> dict[str, torch.Tensor]:
        """``batch`` checked against ``expect``; ``index``: its number in the round, or words (``batch_part``)."""
        batch = self._as_dict(batch)
        if not isinstance(batch, Mapping):
            raise data_error(self.what, f"{batch_part(index)} from the data loader is {_form_of(batch)}, but the "
                            f"first batch was {self.first_form}: every batch must take the first's form (do the "
                            f"Dataset's items or the loader's collate_fn give other forms?)",
                            kind="data-form", expected=self.first_form, found=type_label(batch))
        numbers = getattr(batch, "examples", None)  # a Dataset's: its examples' indices in it (``NumberedBatch``)
        where = part_of(self.what, batch_part(index, numbers))
        refuse_listed_sequences(batch, where)
        batch = stacked_examples(batch)
        if self.read_labels is not None:
            batch = self.read_labels(batch, where)
        columns = columns_from(unpadded(batch, self.expect, where), self.what)
        cols = check_columns(columns, self.expect, self.allow_extra, where, getattr(self.loader, "listed", False),
                             numbers)
        self.last_given = (columns, cols, numbers)  # its underflows found only if a layer refuses a 0 (``uncast``)
        sequences = as_sequences(cols, self.expect) if self.batch_checks else None  # once for all the checks
        for check in self.batch_checks:  # input lengths and ranges (``check_data_lengths``, ``check_streamed_ranges``)
            check(sequences, index, numbers)  # before the batch's step
        return cols

    def batches_per_round(self, batch_size: int) -> int | None:
        try:
            return len(self.loader)
        except TypeError:
            return None

    def stand_in(self) -> dict[str, torch.Tensor]:
        """The first batch's first example (checked), for a process with no batch left to take part with."""
        cols = self.check(self.first_raw, self.first_index)
        return {k: v[:1].to(self.device) if self.device is not None else v[:1] for k, v in cols.items()}

    def batch_size(self, given: int) -> int:
        """The batch size training takes: a user's loader's own (its ``batch_size``, else its first batch's examples),
        ``given`` for the batches netgraph makes."""
        size = getattr(self.loader, "batch_size", None)
        if isinstance(size, int) and size > 0:
            return size
        return next((len(v) for v in self.first.values()), given) if self.own_batches else given

    @property
    def own_batches(self) -> bool:
        """Whether each process of a distributed run reads its own batches (a user's loader), not a slice of ones
        every process draws alike (netgraph's: ``whole_batches``)."""
        return not getattr(self.loader, "whole_batches", False)

    def batches(self, batch_size: int, order: Any = None, rank: int = 0, world: int = 1,
                passed_over: int = 0) -> Iterator[tuple[dict[str, torch.Tensor], int, int, list[int] | None]]:
        """Each process's batches, as ``InMemory.batches``: a user's loader's own (whose whole batch size the
        processes add up: ``aligned``), or a slice of netgraph's (texts, images, ragged data: ``whole_batches``),
        the same on every process in the order seed ``order`` draws. The examples' indices are known for ragged
        data in memory (``LengthBuckets.indexed``) and a Dataset's items (``NumberedBatch``), else None (a user's
        loader, a generator: its examples are named within their batch). The first ``passed_over`` (a resumed run's
        batches done) are read, so that a loader goes on from the same place, but not checked: ``PASSED_OVER``."""
        self.passes += 1
        rest, self.rest, i = self.rest, None, 0
        self.round_start_random = loader_random_state(self.loader)  # a mid-round checkpoint's (``loader_random``)
        let_workers_go(self.loader)  # the pass's workers seeded from the run's state now, as a resumed run's
        indexed = rest is None and isinstance(self.loader, LengthBuckets)
        source = (self.loader.indexed() if indexed else self.loader) if rest is None else itertools.chain(
            [self.first_raw], rest)
        if sliced := world > 1 and not self.own_batches and order is not None:
            source = seeded(source, order)
        batches = iter(source)
        # an error, or the pass left early: its workers end now; a worker's NetGraphError with its own message
        with worker_errors_unwrapped(), pass_ended_on_error(self.loader, batches):
            for i, item in enumerate(batches, 1):
                yield PASSED_OVER if i <= passed_over else self._own_part(item, i, indexed, sliced, rank, world)
        forget_reads(reads_kept_by(self.loader))  # items kept and not asked for: read afresh in the next pass
        if rest is None and _over_map_dataset(self.loader) and i < (sized := self.batches_per_round(0) or 0):
            raise data_error(self.what, f"the DataLoader gave {counted(i, 'batch', 'batches')} of its {sized}: an "
                            f"item that raises StopIteration ends its batches early; its Dataset's __getitem__ must "
                            f"return the item or raise another error", kind="dataset-stop", expected=sized, found=i)
        if i == 0:
            raise data_error(self.what, f"the data gave no batch when iterated again for the next round (pass "
                            f"{self.passes}): it can be iterated only once (a generator or iterator?); give a "
                            f"re-iterable such as a DataLoader (a list is read as examples, not batches)",
                            kind="one-shot-data", expected="a re-iterable", found=type_label(self.loader))


    def _own_part(self, item: Any, i: int, indexed: bool, sliced: bool, rank: int,
                  world: int) -> tuple[dict[str, torch.Tensor], int, int, list[int] | None]:
        """Batch ``i`` (``item``, as the source gives it) checked, this process's part of it on the device: (the
        columns, how many examples count, the whole batch's, the examples' indices or None)."""
        examples, batch = item if indexed else (getattr(item, "examples", None), item)
        cols = self.check(batch, i)
        self.last_given = (*self.last_given[:2], examples)  # ``check`` set it, or raised
        n = own = next(iter(cols.values())).shape[0]
        if sliced:
            share, own = process_share(n, rank, world)
            cols = {k: v[share] for k, v in cols.items()}
            examples = None if examples is None else [examples[j] for j in share.tolist()]
        moved = {k: v.to(self.device) for k, v in cols.items()} if self.device is not None else cols
        return moved, own, n, examples

def _over_map_dataset(loader: Any) -> bool:
    """Whether ``loader`` is a DataLoader over a map-style Dataset, whose ``len`` is the batches a pass gives."""
    return isinstance(loader, torch.utils.data.DataLoader) and not isinstance(loader.dataset,
                                                                              torch.utils.data.IterableDataset)


def _no_batch(loader: Any, one_shot: bool) -> str:
    """Why the data gave no first batch, in words: a one-shot iterable was likely used up already."""
    if not one_shot:
        return "the data loader yields no batches"
    return (f"the {type_label(loader)} gave nothing: a generator or iterator gives its batches once, so it was "
            f"probably used up already; give a re-iterable (a Dataset, a DataLoader; a list is read as examples) or "
            f"a new generator (a function returning one, called anew for each run)")


def _form_of(batch: Any) -> str:
    """A batch that is no dict, in words: 'a tuple of 3 values', 'a Tensor'."""
    sized = f" of {counted(len(batch), 'value')}" if isinstance(batch, (list, tuple)) else ""
    return with_article(type(batch).__name__) + sized


def _is_example_dicts(batch: Any) -> bool:
    """Whether a batch is a list (or tuple) of example dicts, as a loader with ``collate_fn=list`` gives them."""
    return isinstance(batch, (list, tuple)) and bool(batch) and all(isinstance(e, Mapping) for e in batch)


def _is_loader(data: Any) -> bool:
    return (not isinstance(data, (Mapping, list, tuple, str, bytes, torch.Tensor, numpy.ndarray))
            and isinstance(data, Iterable))


def gather(data: Any, what: str, ports: tuple[tuple[str, ...], tuple[str, ...]],
           batch_size: int) -> dict[str, torch.Tensor] | Streamed:
    """Unchecked columns (in-memory data) or a Streamed loader; ``sample(raw)`` shows either's tensors. ``ports``:
    the net's input and output ports (a pair (inputs, targets) is read by them)."""
    inputs, outputs = ports
    input_port = inputs[0] if len(inputs) == 1 else None
    part = data.numbers if isinstance(data, Columns) else None  # its examples' indices
    if isinstance(data, torch.utils.data.Dataset) and not isinstance(data, torch.utils.data.IterableDataset):
        data = checked_loader(data, what, batch_size)
    if isinstance(data, torch.utils.data.IterableDataset) or _is_loader(data):
        return Streamed(data, what, ports)
    if is_dict_pair(data):
        raise data_error(what, dict_pair_problem(data),
                         kind="data-form", expected=FORMS, found="a pair (dict, targets)")  # Keras's fit(dict, y)
    if is_pair_of_values(data):
        if input_port is None or len(outputs) != 1:
            raise data_error(what, pair_problem(data, inputs, outputs),
                             kind="data-form", expected=FORMS, found="a pair (inputs, targets)")
        data = pair_columns(data, inputs, outputs)
    if has_ragged(data):  # sequences of different lengths: dense batches, one length at a time
        return Streamed(LengthBuckets(data, batch_size, what, numbers=part), what)
    if isinstance(data, numbers.Integral) and not isinstance(data, bool):
        return Columns({EXAMPLES: torch.zeros(_example_count(data, what, inputs), 0)}, listed=False)
    if isinstance(data, (torch.Tensor, numpy.ndarray)):
        port = repr(input_port or "Input")
        raise DataError(f"{what} must be a dict of port -> array, a list of example dicts or a pair (inputs, "
                        f"targets); found one array ({type(data).__name__} of shape {tuple(data.shape)}), which cannot "
                        f"say what it feeds: give (inputs, targets), or {{{port}: inputs, 'Target': targets}} (or "
                        f"{{{port}: inputs}} alone for a net whose loss needs no target)", data=ref(what),
                        kind="data-form", expected=FORMS, found=type_label(data))
    if data is None or isinstance(data, (str, bytes)) or not isinstance(data, (Mapping, list, tuple)):
        raise DataError(f"{what} must be a dict of port -> array, a list of example dicts, a pair "
                        f"(inputs, targets), a Dataset or a DataLoader; found {type(data).__name__}", data=ref(what),
                        kind="data-form", expected=FORMS, found=type_label(data))
    cols = columns_from(data, what, ports)
    if has_ragged(cols):
        return Streamed(LengthBuckets(cols, batch_size, what, not isinstance(data, Mapping), part), what)
    return Columns(cols, not isinstance(data, Mapping), part)


def _example_count(count: int, what: str, inputs: tuple[str, ...]) -> int:
    """``count`` examples, the data of a net without inputs (its draws, its own loss outputs); a DataError otherwise."""
    if inputs:
        raise DataError(f"{what} as a number of examples ({count}) is for a net without inputs; this net reads "
                        f"{list(inputs)}: give a dict of port -> array, e.g. {{{inputs[0]!r}: x}}", data=ref(what),
                        kind="data-form", expected=FORMS, found=type_label(count))
    if count < 1:
        raise DataError(f"{what} as a number of examples must be 1 or more, found {count}", data=ref(what),
                        kind="missing-data", expected="one example or more", found=int(count))
    if count > (most := current_limits().port_elements):
        raise DataError(f"{what} as a number of examples ({count}) is more than a round can draw: at most {most} (the "
                        f"port_elements limit; {raise_hint('port_elements')})", data=ref(what), kind="limit",
                        expected=f"at most {most} examples", found=int(count))
    return int(count)


def sample(raw: dict[str, torch.Tensor] | Streamed) -> dict[str, torch.Tensor]:
    """Tensors showing the data's keys, dtypes and shapes (the columns, or a loader's first batch)."""
    return raw.first if isinstance(raw, Streamed) else raw


def finish(raw: dict[str, torch.Tensor] | InMemory | Streamed, expect: Mapping[str, Expect], allow_extra: bool,
           what: str) -> InMemory | Streamed:
    """Check the data against ``expect`` (before any training step) and wrap it for batching; InMemory data is
    checked already. Ragged examples' shapes are the caller's to check first, once (``check_example_shapes``)."""
    if isinstance(raw, InMemory):
        return raw
    if isinstance(raw, Streamed):
        raw.expect, raw.allow_extra = expect, allow_extra
        if isinstance(raw.loader, LengthBuckets):  # in memory: check every length bucket now, not mid-training, its
            for indices, bucket in raw.loader.samples():  # examples named by their indices in the data given
                check_columns(bucket, expect, allow_extra, what, raw.loader.listed, indices)
        raw.check(raw.first_raw, raw.first_index)
        return raw
    numbers = getattr(raw, "numbers", None)
    return InMemory(check_columns(raw, expect, allow_extra, what, getattr(raw, "listed", False), numbers), numbers)

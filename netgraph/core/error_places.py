"""Where in a batch a DataError's bad value lies, kept as data so the error can be written again as seen from
outside: a NetMapOperator folds sequences into the batch, and a batch run in parts (length groups of ragged data,
slices of ``batch_size``) numbers its examples from 0 (``netgraph.layers.bad_index`` moves them).

>>> w = Where(6, (0,))
>>> str(w), str(w.unfolded(4)), w.renumbered([3, 9, 9, 9, 9, 9, 7]).example
('index (6, 0)', 'example 1, sequence element 2, index (0,)', 7)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from netgraph.core.errors import DataError

__all__ = ["Where", "located_error"]


@dataclasses.dataclass(frozen=True)
class Where:
    """Batch index ``example``, the map elements around it (outermost first) and the index ``rest`` within one."""

    example: int
    rest: tuple[int, ...]
    elements: tuple[int, ...] = ()

    def unfolded(self, length: int) -> Where:
        """The same place seen outside a map over sequences of ``length`` elements."""
        example, element = divmod(self.example, length)
        return Where(example, self.rest, (element, *self.elements))

    def stepped(self, step: int) -> Where:
        """The same place seen outside a fold, at its step ``step`` (a fold keeps the batch as it is)."""
        return Where(self.example, self.rest, (step, *self.elements))

    def renumbered(self, examples: Sequence[int]) -> Where:
        """The same place seen from a batch whose example ``examples[i]`` this one's example ``i`` is."""
        return dataclasses.replace(self, example=examples[self.example])

    def by_example(self) -> str:
        """The place named by its example first, also outside any map ('example 1, index (2,)'; ``str`` names a
        batch index there)."""
        if self.elements:
            return str(self)
        return f"example {self.example}" + (f", index {self.rest}" if self.rest else "")

    def __str__(self) -> str:
        if not self.elements:
            return f"index {(self.example, *self.rest)}"
        element = self.elements[0] if len(self.elements) == 1 else self.elements
        return f"example {self.example}, sequence element {element}" + (f", index {self.rest}" if self.rest else "")


def located_error(wheres: list[Where], render: Callable[[list[Where]], str], **fields: object) -> DataError:
    """A DataError whose message is ``render(wheres)``, ready to be written again from outside a map; its
    Diagnostic's ``example`` is the first place's."""
    error = DataError(render(wheres), example=wheres[0].example if wheres else None, **fields)
    error.relocate = (wheres, render)
    return error

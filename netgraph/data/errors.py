"""The error one example raises while it is encoded; ``encode`` collects them into one DataError."""

from __future__ import annotations

import dataclasses

__all__ = ["ExampleError", "Reason"]


class ExampleError(Exception):
    """One example that cannot be encoded: the message says why (the caller adds the port and the index);
    ``expected`` and ``found``, where known, are the Diagnostic's."""

    def __init__(self, message: str, *, expected: object = None, found: object = None):
        super().__init__(message)
        self.expected, self.found = expected, found


@dataclasses.dataclass(frozen=True)
class Reason:
    """Why an example cannot be used: ``text`` (said after its port and number; ``str`` gives it) and, where known,
    the Diagnostic's ``expected`` and ``found``. A plain record: it pickles to and from a DataLoader worker."""

    text: str
    expected: object = None
    found: object = None

    @classmethod
    def of(cls, error: ExampleError) -> Reason:
        return cls(str(error), error.expected, error.found)

    def __str__(self) -> str:
        return self.text

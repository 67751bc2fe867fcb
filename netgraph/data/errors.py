"""The error one example raises while it is encoded; ``encode`` collects them into one DataError."""

__all__ = ["ExampleError", "Reason"]


class ExampleError(Exception):
    """One example that cannot be encoded: the message says why (the caller adds the port and the index);
    ``expected`` and ``found``, where known, are the Diagnostic's."""

    def __init__(self, message: str, *, expected: object = None, found: object = None):
        super().__init__(message)
        self.expected, self.found = expected, found


class Reason(str):
    """Why an example cannot be encoded, as text (a DataLoader worker returns it so), with its ExampleError's
    ``expected`` and ``found``."""

    expected: object = None
    found: object = None

    @classmethod
    def of(cls, error: ExampleError) -> "Reason":
        reason = cls(str(error))
        reason.expected, reason.found = error.expected, error.found
        return reason

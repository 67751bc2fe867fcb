"""The error one example raises while it is encoded; ``encode`` collects them into one DataError."""

__all__ = ["ExampleError"]


class ExampleError(Exception):
    """One example that cannot be encoded: the message says why (the caller adds the port and the index)."""

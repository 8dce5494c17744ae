"""Errors a user can act on.

Everything charlm raises because of what a user asked for derives from ``CharLMError``; its message
says what was wrong, the limit, and what to do. The CLI and the app show that message as it is,
never a traceback. Anything else that escapes is a bug in charlm.
"""


class CharLMError(ValueError):
    """A request charlm cannot carry out, with a message written for the person who made it."""


class ShapeError(CharLMError, RuntimeError):
    """A tensor of the wrong shape for a layer: a RuntimeError, as torch.nn raises for it, and a CharLMError."""


class CheckpointError(CharLMError):
    """A checkpoint is missing, corrupt, pickled, or does not fit the model it describes."""


class CorpusError(CharLMError):
    """A corpus cannot be had: unknown, not downloadable, failing its checksum, or text we cannot train on."""


def check_whole(name: str, value, minimum: int = 1) -> None:
    """Raise unless ``value`` is a whole number ≥ ``minimum`` (True/False do not count as numbers)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CharLMError(f"{name} must be a whole number ≥ {minimum}, not {value!r}")


def check_probability(name: str, value) -> None:
    """Raise unless ``value`` is a number in [0, 1) — a dropout rate, say."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise CharLMError(f"{name} must be a probability in [0, 1), not {value!r}")

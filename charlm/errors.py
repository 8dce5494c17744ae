"""Errors a user can act on.

Everything charlm raises because of what a user asked for derives from ``CharLMError``. It carries a message id from
the catalogue (``charlm/i18n/locales/``) and its parameters, and renders, in the reader's language, what was wrong,
the limit, and what to do: ``str(e)`` in the active language (English unless ``charlm.i18n.speaking`` says
otherwise), ``e.render("zh")`` in Chinese. The CLI and the app show that message as it is, never a traceback.
Anything else that escapes is a bug in charlm.
"""

from __future__ import annotations

from .i18n import Msg


class CharLMError(ValueError):
    """A request charlm cannot carry out, with a message written for the person who made it: raised as
    ``CharLMError("<message id>", **params)``."""

    def __init__(self, id: str, /, **params):
        self.message = Msg(id, **params)
        super().__init__(id)

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def params(self) -> dict:
        return self.message.params

    def render(self, lang: str | None = None) -> str:
        return self.message.render(lang)

    def __str__(self) -> str:
        return self.message.render()

    def __reduce__(self):  # pickled with its parameters (a ZeroGPU worker's errors come back pickled)
        return _rebuild, (type(self), self.message.id, self.message.params)


def _rebuild(cls: type[CharLMError], id: str, params: dict) -> CharLMError:
    return cls(id, **params)


class ShapeError(CharLMError, RuntimeError):
    """A tensor of the wrong shape for a layer: a RuntimeError, as torch.nn raises for it, and a CharLMError."""


class CheckpointError(CharLMError):
    """A checkpoint is missing, corrupt, pickled, or does not fit the model it describes."""


class CorpusError(CharLMError):
    """A corpus cannot be had: unknown, not downloadable, failing its checksum, or text we cannot train on."""


def check_whole(name: str | Msg, value, minimum: int = 1) -> None:
    """Raise unless ``value`` is a whole number ≥ ``minimum`` (True/False do not count as numbers)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CharLMError("errors.whole", name=name, minimum=minimum, value=value)


def check_probability(name: str | Msg, value) -> None:
    """Raise unless ``value`` is a number in [0, 1) — a dropout rate, say."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise CharLMError("errors.probability", name=name, value=value)


"""The text rules the library shares with the importers, re-exported from :mod:`models.text`
(where both ``data`` and ``matcher`` can reach them): :func:`fold`, the key a name is matched
by, and :func:`quoted`, a user's input as a message quotes it. The parts that work on plain
values (``ranking``, ``consortium``) take them from here, not from the database's package."""

from models.text import SHOWN, fold, normalise_erasmus_code, quoted

__all__ = ["SHOWN", "fold", "normalise_erasmus_code", "quoted"]

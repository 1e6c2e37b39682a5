"""Reading the learned values shipped as JSON (ranking weights, topical weights): the
library's door to :func:`models.files.read_trained`, so that the parts that work on plain
values (``ranking``, ``consortium``) take it from here, not from the database's package."""

from models.files import read_trained

__all__ = ["read_trained"]

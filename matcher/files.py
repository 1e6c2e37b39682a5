"""Reading files: the learned values shipped as JSON (ranking weights, topical weights) and
what every reader of a user's file checks (CSV records, JSON Lines, a bounded JSON depth,
wide encodings): the library's door to :mod:`models.files`, so that the parts that work on
plain values (``ranking``, ``consortium``, ``batch``, ``evaluation``) take them from here,
not from the database's package."""

from models.files import (
    TooDeep,
    csv_records,
    json_lines,
    parse_json,
    read_trained,
    regular_file,
    wide_encoding,
)

__all__ = ["TooDeep", "csv_records", "json_lines", "parse_json", "read_trained", "regular_file",
           "wide_encoding"]

"""The ``parquet`` format: one Parquet file per batch, for analytics tools (an optional extra).

A batch (one ``scraper clean`` or ``scraper fetch`` run, one crawl run) writes its articles to
one new file, ``OUT/articles-<batch time>.parquet`` (``articles-20261124T154527Z.parquet``;
``-2``, ``-3`` ... if a batch of the same second wrote one), atomically; a batch with no
article writes none. Its rows are the ``jsonl`` records: ``id``, ``text``, ``source``,
``added``, ``created`` and ``metadata`` (a struct). Parquet files cannot be edited in place, so
a re-run adds a file rather than replacing records: keep the newest ``added`` per ``id``, as
``README.md`` shows with duckdb.

Columns are typed from the values, never left to inference over mixed nested data: a
timestamp field (``added``, ``created``, ``published``, ``modified``) whose every value is a full
ISO 8601 timestamp with an offset becomes ``timestamp[us, UTC]``, strings, booleans and numbers
keep their types, lists of strings stay lists, and any other nested value (removals, blocks)
is kept as a JSON string. pyarrow is needed only here: ``pip install 'scraper[parquet]'``.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from scraper.errors import ConfigError

EXTRA_HINT = "pip install 'scraper[parquet]'"
# Fields read as instants when every value is a full timestamp.
_TIMESTAMP_FIELDS = frozenset({"added", "created", "published", "modified"})
# Lists of objects: JSON text in every batch, also one where every value is empty (typed from the
# values, ``[]`` everywhere would make a list-of-strings column that no other file's column matches).
_JSON_FIELDS = frozenset({"removed", "flagged", "blocks"})


def require_pyarrow() -> ModuleType:
    """pyarrow, or a :class:`ConfigError` naming the extra that installs it."""
    try:
        import pyarrow
        import pyarrow.parquet  # the writer is a submodule, installed with it
    except ImportError:
        raise ConfigError(f"--format parquet needs pyarrow, which is not installed: {EXTRA_HINT}") from None
    return pyarrow


def parquet_bytes(records: list[dict[str, Any]]) -> bytes:
    """The records (``jsonl`` record dicts, in order) as the bytes of one Parquet file."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    columns = {name: [record.get(name) for record in records] for name in _names(records)}
    arrays, fields = [], []
    for name, values in columns.items():
        if name == "metadata":
            array = _struct([value if isinstance(value, dict) else {} for value in values], pa)
        else:
            array = _column(name, values, pa)
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _names(records: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(name for record in records for name in record))


def _struct(rows: list[dict[str, Any]], pa: ModuleType) -> Any:
    names = _names(rows)
    children = [_column(name, [row.get(name) for row in rows], pa) for name in names]
    if not children:
        return pa.array([{} for _ in rows], type=pa.struct([]))
    return pa.StructArray.from_arrays(children, names=names)


def _column(name: str, values: list[Any], pa: ModuleType) -> Any:
    """One column, typed by what its values all are (see the module docstring)."""
    present = [value for value in values if value is not None]
    if not present:
        return pa.array(values, type=pa.string())
    if name in _JSON_FIELDS:
        return _json_text(values, pa)
    if all(isinstance(value, bool) for value in present):
        return pa.array(values, type=pa.bool_())
    if all(isinstance(value, int) and not isinstance(value, bool) for value in present):
        return pa.array(values, type=pa.int64())
    if all(isinstance(value, int | float) and not isinstance(value, bool) for value in present):
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if all(isinstance(value, str) for value in present):
        if name in _TIMESTAMP_FIELDS and (instants := _instants(values)) is not None:
            return pa.array(instants, type=pa.timestamp("us", tz="UTC"))
        return pa.array(values, type=pa.string())
    if all(isinstance(value, list) and all(isinstance(item, str) for item in value) for value in present):
        return pa.array(values, type=pa.list_(pa.string()))
    return _json_text(values, pa)


def _json_text(values: list[Any], pa: ModuleType) -> Any:
    """A string column of the values as JSON (nulls stay null)."""
    return pa.array(
        [None if v is None else json.dumps(v, ensure_ascii=False) for v in values], type=pa.string()
    )


def _instants(values: list[Any]) -> list[datetime | None] | None:
    """Every value as an instant in UTC, or None if one is not a full timestamp with an offset."""
    out: list[datetime | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        if "T" not in value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        out.append(moment.astimezone(UTC))
    return out

"""Table bodies read as whole columns through Arrow (fastexcel), coerced a column at a time.

fastexcel reads a sheet's cells in Rust into Arrow arrays: a column whose cells agree comes back
typed (timestamps, floats), a mixed one as text. Each column is then converted for its schema
type by :func:`xltools.core.values.read_column` (a typed column needs no parsing; text is read
once per distinct value), instead of building a Python object per cell and coercing it one by one.
The reads run in a worker thread (:class:`BlockReads`) while the loader scans the next sheet and
converts the previous block (benchmarks/bench_scale.py: the load of a 100,000-customer book went
from 5.8x the plain fastexcel read of the same file to about 1.4x).

The cell-by-cell reader in :mod:`xltools.backend.load` stays the fallback for a sheet fastexcel
cannot cut the way the table's ref says; both give the same frame (tests/test_columnar_load.py).
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..core.values import read_column

log = logging.getLogger(__name__)
# fastexcel warns "could not determine dtype ... falling back to string" for an empty or mixed
# column: that fallback is what this module expects, not something to print on a user's stderr.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

DEDUPE_SAMPLE = 2_000   # cells of a text column looked at to tell whether its values repeat
STRICT_TEXT = {"id", "phone", "code", "email", "fingerprint"}
DATE_TYPES = {"date", "datetime"}
NUMBER_TYPES = {"number", "integer"}


class ColumnReader:
    """fastexcel over one book; :meth:`body` returns a table's data rows as pandas columns."""

    def __init__(self, source: Path | IO[bytes]):
        import fastexcel
        data: Any = str(source) if isinstance(source, (str, Path)) else _bytes_of(source)
        self.reader = fastexcel.read_excel(data)

    def block(self, sheet: str, first_row: int, last_row: int, first_col: int, last_col: int):
        """Rows ``first_row..last_row`` of columns ``first_col..last_col`` (1-based) as an Arrow
        record batch, or None when fastexcel cannot give exactly that block. (The read runs in
        Rust without the GIL: :class:`BlockReads` runs it beside the caller's own work.)"""
        try:
            batch = self.reader.load_sheet_by_name(
                sheet, header_row=None, skip_rows=first_row - 1, n_rows=last_row - first_row + 1,
                use_columns=list(range(first_col - 1, last_col)), schema_sample_rows=None,
                dtype_coercion="coerce").to_arrow()
        except Exception as err:  # noqa: BLE001 - fastexcel's own error types
            log.debug("fastexcel cannot read %s rows %d-%d: %s", sheet, first_row, last_row, err)
            return None
        return batch if batch.num_columns == last_col - first_col + 1 else None

    def body(self, sheet: str, first_row: int, last_row: int, first_col: int,
             last_col: int) -> list[pd.Series] | None:
        """The :meth:`block` as one Series per column (blank text as null), or None."""
        return series_of(self.block(sheet, first_row, last_row, first_col, last_col))


def series_of(batch) -> list[pd.Series] | None:
    """An Arrow record batch (or None) as one pandas Series per column."""
    if batch is None:
        return None
    return [_to_pandas(batch.column(i)) for i in range(batch.num_columns)]


class BlockReads:
    """Table blocks read by fastexcel in one worker thread, in the order they are asked for,
    while the caller goes on (scanning the next sheet for stray cells, converting the block
    before): the Rust read releases the GIL, so on two cores the load costs little more than
    the read itself. :meth:`body` waits for one block; None when fastexcel could not read it
    (the caller then reads it cell by cell)."""

    def __init__(self, source: Path | IO[bytes]):
        from concurrent.futures import ThreadPoolExecutor
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="xltools-read")
        self._reader = self._pool.submit(_open_reader, source)
        self._blocks: dict[str, Any] = {}

    def submit(self, key: str, sheet: str, first_row: int, last_row: int, first_col: int,
               last_col: int) -> None:
        if last_row >= first_row:
            self._blocks[key] = self._pool.submit(self._read, sheet, first_row, last_row,
                                                  first_col, last_col)

    def _read(self, *where):
        reader = self._reader.result()
        return reader.block(*where) if reader is not None else None

    def body(self, key: str) -> list[pd.Series] | None:
        future = self._blocks.pop(key, None)
        return series_of(future.result()) if future is not None else None

    def close(self) -> None:
        """Drop what was not asked for and wait for the worker (never leave it running)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._blocks.clear()


def _open_reader(source) -> ColumnReader | None:
    """fastexcel over the book, or None when it is not installed or cannot open the file
    (the caller then reads cell by cell with calamine, which reports a damaged book)."""
    try:
        return ColumnReader(source)
    except Exception:  # noqa: BLE001 - ImportError, fastexcel's own errors
        return None


def _bytes_of(source: IO[bytes]) -> bytes:
    if isinstance(source, io.BytesIO):
        return source.getvalue()
    pos = source.tell()
    data = source.read()
    source.seek(pos)
    return data


def _to_pandas(array) -> pd.Series:
    import pyarrow as pa
    if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
        return pd.Series(array.cast(pa.timestamp("ms")).to_pandas(), dtype="datetime64[ns]")
    if pa.types.is_null(array.type):
        return pd.Series([None] * len(array), dtype=object)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        import pyarrow.compute as pc
        blank = pc.equal(pc.utf8_trim_whitespace(array), "")     # blank text is no value
        array = pc.if_else(blank, pa.scalar(None, array.type), array)
        # Text that repeats (an owner, a method) shares one str per value; text that hardly
        # does (IDs, notes) is not looked up value by value for nothing (4x slower).
        head = array.slice(0, DEDUPE_SAMPLE)
        return pd.Series(array.to_pandas(
            deduplicate_objects=pc.count_distinct(head).as_py() * 2 <= len(head)))
    return pd.Series(array.to_pandas())


def coerce_series(series: pd.Series, col_type: str | None) -> tuple[pd.Series, np.ndarray]:
    """One column for its schema type: values as :mod:`xltools.backend.coerce` gives them
    (object dtype, None for blanks; a date column of dates stays datetime64) and the mask of
    cells that could not be read."""
    blank = series.isna().to_numpy()        # (blank text became null in _to_pandas)
    if col_type in DATE_TYPES:
        if series.dtype.kind == "M":        # every cell a date: kept typed (NaT for blanks)
            return series.astype("datetime64[ns]"), np.zeros(len(series), dtype=bool)
        return read_column(series, "date", blank=blank)
    if col_type in NUMBER_TYPES:
        return read_column(series, col_type, blank=blank)
    ok = np.zeros(len(series), dtype=bool)
    if series.dtype.kind == "f":
        text = col_type in STRICT_TEXT
        return pd.Series([None if math.isnan(v) else (_number_text(v) if text else v)
                          for v in series.tolist()], index=series.index, dtype=object), ok
    if series.dtype.kind == "M":
        values = series.astype(object)
        return values.where(series.notna(), None).astype(object), ok
    values = series.astype(object)
    if blank.any():
        values = values.copy()
        values[blank] = None
    return values, ok


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)

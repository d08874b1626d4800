"""Where a command's data lives: a workbook path or a database URL, behind one Backend.

``xltools validate team.xlsx`` and ``xltools validate postgresql://alice@db/sales`` run the same
operation; :func:`open_backend` picks the backend from the target.

>>> is_database_url("sqlite:///team.db"), type(open_backend("team.xlsx")).__name__
(True, 'FileBackend')
"""

from __future__ import annotations

from pathlib import Path

from .backend.database.url import is_database_url


def open_backend(target: str | Path, command: str = ""):
    """A :class:`~xltools.backend.base.Backend` for a book path or a database URL."""
    if is_database_url(target):
        from .backend.database import DatabaseBackend
        return DatabaseBackend(str(target), command=command)
    from .backend.file import FileBackend
    return FileBackend(Path(target), command=command)


__all__ = ["is_database_url", "open_backend"]

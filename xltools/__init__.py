"""xltools: keep a small sales team's customer database in one Excel workbook.

The package is laid out as DESIGN.md draws it: ``schema`` reads ``schemas/*.yaml``; ``template``
builds the workbook; ``backend`` loads a book into a :class:`~xltools.db.CustomerDB` and applies
changesets in place; ``core`` holds the pure routines; ``registry`` lists the operations the CLI and
the ribbon expose.

Use from Python through :class:`xltools.Book`::

    from xltools import Book
    result = Book.open("team.xlsx").validate()
"""

__version__ = "0.1.0"
__all__ = ["Book", "Issue", "Result", "XlToolsError", "__version__"]

_PUBLIC = {"Book": "xltools.book", "Issue": "xltools.changes", "Result": "xltools.changes",
           "XlToolsError": "xltools.errors"}


def __getattr__(name: str):
    """``from xltools import Book`` without making ``import xltools`` (the CLI's first step) pay
    for pandas until a name is used."""
    if name in _PUBLIC:
        import importlib
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'xltools' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))

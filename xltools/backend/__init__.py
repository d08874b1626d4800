"""Backends read a workbook into a :class:`~xltools.db.CustomerDB` and apply a
:class:`~xltools.changes.Changeset` to it.

Both backends keep the same contract::

    backend = FileBackend(path)          # or ExcelBackend(xw.Book.caller())
    db = backend.load()                  # every managed table as a DataFrame, with Excel row numbers
    report = backend.apply(changes, db)  # in place; logs each change in the ChangeLog sheet

The file backend (``file.py``) rewrites only the package parts it owns and copies every other part
of the .xlsx/.xlsm byte for byte; it saves atomically, keeps rotating backups and refuses to write
while Excel or WPS holds the file.
"""

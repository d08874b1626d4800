"""xltools: keep a small sales team's customer database in one Excel workbook.

The package is laid out as DESIGN.md draws it: ``schema`` reads ``schemas/*.yaml``; ``template``
builds the workbook; ``backend`` loads a book into a :class:`~xltools.db.CustomerDB` and applies
changesets in place; ``core`` holds the pure routines; ``registry`` lists the operations the CLI and
the ribbon expose.
"""

__version__ = "0.1.0"

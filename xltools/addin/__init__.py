"""The Excel add-in: ``build`` makes ``xltools.xlam`` (VBA + generated ribbon) on any OS,
``install`` copies it to Excel's startup folder, ``customui`` generates the ribbon from the
operations registry, ``commands`` holds the ``xltools addin`` CLI group."""

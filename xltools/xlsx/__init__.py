"""Small, dependency-light helpers for the OOXML package (.xlsx/.xlsm) itself."""

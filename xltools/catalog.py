"""Every operation xltools offers: the registry table filled with the built-in operations.

The operation modules (``xltools/operations/*.py``) are plugins, loaded here at run time by name:
nothing imports them statically, so an operation that runs others (the monthly batch) may ask
this catalog for them without an import cycle.

>>> [op.id for op in operations()][:3]
['dedupe', 'merge', 'export']
>>> get("validate").label_en
'Validate'
"""

from __future__ import annotations

import importlib

from .registry import REGISTRY, Operation


def operations() -> list[Operation]:
    """Every registered operation, in registration order (imports the operation modules first)."""
    importlib.import_module("xltools.operations")  # registers every built-in operation

    return list(REGISTRY.values())


def get(op_id: str) -> Operation:
    """The operation ``op_id``; KeyError when there is none."""
    operations()
    return REGISTRY[op_id]

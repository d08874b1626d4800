"""Built-in operations, one module each. Importing this package registers all of them.

Every module here is imported automatically, in name order, so a new operation is a new module and
nothing else: the CLI command and the ribbon button follow from its registry entry.
"""

import importlib
import pkgutil

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_mod}")

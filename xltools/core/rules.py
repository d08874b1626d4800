"""Old home of the condition language: now :mod:`xltools.core.condition` (lexer, parser,
evaluation, explanations) and :mod:`xltools.core.values` (reading cells). Kept as a re-export while
callers move over."""

from .condition import *  # noqa: F401,F403
from .condition import __all__  # noqa: F401

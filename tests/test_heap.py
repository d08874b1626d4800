"""A command's memory comes from one heap: what a step frees (Arrow's buffers included) is there
for the next step's frames, so a batch's peak is its largest step's, not the sum of leftovers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _pool_after_bound_heap(env: dict, import_arrow_first: bool) -> str:
    code = ("import pyarrow as pa; " if import_arrow_first else "") + (
        "from xltools.heap import bound_heap; bound_heap(); import pyarrow as pa; "
        "import json; print(json.dumps(pa.array([1, 2, 3]).to_pandas().sum() and "
        "pa.default_memory_pool().backend_name))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("import_arrow_first", [False, True])
def test_a_commands_arrow_buffers_come_from_the_system_heap(import_arrow_first):
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert _pool_after_bound_heap(env, import_arrow_first) == "system"


def test_an_arrow_pool_the_user_named_is_kept():
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}
    assert _pool_after_bound_heap(env, True) == "mimalloc"
    assert _pool_after_bound_heap(env, False) == "mimalloc"

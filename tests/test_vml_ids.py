"""New note shapes are numbered inside their VML part's own id blocks (o:idmap data), and a part
that runs out of ids gains a block no other part uses."""

from __future__ import annotations

import re

from xltools.xlsx.notes import BLOCK, NOTE_SHAPETYPE, VML_HEAD, Notes, _note_shape


def existing_vml(block: int, shapes: int) -> bytes:
    body = "\n ".join(_note_shape(block * BLOCK + 1 + i, 2 + i, 3) for i in range(shapes))
    return (VML_HEAD % block + "\n " + NOTE_SHAPETYPE + "\n " + body + "\n</xml>").encode()


def ids_and_blocks(vml: bytes) -> tuple[list[int], list[int]]:
    text = vml.decode()
    ids = [int(i) for i in re.findall(r'id="_x0000_s(\d+)"', text)]
    data = re.search(r'<o:idmap[^>]*data="([\d,]+)"', text).group(1)
    return ids, [int(b) for b in data.split(",")]


def test_new_shapes_use_the_parts_own_block():
    notes = Notes(None, existing_vml(3, 2), idmap=9, new_block=lambda: 9)
    notes.add(40, 2, "x")
    ids, blocks = ids_and_blocks(notes.vml_bytes())
    assert blocks == [3]
    assert ids == [3 * BLOCK + 1, 3 * BLOCK + 2, 3 * BLOCK + 3]


def test_a_full_block_is_extended_with_a_free_one_and_ids_stay_unique():
    taken = iter([7, 8])
    notes = Notes(None, existing_vml(3, 1000), idmap=5, new_block=lambda: next(taken))
    for r in range(1, 1500):
        notes.add(2000 + r, 5, "x")
    ids, blocks = ids_and_blocks(notes.vml_bytes())
    assert blocks == [3, 7, 8]
    assert len(ids) == len(set(ids)) == 2499
    assert all(any(b * BLOCK < i < (b + 1) * BLOCK for b in blocks) for i in ids)


def test_a_new_part_uses_the_block_it_was_given():
    notes = Notes(None, None, idmap=4)
    notes.add(2, 2, "x")
    ids, blocks = ids_and_blocks(notes.vml_bytes())
    assert (ids, blocks) == ([4 * BLOCK + 1], [4])

"""Write an [MS-CFB] compound file ("OLE2", "structured storage"), version 3.

A compound file is a little FAT file system in one file: 512-byte sectors chained by a File
Allocation Table, a directory of 128-byte entries (storages are folders, streams are files) whose
siblings form a binary search tree, and a *mini stream* of 64-byte sectors, chained by the MiniFAT,
that holds every stream shorter than 4096 bytes. ``vbaProject.bin`` is such a file.

Only writing is needed here (``olefile`` reads them)::

    >>> blob = write_cfb({"PROJECT": b"ID=...", "VBA/dir": b"\\x01"})
    >>> blob[:8].hex()
    'd0cf11e0a1b11ae1'

The writer lays sectors out in one pass: FAT, directory, MiniFAT, mini stream, then the large
streams. Every sibling tree is built balanced (subtree sizes differ by at most one, so every level
but the last is full) and coloured as a valid red-black tree: the last level red when it is not
full, everything else black -- equal black height on every path, no red node with a red child,
as [MS-CFB] 2.6.4 requires (Excel checks; an all-black tree is valid only with 2^k-1 nodes). Files
needing more than the header's 109 FAT sectors (about 6.8 MB) are refused, not written wrong.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
_ENTRIES_PER_SECTOR = SECTOR // 128
_IDS_PER_SECTOR = SECTOR // 4
_HEADER_DIFAT = 109

_STORAGE, _STREAM, _ROOT = 1, 2, 5


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Entry"] = field(default_factory=dict)
    id: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    depth: int = 0
    color: int = 1           # 0 red, 1 black


def sort_key(name: str) -> tuple[int, list[int]]:
    """CFB sibling order: shorter UTF-16 names first, then by upper-cased UTF-16 code units."""
    upper = "".join(c.upper() if len(c.upper()) == 1 else c for c in name)
    units = upper.encode("utf-16-le")
    return len(units), list(struct.unpack(f"<{len(units) // 2}H", units))


def _check_name(name: str) -> None:
    if not name or len(name.encode("utf-16-le")) > 62:
        raise ValueError(f"compound-file entry names need 1 to 31 characters: {name!r}")
    if any(c in name for c in "/\\:!"):
        raise ValueError(f"compound-file entry names cannot contain / \\ : or !: {name!r}")


def _tree(streams: Mapping[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            _check_name(part)
            node = node.children.setdefault(part, _Entry(part, _STORAGE))
            if node.kind != _STORAGE:
                raise ValueError(f"{path!r}: {part!r} is a stream, not a storage")
        _check_name(parts[-1])
        if parts[-1] in node.children:
            raise ValueError(f"{path!r} given twice")
        node.children[parts[-1]] = _Entry(parts[-1], _STREAM, bytes(data))
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Give every entry its directory index (root is 0) and link each storage's sibling tree."""
    entries = [root]
    pending = [root]
    while pending:
        storage = pending.pop(0)
        kids = sorted(storage.children.values(), key=lambda e: sort_key(e.name))
        for kid in kids:
            kid.id = len(entries)
            entries.append(kid)
            if kid.kind == _STORAGE:
                pending.append(kid)
        storage.child = _balanced(kids)
        _colour(kids)
    return entries


def _balanced(kids: list[_Entry], depth: int = 0) -> int:
    """Link sorted siblings as a balanced search tree; return the id of its root."""
    if not kids:
        return NOSTREAM
    middle = len(kids) // 2
    node = kids[middle]
    node.depth = depth
    node.left = _balanced(kids[:middle], depth + 1)
    node.right = _balanced(kids[middle + 1:], depth + 1)
    return node.id


def _colour(kids: list[_Entry]) -> None:
    """Red for the nodes of a last level that is not full, black for all others."""
    if not kids:
        return
    deepest = max(k.depth for k in kids)
    full = len(kids) == 2 ** (deepest + 1) - 1
    for k in kids:
        k.color = 0 if k.depth == deepest and not full else 1


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(first, first + count - 1):
        fat[i] = i + 1
    if count:
        fat[first + count - 1] = ENDOFCHAIN


def _sectors(size: int, unit: int) -> int:
    return -(-size // unit)


def write_cfb(streams: Mapping[str, bytes]) -> bytes:
    """Return a version-3 compound file holding ``streams``.

    Keys are paths with ``/`` between storage names (``"VBA/dir"``); storages are created as
    needed. Names are at most 31 characters without ``/ \\ : !``.
    """
    root = _tree(streams)
    entries = _number(root)
    stream_entries = [e for e in entries if e.kind == _STREAM]
    small = [e for e in stream_entries if 0 < len(e.data) < MINI_CUTOFF]
    large = [e for e in stream_entries if len(e.data) >= MINI_CUTOFF]

    # the mini stream and its MiniFAT
    minifat: list[int] = []
    mini = bytearray()
    for e in small:
        count = _sectors(len(e.data), MINI_SECTOR)
        e.start = len(minifat)
        minifat += [0] * count
        _chain(minifat, e.start, count)
        mini += e.data.ljust(count * MINI_SECTOR, b"\0")

    n_dir = _sectors(len(entries), _ENTRIES_PER_SECTOR)
    n_minifat = _sectors(len(minifat) * 4, SECTOR)
    n_mini = _sectors(len(mini), SECTOR)
    n_data = n_dir + n_minifat + n_mini + sum(_sectors(len(e.data), SECTOR) for e in large)
    n_fat = 1
    while n_fat * _IDS_PER_SECTOR < n_fat + n_data:
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise ValueError("compound file too large for this writer (more than 109 FAT sectors)")

    fat = [FREESECT] * (n_fat * _IDS_PER_SECTOR)
    fat[:n_fat] = [FATSECT] * n_fat
    next_sector = n_fat

    def allocate(count: int) -> int:
        nonlocal next_sector
        first = next_sector
        _chain(fat, first, count)
        next_sector += count
        return first if count else ENDOFCHAIN

    first_dir = allocate(n_dir)
    first_minifat = allocate(n_minifat)
    root.start = allocate(n_mini)
    for e in large:
        e.start = allocate(_sectors(len(e.data), SECTOR))

    out = bytearray(_header(n_fat, first_dir, first_minifat, n_minifat))
    out += struct.pack(f"<{len(fat)}I", *fat)
    directory = b"".join(_dir_entry(e, len(mini) if e is root else len(e.data)) for e in entries)
    out += directory + _unused_entry() * (n_dir * _ENTRIES_PER_SECTOR - len(entries))
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
    out += minifat_bytes.ljust(n_minifat * SECTOR, b"\xff")
    out += bytes(mini).ljust(n_mini * SECTOR, b"\0")
    for e in large:
        out += e.data.ljust(_sectors(len(e.data), SECTOR) * SECTOR, b"\0")
    assert len(out) == SECTOR * (1 + next_sector)
    return bytes(out)


def _header(n_fat: int, first_dir: int, first_minifat: int, n_minifat: int) -> bytes:
    difat = list(range(n_fat)) + [FREESECT] * (_HEADER_DIFAT - n_fat)
    head = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE, b"\0" * 16,
        0x003E, 0x0003, 0xFFFE,   # minor version, major version 3, little-endian
        9, 6, b"\0" * 6,          # 2**9-byte sectors, 2**6-byte mini sectors
        0,                        # directory sector count: always 0 in version 3
        n_fat, first_dir,
        0,                        # transaction signature
        MINI_CUTOFF,
        first_minifat if n_minifat else ENDOFCHAIN, n_minifat,
        ENDOFCHAIN, 0,            # no DIFAT sectors
    )
    return head + struct.pack(f"<{_HEADER_DIFAT}I", *difat)


def _dir_entry(e: _Entry, size: int) -> bytes:
    name = e.name.encode("utf-16-le") + b"\0\0"
    start = e.start if size or e.kind == _ROOT else ENDOFCHAIN
    if e.kind == _STORAGE:
        start, size = 0, 0
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), e.kind, e.color,
                       e.left, e.right, e.child, b"\0" * 16, 0, 0, 0, start, size)


def _unused_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
                       b"\0" * 16, 0, 0, 0, 0, 0)

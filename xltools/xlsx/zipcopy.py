"""Write a new package from an old one: changed parts recompressed, every other member copied as
its raw compressed bytes (no inflate, no deflate), in the original member order.

Recompressing the untouched members of a 34 MB book costs ~4.3 s; copying their compressed bytes
costs ~0.05 s (DESIGN.md). The copied members keep their CRC, sizes and compression method, so
their uncompressed bytes are exactly the old ones.

>>> import io, zipfile
>>> src = io.BytesIO()
>>> with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("a.xml", b"<a/>" * 100); z.writestr("b.xml", b"<b/>"); z.writestr("c.xml", b"<c/>")
>>> out = io.BytesIO()
>>> write_package(src, out, {"b.xml": b"<B/>", "c.xml": None, "d.xml": b"<d/>"})
>>> z = zipfile.ZipFile(out); z.namelist(), z.read("a.xml") == b"<a/>" * 100, z.read("b.xml")
(['a.xml', 'b.xml', 'd.xml'], True, b'<B/>')
>>> out = io.BytesIO()                      # a big part may come as pieces, written in turn
>>> write_package(src, out, {"b.xml": [b"<B>", memoryview(b"xyz")[1:], b"</B>"]})
>>> zipfile.ZipFile(out).read("b.xml")
b'<B>yz</B>'
"""

from __future__ import annotations

import os
import warnings
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping
from typing import IO

from isal import isal_zlib
from zlib_ng import zlib_ng

from .inflate import raw_pieces

_DATA_DESCRIPTOR_FLAG = 0x08
COMPRESS_LEVEL = 6
# A big rewritten part (a 100 MB sheet) deflated by zlib-ng at level 5. Measured on the
# 100,000-customer book's three big parts (345 MB): zlib's level 5 took 2.85 s of CPU for 44.3 MB,
# zlib-ng's level 5 2.08 s for 42.4 MB (its level 4: 1.83 s, 45.0 MB; ISA-L's fastest: 0.46 s but
# 54.1 MB, a fifth bigger). zlib's level 6 was 1.7x as slow as its 5 for 2% fewer bytes.
BIG_PART_LEVEL = 5


def _copy_raw(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: Iterable[bytes]) -> None:
    """Append a member whose compressed bytes are ``data``, in pieces (zipfile has no public
    call for it)."""
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.CRC = info.CRC
    new.compress_size = info.compress_size
    new.file_size = info.file_size
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    # Sizes go in the local header, so no data descriptor follows the data.
    new.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR_FLAG
    zip64 = max(new.file_size, new.compress_size) > zipfile.ZIP64_LIMIT
    new.header_offset = out.fp.tell()
    out.fp.write(new.FileHeader(zip64))
    for piece in data:
        out.fp.write(piece)
    out.filelist.append(new)
    out.NameToInfo[new.filename] = new
    out.start_dir = out.fp.tell()
    out._didModify = True


def write_package(source: str | os.PathLike | IO[bytes], target: str | os.PathLike | IO[bytes],
                  changed: Mapping[str, bytes | None], order: list[str] | None = None) -> None:
    """Write ``target``: the members of ``source`` in their order, with ``changed`` applied.

    ``changed`` maps member name -> new bytes (or a list of pieces to write one after the other),
    or None to drop the member; names that ``source`` lacks are added at the end (in ``order``
    when given, else in mapping order).
    """
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as out:
        fp = src.fp
        existing = set()
        for info in src.infolist():
            existing.add(info.filename)
            if info.filename in changed:
                data = changed[info.filename]
                if data is not None:
                    _write_new(out, info.filename, data, info.date_time)
                continue
            _copy_raw(out, info, raw_pieces(fp, info, 1 << 20))
        added = [n for n in (order or list(changed)) if n not in existing and changed.get(n)]
        for name in added:
            _write_new(out, name, changed[name], (1980, 1, 1, 0, 0, 0))


def update_package(path: str | os.PathLike | IO[bytes], changed: Mapping[str, bytes | None],
                   order: list[str] | None = None, *, store_big: bool = True) -> set[str]:
    """:func:`write_package` of ``path`` onto itself, for a private working copy (a batch's):
    only the new versions are written, after the last member, parts from
    :data:`PARALLEL_FROM` up stored uncompressed (the names of those are returned), and the
    directory is written again to name them in their members' places (the versions they
    replace stay behind in the file, named by nothing: :func:`deflate_stored`, which makes the
    book of the copy, leaves them out and deflates the stored parts). A step that changes one
    small sheet then writes that sheet, not a copy of every big one. ``store_big=False`` for
    the copy's last write: its big parts are deflated now (nothing reads them again before
    :func:`deflate_stored`, which copies them as they are).

    >>> import io
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("a.xml", b"<a/>"); z.writestr("b.xml", b"<b/>"); z.writestr("c.xml", b"<c/>")
    >>> update_package(buf, {"a.xml": b"<A/>", "b.xml": None, "d.xml": b"<d/>"})
    set()
    >>> z = zipfile.ZipFile(buf); z.namelist(), z.read("a.xml")
    (['a.xml', 'c.xml', 'd.xml'], b'<A/>')
    """
    stored: set[str] = set()
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as out:
        old = list(out.filelist)
        dates = {info.filename: info.date_time for info in old}
        added = [n for n in (order or list(changed)) if n not in dates and changed.get(n)]
        new: dict[str, zipfile.ZipInfo] = {}
        with warnings.catch_warnings():      # (zipfile warns of a name it holds already)
            warnings.simplefilter("ignore", UserWarning)
            for name in [n for n in changed if n in dates] + added:
                if changed[name] is not None:
                    if _write_new(out, name, changed[name],
                                  dates.get(name, (1980, 1, 1, 0, 0, 0)), store_big):
                        stored.add(name)
                    new[name] = out.filelist[-1]
        out.filelist = [new.get(i.filename, i) for i in old
                        if i.filename not in changed or i.filename in new] + \
            [new[n] for n in added]
        out.NameToInfo = {info.filename: info for info in out.filelist}
    return stored


def deflate_stored(source: str | os.PathLike, target: str | os.PathLike,
                   names: Iterable[str]) -> None:
    """Write ``target`` as ``source`` with its members of ``names`` that are stored uncompressed
    deflated (as :func:`write_package` deflates a big part); every other member copied as it is.
    Only the members ``source``'s directory names are written (not the versions
    :func:`update_package` left behind).

    >>> import io
    >>> src, copy, out = io.BytesIO(), io.BytesIO(), io.BytesIO()
    >>> with zipfile.ZipFile(src, "w") as z:
    ...     z.writestr("a.xml", b"<a/>")
    >>> big = b"<b/>" * PARALLEL_FROM
    >>> _ = copy.write(src.getvalue())
    >>> update_package(copy, {"b.xml": big})
    {'b.xml'}
    >>> deflate_stored(copy, out, {"b.xml"})
    >>> z = zipfile.ZipFile(out)
    >>> z.getinfo("b.xml").compress_type == zipfile.ZIP_DEFLATED, z.read("b.xml") == big
    (True, True)
    """
    names = set(names)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            raw = raw_pieces(src.fp, info, 1 << 20)   # (a stored member's are its bytes)
            if info.filename not in names or info.compress_type != zipfile.ZIP_STORED:
                _copy_raw(out, info, raw)
                continue
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.external_attr, new.create_system = info.external_attr, info.create_system
            packed = _deflated(new, raw)                 # read and deflated a block at a time
            if new.CRC != info.CRC:
                raise zipfile.BadZipFile(f"bad CRC-32 for {info.filename}")
            _copy_raw(out, new, packed)


def _write_new(out: zipfile.ZipFile, name: str, data: bytes | list, date_time,
               store_big: bool = False) -> bool:
    """A new member; ``data`` is bytes, or a list of pieces (bytes, memoryviews) to write one
    after the other, so a big sheet's parts are never joined in memory. Returns whether it was
    stored uncompressed (``store_big`` and a big part)."""
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    if getattr(data, "made_later", False):    # rows made as they are written: sized at the end
        if store_big:                         # (stored, its size goes first: made now)
            data = list(data.flat())
        else:
            info.external_attr = 0o600 << 16
            _copy_raw(out, info, _deflated(info, data.flat()))
            return False
    pieces = data if isinstance(data, list) else [data]
    size = sum(len(piece) for piece in pieces)
    if size < PARALLEL_FROM:
        out.writestr(info, b"".join(pieces), compresslevel=COMPRESS_LEVEL)
        return False
    info.external_attr = 0o600 << 16
    info.file_size = size
    if store_big:
        info.compress_type, info.compress_size = zipfile.ZIP_STORED, size
        crc = 0
        for piece in pieces:
            crc = isal_zlib.crc32(piece, crc)
        info.CRC = crc
        _copy_raw(out, info, pieces)
        return True
    _copy_raw(out, info, _deflated(info, pieces))
    return False


def _deflated(info: zipfile.ZipInfo, pieces: Iterable) -> list[bytes]:
    """``pieces`` as a big member's deflated bytes (:func:`deflate`'s blocks), its entry ``info``
    given their CRC-32 and both sizes as they are made (rows made as they are written have no
    size before)."""
    sizes: list[int] = []
    packed, info.CRC = deflate((sizes.append(len(p)) or p for p in pieces), BIG_PART_LEVEL)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size = sum(sizes), sum(map(len, packed))
    return packed


PARALLEL_FROM = 4 << 20     # a part this big is deflated in blocks, on every core
BLOCK = 1 << 20
WINDOW = 32 << 10           # deflate's history: each block may refer this far back


def deflate(pieces: Iterable, level: int = BIG_PART_LEVEL) -> tuple[list[bytes], int]:
    """The pieces' bytes as one raw deflate stream, and their CRC-32; made as pigz makes it:
    1 MB blocks deflated on all cores at once (zlib-ng releases the GIL), each primed with the
    32 KB before it so it compresses as well as one stream would, ended by a sync flush so
    the blocks join into one valid stream. A few blocks are in flight at a time: memory holds
    the compressed output, not a joined copy of the input. The stream comes as its blocks,
    to be written one after the other: joined, the 46 MB of an import's Customers sheet were
    held twice at the write's peak.

    >>> text = b"<row><c><v>12</v></c></row>" * 200_000
    >>> packed, crc = deflate([text[:5], memoryview(text)[5:]])
    >>> zlib.decompress(b"".join(packed), -15) == text, crc == zlib.crc32(text)
    (True, True)
    """
    workers = os.cpu_count() or 1
    out: list[bytes] = []
    crc = 0
    with ThreadPoolExecutor(workers) as pool:
        pending: list = []
        history = b""
        for block, last in _blocks(pieces):
            crc = isal_zlib.crc32(block, crc)     # (ISA-L's: 6x zlib's, same value)
            pending.append(pool.submit(_deflate_block, block, history, last, level))
            history = block[-WINDOW:]
            if len(pending) >= 2 * workers:
                out.append(pending.pop(0).result())
        out += [f.result() for f in pending]
    return out, crc


def _deflate_block(block: bytes, history: bytes, last: bool, level: int) -> bytes:
    z = zlib_ng.compressobj(level, zlib.DEFLATED, -15, **({"zdict": history} if history else {}))
    return z.compress(block) + z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _blocks(pieces: list):
    """(block of about :data:`BLOCK` bytes, is it the last) over the pieces joined."""
    batch: list = []
    held = 0
    for piece in pieces:
        view = memoryview(piece)
        while len(view):
            take = view[:BLOCK - held]
            batch.append(take)
            held += len(take)
            view = view[len(take):]
            if held >= BLOCK:
                yield b"".join(batch), False
                batch, held = [], 0
    yield b"".join(batch), True

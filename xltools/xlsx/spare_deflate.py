"""A working copy's stored parts deflated on a spare core while the batch goes on.

A batch's working copy keeps the big parts its steps rewrite stored uncompressed, and deflates
them when it becomes the book (:func:`~xltools.xlsx.zipcopy.deflate_stored`): a later step may
rewrite them again. The steps are mostly one thread of Python, so the machine's other core is
idle while they run. :class:`SpareDeflate` deflates each stored part there as soon as it is
written, one 1 MB block after another; the swap takes what is ready and deflates the rest as
before. A part written again before the swap has its old version's work dropped.

The output is byte for byte what the swap would make: the same :func:`~xltools.xlsx.zipcopy.deflate`
of the same blocks, checked against the entry's CRC-32. Only the time it is done changes.
"""

from __future__ import annotations

import os
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Self

from .inflate import raw_pieces
from .zipcopy import BLOCK, deflate


class _Dropped(Exception):
    """A part's deflating stopped: a newer version replaced it, or the batch ended."""


@dataclass
class _Job:
    where: tuple[int, int, int]       # (offset, CRC-32, size): which version of the part
    drop: threading.Event = field(default_factory=threading.Event)
    future: Future | None = None


class SpareDeflate:
    """Deflate a working copy's stored parts in one background thread (zlib-ng releases the GIL,
    so the steps go on beside it); :meth:`take` what is done. Use as a context manager: on
    leaving it, work not done is dropped and the thread has stopped (the copy can be deleted)."""

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="xltools-spare-deflate")
        self._jobs: dict[str, _Job] = {}

    def start(self, names: set[str]) -> None:
        """Begin deflating the stored parts ``names``, as the copy holds them now (just written);
        an earlier version's work is dropped."""
        if not names or (os.cpu_count() or 1) < 2:     # no spare core: the swap deflates all
            return
        with zipfile.ZipFile(self.path) as package:
            infos = [package.getinfo(name) for name in sorted(names)]
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                continue
            old = self._jobs.pop(info.filename, None)
            if old is not None:
                old.drop.set()
            job = _Job((info.header_offset, info.CRC, info.file_size))
            job.future = self._pool.submit(self._deflate, info, job.drop)
            self._jobs[info.filename] = job

    def take(self, info: zipfile.ZipInfo) -> list[bytes] | None:
        """The deflated bytes (:func:`~xltools.xlsx.zipcopy.deflate`'s blocks) of the stored part
        ``info`` names, if its deflating is done; else None (the caller deflates it)."""
        job = self._jobs.get(info.filename)
        if job is None or job.where != (info.header_offset, info.CRC, info.file_size) \
                or not job.future.done() or job.future.cancelled() \
                or job.future.exception() is not None:
            return None
        return job.future.result()

    def _deflate(self, info: zipfile.ZipInfo, drop: threading.Event) -> list[bytes]:
        def pieces(fp):
            for piece in raw_pieces(fp, info, BLOCK):     # (a stored part's are its bytes)
                if drop.is_set():
                    raise _Dropped(info.filename)
                yield piece

        # its own handle: the steps append to the copy meanwhile, never over a part's bytes
        with open(self.path, "rb") as fp:
            packed, crc = deflate(pieces(fp), workers=1)
        if crc != info.CRC:
            raise zipfile.BadZipFile(f"bad CRC-32 for {info.filename}")
        return packed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        for job in self._jobs.values():
            if not job.future.done():
                job.drop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

"""Refuse hostile or unreadable workbook files before any parser sees them.

Every reader of a workbook (the file backend's :class:`~xltools.xlsx.package.Package`, the
importer's source reader) calls these first, so one guard covers every command:

* :func:`check_magic` -- what the first bytes say: an OLE compound file is a password-protected
  workbook (it holds an ``EncryptedPackage`` stream) or a legacy ``.xls``; anything else that is
  not a zip is not a workbook.
* :func:`check_archive` -- the zip's own declarations, read from its central directory, before
  anything is inflated: a member that would inflate past :data:`MAX_MEMBER_BYTES`, a package past
  :data:`MAX_TOTAL_BYTES`, or a large member compressed more than :data:`MAX_RATIO` : 1 (real sheet
  XML compresses about 10:1; a zip bomb a thousand to one) is refused. Then the prolog of every XML
  part (its first few KB) is searched for a ``<!DOCTYPE``: OOXML never declares one, and a DTD is
  how entity-expansion bombs and external-entity fetches are built, so such a part is refused
  rather than parsed carefully.

Messages are :class:`~xltools.errors.BadWorkbookError` (or the class the caller passes), in
Chinese and English, naming the file and the part.

>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("xl/a.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
>>> check_archive(zipfile.ZipFile(buf), "a.xlsx")
Traceback (most recent call last):
...
xltools.errors.BadWorkbookError: a.xlsx 的部件 xl/a.xml 含有 DTD 声明(可被用来展开实体或读取外部文件),已拒绝读取 / a.xlsx: part xl/a.xml declares a DTD (a way to expand entities or fetch outside files); refused
"""

from __future__ import annotations

import codecs
import zipfile
import zlib

from ..errors import BadWorkbookError, XlToolsError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK"
MAX_MEMBER_BYTES = 2 << 30      # one part inflating past 2 GiB
MAX_TOTAL_BYTES = 4 << 30       # the whole package past 4 GiB
MAX_RATIO = 100                 # compression ratio beyond which a large member is suspicious
RATIO_GRACE_BYTES = 16 << 20    # ... "large": small members may compress as well as they like
PROLOG_BYTES = 4096             # the first read of a part: its prolog nearly always ends here
CHUNK = 1 << 16                 # ... a longer prolog is read on in pieces of this size
XML_SUFFIXES = (".xml", ".rels", ".vml")


def _gb(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MB"


def check_magic(head: bytes, name: str, error: type[XlToolsError] = BadWorkbookError) -> None:
    """Refuse what is not a zip package, explaining the common cases from the first bytes.

    ``head`` is the file's start; an OLE compound file is read whole (they are small) to tell an
    encrypted workbook from a legacy one."""
    if head.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in head:
            raise error(f"工作簿已加密(设置了打开密码):{name};请在 Excel 中取消密码后另存为 .xlsx",
                        f"{name} is password-protected (encrypted); remove the password in Excel "
                        "and save it as .xlsx")
        raise error(f"{name} 是旧版 Excel 97-2003 工作簿(.xls);请在 Excel 中另存为 .xlsx",
                    f"{name} is a legacy Excel 97-2003 workbook (.xls); save it as .xlsx in Excel")
    if not head.startswith(ZIP_MAGIC):
        raise error(f"不是有效的 Excel 工作簿(.xlsx/.xlsm):{name}",
                    f"not a valid Excel workbook (.xlsx/.xlsm): {name}")


_ENCRYPTED = 0x1        # general purpose flag bit 0: the member is encrypted (not how Excel
                        # encrypts a workbook: that is an OLE file, refused by check_magic)


def check_archive(zf: zipfile.ZipFile, name: str,
                  error: type[XlToolsError] = BadWorkbookError) -> None:
    """Refuse zip bombs (by the declared sizes, nothing inflated yet) and XML parts with a DTD."""
    total = 0
    for info in zf.infolist():
        if info.flag_bits & _ENCRYPTED:     # zipfile would stop at it (RuntimeError)
            raise damaged(name, info.filename, ValueError("encrypted zip member"), error)
        size = info.file_size
        total += size
        ratio = size / max(1, info.compress_size)
        if size > MAX_MEMBER_BYTES or (size > RATIO_GRACE_BYTES and ratio > MAX_RATIO):
            raise error(
                f"{name} 的部件 {info.filename} 解压后将达 {_gb(size)}(压缩比 {ratio:.0f}:1),"
                "疑似 zip 炸弹,已拒绝读取",
                f"{name}: part {info.filename} would inflate to {_gb(size)} (ratio {ratio:.0f}:1); "
                "refused as a possible zip bomb")
    if total > MAX_TOTAL_BYTES:
        raise error(f"{name} 解压后共 {_gb(total)},超过上限 {_gb(MAX_TOTAL_BYTES)},疑似 zip 炸弹,已拒绝读取",
                    f"{name} would inflate to {_gb(total)} in all, over the {_gb(MAX_TOTAL_BYTES)} "
                    "limit; refused as a possible zip bomb")
    for info in zf.infolist():
        if info.filename.lower().endswith(XML_SUFFIXES) and _declares_dtd(zf, info, name, error):
            raise error(f"{name} 的部件 {info.filename} 含有 DTD 声明(可被用来展开实体或读取外部文件),已拒绝读取",
                        f"{name}: part {info.filename} declares a DTD (a way to expand entities or "
                        "fetch outside files); refused")


def _declares_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, error) -> bool:
    try:
        with zf.open(info) as fh:
            return prolog_declares_dtd(_pieces(fh))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as err:
        raise damaged(name, info.filename, err, error) from None


def _pieces(fh):
    yield fh.read(PROLOG_BYTES)
    while data := fh.read(CHUNK):
        yield data


def prolog_declares_dtd(chunks) -> bool:
    """Whether the XML document in ``chunks`` (bytes) has a ``<!...>`` declaration before its root
    element. Reads only up to the root element, in any encoding a parser would accept (UTF-8,
    UTF-16 with or without a byte order mark); a long comment is streamed, not held.

    >>> prolog_declares_dtd([b'<?xml version="1.0"?><!--' + b'x' * 9000 + b'--><!DOCTYPE a><a/>'])
    True
    >>> prolog_declares_dtd([b'<?xml version="1.0"?>\\n<a><!DOCTYPE b></a>'])
    False
    """
    decoder = None
    buf, pos, closing = "", 0, None
    for data in chunks:
        if decoder is None:
            decoder = codecs.getincrementaldecoder(_encoding(data))("replace")
        buf = buf[pos:] + decoder.decode(data)
        pos = 0
        while True:
            if closing:  # inside <?...?> or <!--...-->: find its end
                end = buf.find(closing, pos)
                if end < 0:
                    pos = max(pos, len(buf) - len(closing))
                    break
                pos, closing = end + len(closing), None
                continue
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            if len(buf) - pos < 4:
                break  # too little to tell: read on
            if buf.startswith("<?", pos):
                pos, closing = pos + 2, "?>"
            elif buf.startswith("<!--", pos):
                pos, closing = pos + 4, "-->"
            else:  # <!DOCTYPE (or another declaration) before the root, or the root itself
                return buf.startswith("<!", pos)
    return not closing and buf[pos:].lstrip(_SPACE).startswith("<!")


_SPACE = " \t\r\n\ufeff"


def _encoding(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "utf-8"


def damaged(name: str, part: str, err: BaseException,
            error: type[XlToolsError] = BadWorkbookError) -> XlToolsError:
    """The error for a member that cannot be inflated or parsed (bad CRC, broken stream)."""
    detail = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
    return error(f"工作簿已损坏:{name} 的部件 {part} 无法读取({detail})",
                 f"the workbook is damaged: {name}, part {part} cannot be read ({detail})")

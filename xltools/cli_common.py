"""What every command of the ``xltools`` CLI shares: the --lang/--json options, one bilingual line
and exit 2 for a failure, and the JSON printer. Kept apart from ``cli.py`` so the modules that add
command groups (``addin``, ``db``) need not import the CLI that imports them.
"""

from __future__ import annotations

import json
import os
import sys

import click

from .errors import EXIT_CANNOT_RUN, XlToolsError

LANG_META = "xltools.lang"


def lang_or_global(ctx: click.Context, _param, value: str | None) -> str | None:
    """A command's --lang, else the one given before the command (``xltools --lang en CMD``)."""
    return value or ctx.meta.get(LANG_META)


def remember_lang(ctx: click.Context, _param, value: str | None) -> None:
    if value:
        ctx.meta[LANG_META] = value


LANG_HELP = "Message language (default: the book's). 消息语言(默认与工作簿一致)。"
LANG_OPTION = click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                           callback=lang_or_global, help=LANG_HELP)
# The same option before the command name: ``xltools --lang en validate team.xlsx``.
GLOBAL_LANG_OPTION = click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                                  expose_value=False, is_eager=True, callback=remember_lang,
                                  help=LANG_HELP + " Also after the command. 也可写在命令之后。")
JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON document on stdout (English keys). 输出 JSON。")


def fail(err: Exception, as_json: bool = False) -> None:
    """One bilingual line on stderr, exit 2, never a traceback (unless XLTOOLS_DEBUG is set)."""
    if os.environ.get("XLTOOLS_DEBUG"):
        raise err
    if isinstance(err, XlToolsError):
        zh, en = err.zh, err.en
    elif isinstance(err, OSError):
        zh, en = os_error_words(err)
    else:
        zh = f"内部错误:{type(err).__name__}"
        en = f"internal error: {type(err).__name__}: {safe(err)}"
    click.echo(f"xltools: {zh} / {en}", err=True)
    if getattr(err, "detail", ""):
        click.echo(err.detail, err=True)
    if as_json:
        click.echo(json.dumps({"ok": False, "error": {"message_zh": zh, "message_en": en}},
                              ensure_ascii=False))
    sys.exit(EXIT_CANNOT_RUN)


def os_error_words(err: OSError) -> tuple[str, str]:
    """A file system failure (disk full, permission, missing folder) in words, not a class name."""
    import errno as errnos
    where = f" {err.filename}" if err.filename else ""
    if err.errno in (errnos.ENOSPC, getattr(errnos, "EDQUOT", errnos.ENOSPC)):
        return (f"磁盘空间不足{where};工作簿未改动", f"not enough disk space{where}; the workbook "
                "is unchanged")
    reason = err.strerror or type(err).__name__
    return f"无法读写文件{where}:{reason}", f"cannot read or write{where}: {reason}"


def safe(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return text[:200]


JSON_BATCH = 20_000     # items of a long list encoded at a time


def emit_json(payload: dict) -> None:
    """``payload`` as one JSON document on stdout (as ``json.dumps(payload, ensure_ascii=False)``
    writes it). A long list at its top level (a legacy book's million issues, held as
    :class:`~xltools.changes.Issue` objects: anything with ``to_json``) is encoded a batch at a
    time, so neither a dict per item nor the whole text is ever held at once.

    >>> from xltools.changes import Issue
    >>> emit_json({"ok": False, "issues": [Issue("Customers", 2, "Owner", "张三", "list", "error",
    ...                                           "不在列表中", "not listed")]})
    {"ok": false, "issues": [{"table": "Customers", "row": 2, "column": "Owner", "value": "张三", "check": "list", "severity": "error", "message_zh": "不在列表中", "message_en": "not listed"}]}
    """
    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, default=_jsonable)

    click.echo("{", nl=False)
    for n, (key, value) in enumerate(payload.items()):
        comma = "" if n == 0 else ", "
        if not isinstance(value, list) or len(value) <= JSON_BATCH:
            click.echo(comma + dumps({key: value})[1:-1], nl=False)   # (a key as json writes it)
            continue
        click.echo(comma + dumps({key: []})[1:-3], nl=False)             # '"issues": '
        for start in range(0, len(value), JSON_BATCH):
            batch = dumps(value[start:start + JSON_BATCH])
            click.echo(("[" if start == 0 else ", ") + batch[1:-1], nl=False)
        click.echo("]", nl=False)
    click.echo("}")


def _jsonable(value):
    return value.to_json() if hasattr(value, "to_json") else str(value)


def done(as_json: bool, payload: dict, zh: str, en: str, lang: str) -> None:
    if as_json:
        emit_json(payload)
    else:
        click.echo(zh if lang == "zh" else en)

"""``xltools db``: move a team between a workbook and a database.

``db init URL`` makes (or migrates) the tables, ``db push BOOK URL`` puts a book's records in,
``db pull URL -o BOOK`` makes a full workbook from the database. Every other command takes the
URL where it takes a book: ``xltools monthly postgresql://alice@db/sales``.
"""

from __future__ import annotations

from pathlib import Path

import click

from .errors import XlToolsError

_LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                     help="Message language. 消息语言。")
_JSON = click.option("--json", "as_json", is_flag=True,
                     help="Print one JSON document on stdout (English keys). 输出 JSON。")


def _check_url(url: str) -> str:
    from .backend.database.url import is_database_url, sqlalchemy_url
    if not is_database_url(url):
        raise XlToolsError(f"不是数据库地址:{url}(例如 sqlite:///team.db 或 postgresql://用户@主机/库名)",
                           f"not a database URL: {url} (e.g. sqlite:///team.db or "
                           "postgresql://user@host/dbname)")
    sqlalchemy_url(url)  # refuses a password in the URL before anything connects
    return url


@click.group("db")
def db_group() -> None:
    """Keep the team's database on SQLite or PostgreSQL. 用数据库(SQLite/PostgreSQL)保存客户数据库。

    \b
    From a workbook to PostgreSQL in three commands / 三条命令迁移:
      xltools db init postgresql://alice@db.example.com/sales
      xltools db push team.xlsx postgresql://alice@db.example.com/sales
      xltools monthly postgresql://alice@db.example.com/sales
    Passwords: PGPASSWORD or ~/.pgpass, never in the URL. 密码只从 PGPASSWORD 或 ~/.pgpass 读取。
    """


@db_group.command("init")
@click.argument("url")
@click.option("--strict", is_flag=True,
              help="Also enforce the data rules in SQL (required, unique IDs, foreign keys, "
                   "amounts >= 0): a messy book then cannot be pushed until it is clean. "
                   "同时在数据库中强制必填、ID 唯一、外键等规则。")
@click.option("--per-owner-access", is_flag=True,
              help="PostgreSQL row-level security: a member's role (named as in the Owner "
                   "column, member of xltools_member) sees only their own customers. "
                   "按负责人分权:成员角色只能看到自己的客户。")
@click.option("--book-lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of books pulled from a new database. 新数据库导出工作簿的语言。")
@_LANG
@_JSON
def init_cmd(url: str, strict: bool, per_owner_access: bool, book_lang: str, lang: str | None,
             as_json: bool) -> None:
    """Create the tables from schemas/, or migrate an older database forward. 建表或升级。

    \b
    Example: xltools db init sqlite:///team.db
    """
    from .backend.database import display_name, init
    from .cli_common import done as _done
    from .cli_common import fail as _fail
    try:
        report = init(_check_url(url), lang=book_lang, strict=strict,
                      per_owner_access=per_owner_access)
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear line
        _fail(db_error(err), as_json)
    made = len(report["created"])
    added = len(report["added_columns"])
    _done(as_json, {"ok": True, "database": display_name(url), **report},
          f"数据库已就绪:{display_name(url)}(新建 {made} 张表,新增 {added} 列,结构版本 "
          f"{report['schema_version']})",
          f"Database ready: {display_name(url)} ({made} tables created, {added} columns added, "
          f"schema version {report['schema_version']})", lang or "zh")


@db_group.command("push")
@click.argument("book", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("url")
@_LANG
@_JSON
def push_cmd(book: Path, url: str, lang: str | None, as_json: bool) -> None:
    """Put BOOK's records into the database (upsert, one transaction; pushing twice changes
    nothing). 把工作簿的数据写入数据库(新增或更新,一次事务)。

    \b
    Example: xltools db push team.xlsx postgresql://alice@db.example.com/sales
    """
    from .backend.database import DatabaseBackend, push
    from .backend.file import FileBackend
    from .cli_common import done as _done
    from .cli_common import fail as _fail
    try:
        target = DatabaseBackend(_check_url(url), command="push")
        db = FileBackend(book).load()
        report = push(db, target)
        target.engine.dispose()
    except Exception as err:  # noqa: BLE001
        _fail(db_error(err), as_json)
    _done(as_json, {"ok": True, "book": str(book), "database": target.name, **report},
          f"已写入 {target.name}:新增 {report['inserted']} 行,更新 {report['updated']} 行,"
          f"未变 {report['unchanged']} 行;仅数据库中有 {report['only_in_database']} 行",
          f"Pushed to {target.name}: {report['inserted']} rows inserted, {report['updated']} "
          f"updated, {report['unchanged']} unchanged; {report['only_in_database']} rows only in "
          "the database", lang or db.lang)


@db_group.command("pull")
@click.argument("url")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The workbook to write. 输出工作簿。")
@click.option("--owner", default=None, help="Only this member's customers (and their follow-ups, "
              "tags, opportunities). 只导出该负责人的客户。")
@click.option("--force", is_flag=True, help="Overwrite an existing output file (never a "
              "customer workbook). 覆盖已有文件(客户工作簿永不覆盖)。")
@_LANG
@_JSON
def pull_cmd(url: str, output: Path, owner: str | None, force: bool, lang: str | None,
             as_json: bool) -> None:
    """Write a full workbook (template, dropdowns and all) from the database. 从数据库导出工作簿。

    \b
    Example: xltools db pull postgresql://alice@db.example.com/sales -o 张三.xlsx --owner 张三
    """
    from .backend.database import DatabaseBackend, pull, write_book
    from .cli_common import done as _done
    from .cli_common import fail as _fail
    from .outputs import check_output
    try:
        source = DatabaseBackend(_check_url(url), command="pull")
        check_output(output, force=force)
        db = pull(source, owner=owner)
        source.engine.dispose()
        write_book(db, output)
    except Exception as err:  # noqa: BLE001
        _fail(db_error(err), as_json)
    n = len(db.tables["Customers"].df)
    _done(as_json, {"ok": True, "database": source.name, "path": str(output), "owner": owner,
                    "customers": n},
          f"已导出 {n} 位客户到 {output}", f"Wrote {n} customers to {output}", lang or db.lang)


def db_error(err: Exception) -> Exception:
    """A driver's error as one line that names no credentials (never the full DSN)."""
    if isinstance(err, XlToolsError):
        return err
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError
    if isinstance(err, SQLAlchemyError):
        orig = getattr(err, "orig", None) if isinstance(err, DBAPIError) else None
        lines = str(orig or err).strip().splitlines()
        first = lines[0][:200] if lines else type(err).__name__
        return XlToolsError(f"数据库操作失败:{first}", f"database error: {first}")
    return err

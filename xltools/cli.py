"""The ``xltools`` command line.

Book commands are generated from the operations registry (``xltools.registry``); the few commands
that do not work on an existing book (template, new, demo, undo) are written out here.
Every command: ``--help`` with an example, ``--json`` for one JSON document on stdout, ``--lang``
for the message language, exit codes 0 ok / 1 data problems / 2 could not run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .cli_common import GLOBAL_LANG_OPTION, JSON_OPTION, LANG_HELP, LANG_OPTION, emit_json
from .cli_common import lang_or_global
from .cli_common import done as _done
from .cli_common import fail as _fail
from .cli_common import os_error_words as _os_error
from .cli_common import safe as _safe
from .errors import EXIT_CANNOT_RUN, EXIT_OK, EXIT_PROBLEMS, XlToolsError
from .catalog import operations
from .registry import Operation
from .targets import is_database_url

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xltools")
@GLOBAL_LANG_OPTION
def cli() -> None:
    """xltools: 用一个 Excel 工作簿管理销售团队的客户数据库。
    Keep a sales team's customer database in one Excel workbook.

    \b
    Start here / 从这里开始:
      xltools demo            # build a demo book and run the monthly job on it
      xltools new book.xlsx   # a fresh book from the template
    """


# ---------------------------------------------------------------- commands without a book


@cli.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("workbook_template.xlsx"), show_default=True,
              help="Where to write the template. 模板的输出路径。")
@click.option("--force", is_flag=True,
              help="Overwrite OUTPUT if it exists (never a customer workbook). 覆盖已有文件。")
@LANG_OPTION
@JSON_OPTION
def template_cmd(output: Path, force: bool, lang: str | None, as_json: bool) -> None:
    """Build the empty template workbook from schemas/. 由 schemas/ 生成模板工作簿。

    An existing workbook with the customer table (the template included) is never replaced:
    delete it first. 已有的客户工作簿(包括模板)不会被覆盖,请先删除。

    \b
    Example: xltools template -o workbook_template.xlsx --lang en
    """
    from .outputs import check_output
    from .template import build_template
    try:
        check_output(output, force=force)
        build_template(output, lang=lang or "zh")
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear line
        _fail(err, as_json)
    _done(as_json, {"ok": True, "path": str(output)},
          f"已生成模板:{output}", f"Template written: {output}", lang or "zh")


@cli.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--demo", is_flag=True, help="Fill with a synthetic team's messy data. 填入演示数据。")
@click.option("--customers", type=int, default=300, show_default=True,
              help="How many demo customers. 演示客户数。")
@click.option("--seed", type=int, default=20240315, show_default=True, help="Demo random seed (the same seed, the same book). 演示数据的随机种子。")
@click.option("--force", is_flag=True,
              help="Overwrite PATH if it exists (never a customer workbook). 覆盖已有文件(客户工作簿除外)。")
@LANG_OPTION
@JSON_OPTION
def new_cmd(path: Path, demo: bool, customers: int, seed: int, force: bool, lang: str | None,
            as_json: bool) -> None:
    """Create a workbook from the template, optionally with demo data. 新建工作簿。

    \b
    Example: xltools new team.xlsx --demo
    """
    from .outputs import check_output
    from .template import build_template
    lang = lang or "zh"
    try:
        check_output(path, force=force)
        data = None
        if demo:
            from .demo import demo_data
            data = demo_data(n_customers=customers, seed=seed)
        from .keys import new_salt
        build_template(path, lang=lang, data=data, salt=None if demo else new_salt())
    except Exception as err:  # noqa: BLE001
        _fail(err, as_json)
    _done(as_json, {"ok": True, "path": str(path), "demo": demo},
          f"已创建工作簿:{path}", f"Workbook created: {path}", lang)


@cli.command("undo")
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--list", "show", is_flag=True, help="Show the kept states; change nothing. 列出历史。")
@click.option("--to", "to", type=int, default=None,
              help="Restore the state numbered N in --list. 恢复到 --list 中编号为 N 的状态。")
@click.option("--force", is_flag=True,
              help="Undo even though the book changed since xltools wrote it (the current book is "
                   "kept first). 工作簿在外部被修改过也撤销(先保存当前工作簿)。")
@LANG_OPTION
@JSON_OPTION
def undo_cmd(book: Path, show: bool, to: int | None, force: bool, lang: str | None,
             as_json: bool) -> None:
    """Undo the last change xltools made to BOOK, naming it. 撤销上一次修改,并说明撤销的是哪个命令。

    Every write keeps the book's state (command, time, hash). Undo refuses when the book was
    changed outside xltools since (someone saved it in Excel) unless --force, and then keeps the
    current book first, so an undo can itself be undone with --to N.
    每次写入都保留工作簿的状态;工作簿在外部被修改后,撤销会拒绝执行,除非加 --force(先保存当前工作簿)。

    \b
    Example: xltools undo team.xlsx --list
             xltools undo team.xlsx
             xltools undo team.xlsx --to 3
    """
    from .undo_report import list_history, undo_message
    from .backend import history
    lang = lang or "zh"
    try:
        if show:
            payload, text = list_history(book, lang)
        else:
            payload, text = undo_message(history.undo(book, force=force, to=to), book, lang)
    except Exception as err:  # noqa: BLE001
        _fail(err, as_json)
    if as_json:
        emit_json(payload)
    else:
        click.echo(text)


@cli.command("demo")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path),
                default=Path("xltools-demo"), required=False)
@click.option("--customers", type=int, default=300, show_default=True,
              help="How many demo customers (40 or more). 演示客户数(至少 40)。")
@LANG_OPTION
@JSON_OPTION
def demo_cmd(directory: Path, customers: int, lang: str | None, as_json: bool) -> None:
    """The main job on demo data: build a messy demo book, import a messy export into it, run the
    monthly batch, query and export. 演示:生成演示工作簿并运行全部功能。

    \b
    Example: xltools demo            # writes ./xltools-demo/
    """
    from .demo_run import run_demo
    try:
        summary = run_demo(directory, customers=customers, lang=lang or "zh", quiet=as_json)
    except Exception as err:  # noqa: BLE001
        _fail(err, as_json)
    if as_json:
        emit_json(summary)


# ---------------------------------------------------------------- commands generated from the registry


def run_operation(op: Operation, book: Path, params: dict, *, lang: str | None = None,
                  dry_run: bool = False):
    """Run the operation on BOOK (a workbook path or a database URL) through
    :class:`xltools.Book`. Returns (result, book language)."""
    from .book import Book

    target = Book.open(book)
    if not is_database_url(book):
        result = target.run(op.id, dry_run=dry_run, lang=lang, **params)
        return result, target.lang
    from .db_commands import db_error
    try:
        result = target.run(op.id, dry_run=dry_run, lang=lang, **params)
        return result, target.lang
    except Exception as err:  # a driver's error as one line without the connection string
        raise db_error(err) from None
    finally:
        target.backend.engine.dispose()


def _make_command(op: Operation) -> click.Command:
    def callback(books, as_json: bool, lang: str | None, dry_run: bool = False, **params):
        paths = list(books) if op.many_books else [books]
        exit_code = EXIT_OK
        reports = []
        for book in paths:
            try:
                target = book if is_database_url(book) else Path(book)
                result, book_lang = run_operation(op, target, params, lang=lang,
                                                  dry_run=dry_run)
            except Exception as err:  # noqa: BLE001
                if not op.many_books:
                    _fail(err, as_json)
                from .errors import Terminated
                if isinstance(err, Terminated):
                    _fail(err, as_json)  # stopped: no other book either
                # several books: report this one's failure and go on with the others
                zh, en = (err.zh, err.en) if isinstance(err, XlToolsError) else \
                    _os_error(err) if isinstance(err, OSError) else (
                    f"内部错误:{type(err).__name__}", f"internal error: {_safe(err)}")
                click.echo(f"xltools: {book}: {zh} / {en}", err=True)
                reports.append({"book": str(book), "ok": False,
                                "error": {"message_zh": zh, "message_en": en}})
                exit_code = EXIT_CANNOT_RUN
                continue
            out_lang = lang or book_lang
            if result.has_problems and exit_code != EXIT_CANNOT_RUN:
                exit_code = EXIT_PROBLEMS
            payload = {"ok": not result.has_problems, **result.data}
            if as_json and "issues" not in payload:  # every command's JSON has its issues
                payload["issues"] = list(result.issues)   # emit_json asks each for its JSON
            if op.many_books:
                payload["book"] = str(book)
            reports.append(payload)
            if not as_json:
                _print_human(result, out_lang)
        if as_json:
            emit_json(reports[0] if not op.many_books else {"books": reports})
        sys.exit(exit_code)

    params = [click.Argument(["books"], nargs=-1 if op.many_books else 1, required=True,
                             type=click.Path(dir_okay=False),
                             metavar="BOOK..." if op.many_books else "BOOK")]
    for p in op.params:
        text = f"{p.help_en} {p.help_zh}".strip()
        if p.positional:
            params.append(click.Argument([p.name], nargs=-1 if p.multiple else 1,
                                         required=p.required, type=p.type))
        elif p.is_flag:
            params.append(click.Option([*p.flags, p.name], is_flag=True, default=bool(p.default),
                                       help=text))
        else:
            params.append(click.Option([*p.flags, p.name], type=p.type, default=p.default,
                                       multiple=p.multiple, required=p.required,
                                       show_default=p.default is not None, help=text))
    params += [click.Option(["--json", "as_json"], is_flag=True,
                            help="Print one JSON document on stdout (English keys). 输出 JSON。"),
               click.Option(["--lang"], type=click.Choice(["zh", "en"]), default=None,
                            callback=lang_or_global, help=LANG_HELP)]
    if op.writes:
        params.append(click.Option(["--dry-run"], is_flag=True,
                                   help="Show what would change; write nothing. 只预览,不写入。"))
    help_text = f"{op.help_en}\n\n{op.help_zh}\n\n\b\nExample: {op.example}"
    if op.help_more:
        help_text += f"\n\n\b\n{op.help_more}"
    return click.Command(op.id, callback=callback, params=params, help=help_text,
                         short_help=f"{op.label_en} / {op.label_zh}")


def _print_human(result, lang: str) -> None:
    from .report import print_result
    print_result(result, lang)


class _Main(click.Group):
    """Adds the registry's operations lazily so ``xltools --help`` lists them all."""

    def invoke(self, ctx):
        from .errors import Terminated
        from .heap import bound_heap
        _stop_cleanly_on_signals()
        bound_heap()
        try:
            return super().invoke(ctx)
        except Terminated as err:  # wherever it landed (an import, between two books ...)
            _fail(err)

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | {op.id for op in operations()})

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return cmd
        for op in operations():
            if op.id == name:
                return _make_command(op)
        return None


def _stop_cleanly_on_signals() -> None:
    """SIGTERM (a scheduler) and Ctrl-C become an exception where the program is, so temp files,
    working copies and the lock are removed on the way out and the message is one clear line."""
    import signal
    import sys

    from .backend.safety import on_signal, unraisable
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            try:
                signal.signal(getattr(signal, name), on_signal)
            except ValueError:  # not the main thread (an embedding program): leave its handlers
                return
    sys.unraisablehook = unraisable(sys.unraisablehook)   # a signal inside a finalizer


from .addin.commands import addin_group  # noqa: E402  (xltools addin build / install)

cli.add_command(addin_group)

from .db_commands import db_group  # noqa: E402  (xltools db init / push / pull)

cli.add_command(db_group)

main = _Main(name="xltools", commands=cli.commands, help=cli.help,
             context_settings=cli.context_settings, params=cli.params)

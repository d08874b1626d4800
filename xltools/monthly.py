"""The monthly batch: every maintenance operation in one run, through any backend.

Each step sees the book as the previous step left it (re-read after each write, only the tables
the write touched when the backend can), runs one registered operation and applies its changes, so
later steps see earlier fixes (validate runs last and reports what is still open).
The file CLI runs the whole batch on a working copy and swaps it in at the end (see
``xltools.backend.transaction``): the book on disk is the old or the fully processed one, never a
half-run batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .backend.base import Backend
from .changes import Changeset, Issue, Result
from .errors import Terminated, XlToolsError
from .context import RunContext
from .db import Handover
from .heap import give_back, paused
from .catalog import get, operations

# (operation id, parameters). Order matters: masks and fingerprints first (dedupe and validate need
# them), follow-up sync before tags (the dormant rule reads LastFollowUpTime), validate last.
STEPS: tuple[tuple[str, dict], ...] = (
    ("mask", {"skip_without_key": True}),   # no key: masks nothing, validate reports the raw values
    ("fill-region", {}),
    ("sync", {}),
    ("tag", {"levels": True}),
    ("pool", {}),
    ("dedupe", {}),
    ("remind", {}),
    ("summary", {}),
    ("validate", {}),
)


@dataclass
class StepReport:
    op: str
    label_zh: str
    label_en: str
    summary_zh: str
    summary_en: str
    changes: int
    data: dict = field(default_factory=dict)


@dataclass
class MonthlyRun:
    book: str
    started: dt.datetime
    steps: list[StepReport] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    lang: str = "zh"  # the book's language, for the report


def run_monthly(backend: Backend, ctx: RunContext | None = None, *,
                on_step: Callable[[str, int, int], None] | None = None, db=None,
                first: tuple[tuple[str, dict], ...] = ()) -> MonthlyRun:
    """Run every step of :data:`STEPS` through ``backend`` (``load()`` / ``apply()`` / ``reload()``).

    ``ctx.book`` is where side files (the vault) belong when the backend works on a copy;
    ``ctx.today`` and ``ctx.dry_run`` go to every step, so in a dry run none writes side files
    beside the book (the changes still go to ``backend``: later steps must see them; the caller
    discards the copy). ``on_step(op_id, index, total)`` is called before each step, for progress
    bars. ``db``, when the caller already loaded the book as ``backend`` holds it, saves the first
    load; given as a :class:`~xltools.db.Handover`, the batch holds it only until the first step
    has written (its re-read tables replace it). ``first``: steps to run before :data:`STEPS`, e.g. ``(("gather", {"members": ...}),)``.
    """
    from .registry import REGISTRY

    operations()
    ctx = ctx or RunContext()
    book_path = ctx.book
    run = MonthlyRun(book=str(book_path or ""), started=dt.datetime.now())
    steps = [(op_id, params) for op_id, params in (*first, *STEPS) if op_id in REGISTRY]
    run.skipped = [op_id for op_id, _ in (*first, *STEPS) if op_id not in REGISTRY]
    if isinstance(db, Handover):
        db = db.take()
    # no automatic cyclic collection while a step runs: give_back() collects between steps. On
    # the bench book the 2,000 collections a batch's new objects set off took 0.4 s and freed
    # some 3,000 objects in all
    with paused():
        for index, (op_id, params) in enumerate(steps):
            if on_step:
                on_step(op_id, index, len(steps))
            op = get(op_id)
            if db is None:
                db = backend.load()
            run.lang = db.lang
            if book_path is not None:
                db.path = Path(book_path)
            step = replace(ctx, command=op_id, backend=backend)
            try:
                result: Result = op.func(db, step, **params)
            except Terminated:
                raise
            except Exception as err:  # noqa: BLE001 - one step's failure must not cost the others
                result = _failed_step(op, err)
            run.issues += [i for i in result.issues if i.check in ("rule", "step")]
            if op.writes and not result.changes.is_empty():
                last = index + 1 == len(steps)
                if last and not result.changes.data_changes():
                    db = db.without_rows()     # marks need where the tables are, not their rows
                    give_back()
                if last and hasattr(backend, "last_write"):   # (a working copy: see FileBackend)
                    backend.last_write()
                report = backend.apply(result.changes, db) or {}
                if report.get("truncated"):     # text over Excel's cell limit, kept in full aside
                    result.data = {**result.data, "truncated": report["truncated"]}
                # The next step needs the book as written; the file backend re-reads only the tables
                # the step touched (reading 500k follow-ups per step dominated the batch).
                db = None if last else backend.reload(db, result.changes)
            run.steps.append(StepReport(op_id, op.label_zh, op.label_en, result.summary_zh,
                                        result.summary_en, result.changes.data_changes(),
                                        result.data))
            if op_id == "validate":
                run.issues += list(result.issues)
            del result      # its changes are written: they need not live through the next step
            if index + 1 < len(steps):      # (after the last, only the report and the swap follow)
                give_back()
    return run


def _failed_step(op, err: Exception) -> Result:
    """A step that could not run, as a result with one error: the batch reports it and goes on
    with the next step (nothing of this step was applied)."""
    if isinstance(err, XlToolsError):
        zh, en = err.zh, err.en
    else:
        zh, en = f"内部错误:{type(err).__name__}", f"internal error: {type(err).__name__}"
    issue = Issue("", None, None, None, "step", "error", f"{op.label_zh}未完成:{zh}",
                  f"{op.label_en} did not run: {en}")
    return Result(Changeset(op.id), issues=[issue], summary_zh=f"未完成:{zh}",
                  summary_en=f"did not run: {en}", problems=True)


def as_result(run: MonthlyRun, report_path: Path | None) -> Result:
    """The batch as one Result: exit 1 while validation still finds problems."""
    errors = sum(i.severity == "error" for i in run.issues)
    warnings = len(run.issues) - errors
    changed = sum(s.changes for s in run.steps)
    lines_zh = [f"· {s.label_zh}:{s.summary_zh.splitlines()[0] if s.summary_zh else '完成'}"
                for s in run.steps]
    lines_en = [f"· {s.label_en}: {s.summary_en.splitlines()[0] if s.summary_en else 'done'}"
                for s in run.steps]
    verdict_zh = (f"月度处理完成:修改 {changed} 处;仍有 {errors} 个错误、{warnings} 个警告"
                  if run.issues else f"月度处理完成:修改 {changed} 处;没有遗留问题")
    verdict_en = (f"Monthly run done: {changed} changes; {errors} errors and {warnings} warnings "
                  "remain" if run.issues else f"Monthly run done: {changed} changes; no open problems")
    if report_path:
        verdict_zh += f"\n报告:{report_path}"
        verdict_en += f"\nReport: {report_path}"
    data = {
        "book": run.book,
        "changes": changed,
        "steps": [{"op": s.op, "changes": s.changes, "summary_en": s.summary_en} for s in run.steps],
        "open_problems": {"errors": errors, "warnings": warnings},
        "issues": [i.to_json() for i in run.issues],
        "report": str(report_path) if report_path else None,
        "lang": run.lang,
    }
    return Result(Changeset("monthly"), issues=run.issues, data=data,
                  summary_zh="\n".join(lines_zh + [verdict_zh]),
                  summary_en="\n".join(lines_en + [verdict_en]),
                  problems=bool(run.issues))

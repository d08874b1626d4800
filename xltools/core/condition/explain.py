"""Why a condition holds for a row, in words that show the row's values."""

from __future__ import annotations

import pandas as pd

from .evaluate import Context, _eval, _values
from .nodes import (And, Between, Blank, Compare, FollowupWithin, HasTag, InList, Not, Or, Period,
                    TextMatch)


def explain(node, ctx: Context, frame: pd.DataFrame) -> pd.Series:
    """Why the condition holds, row by row, showing the values: ``AnnualSpend 128000 >= 100000``.

    Meant for the rows where :func:`evaluate` is true (an ``or`` shows the branch that held).
    """
    return pd.Series(_explain(node, ctx, frame), index=frame.index, dtype=object)


def _fmt_values(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("空")
    if pd.api.types.is_numeric_dtype(values):
        text = values.map(lambda v: "空" if pd.isna(v) else f"{v:g}" if abs(v) < 1e15 else str(v))
        return text.astype(object)
    return values.where(values != "", "空").astype(object)


def _literal(value) -> str:
    if isinstance(value, Period):
        return value.literal
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _name(left) -> str:
    return left.text


def _explain(node, ctx: Context, frame: pd.DataFrame) -> pd.Series:
    idx = frame.index
    if isinstance(node, And):
        return _explain(node.left, ctx, frame) + "; " + _explain(node.right, ctx, frame)
    if isinstance(node, Or):
        left_holds = pd.Series(_eval(node.left, ctx, frame), index=idx)
        return _explain(node.left, ctx, frame).where(left_holds, _explain(node.right, ctx, frame))
    if isinstance(node, Not):
        return pd.Series(node.text, index=idx, dtype=object)
    if isinstance(node, Compare):
        name = node.left.text
        shown = _fmt_values(_values(node.left, ctx, frame))
        return (name + " " + shown + f" {node.op} {_literal(node.value)}").astype(object)
    if isinstance(node, InList):
        shown = _fmt_values(_values(node.left, ctx, frame))
        listed = ", ".join(_literal(v) for v in node.values)
        word = "not in" if node.negate else "in"
        return (node.left.text + " " + shown + f" {word} [{listed}]").astype(object)
    if isinstance(node, TextMatch):
        shown = _fmt_values(_values(node.left, ctx, frame))
        word = ("not " if node.negate else "") + node.how
        return (node.left.text + " " + shown + f" {word} {node.value}").astype(object)
    if isinstance(node, Between):
        shown = _fmt_values(_values(node.left, ctx, frame))
        word = "not between" if node.negate else "between"
        return (_name(node.left) + " " + shown
                + f" {word} {_literal(node.low)} and {_literal(node.high)}").astype(object)
    if isinstance(node, Blank):
        return pd.Series(f"{node.left.text} is {'not ' if node.negate else ''}blank", index=idx,
                         dtype=object)
    if isinstance(node, HasTag):
        return pd.Series(f"has_tag({node.tag_type}, {node.tag_name})", index=idx, dtype=object)
    if isinstance(node, FollowupWithin):
        counts = ctx.ids.loc[idx].map(ctx.followup_counts(node.days)).fillna(0).astype(int)
        return (f"followup_within({node.days}): " + counts.astype(str)).astype(object)
    raise TypeError(f"not a condition node: {node!r}")

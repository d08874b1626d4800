"""The review sheet (table ``tblReview``, sheet 查重复核 / DedupeReview): one block of rows per
cluster, the records side by side, where a person decides.

Columns (``schemas/tables.yaml``, table Review): ClusterID, CustomerID, Row, the key fields (codes,
phones and e-mails shown masked), Filled (how many fields the record has), Score and Reasons (on the
cluster's first row), **Keep** (是 on the record that survives; the suggestion is pre-filled) and
**Decision** (批准 approve / 拒绝 reject / blank = decide later). A Decision on a cluster's first row
applies to the whole cluster; one on another row overrides it for that record only (拒绝 on one
row takes that record out of the merge and remembers it as not a duplicate).
"""

from __future__ import annotations

from ..normalize import is_blank
from ..privacy import mask_email, mask_idcard, mask_phone
from ..values import read_date
from .cluster import Cluster, completeness

APPROVE, REJECT = "批准", "拒绝"
YES, NO = "是", "否"
_APPROVE_WORDS = {"批准", "同意", "合并", "approve", "approved", "yes", "y", "ok", "是", "merge"}
_REJECT_WORDS = {"拒绝", "不同意", "不合并", "reject", "rejected", "no", "n", "否", "不是"}


def decision(value) -> str:
    """``"approve"``, ``"reject"`` or ``""`` for whatever a person typed or picked."""
    if is_blank(value):
        return ""
    text = str(value).strip().lower()
    if text in _APPROVE_WORDS:
        return "approve"
    if text in _REJECT_WORDS:
        return "reject"
    return ""


def is_yes(value) -> bool:
    return not is_blank(value) and str(value).strip().lower() in {"是", "yes", "y", "1", "true", "保留", "keep"}


def _text(value) -> str:
    return "" if is_blank(value) else str(value)


def review_rows(db, clusters: list[Cluster]) -> tuple[list[dict], dict[tuple[int, str], str]]:
    """Rows for the Review table, and links from each CustomerID cell to the customer's row."""
    customers = db.customers
    shown = customers.loc[sorted({row for c in clusters for row in c.rows})]
    filled = completeness(shown)
    records = dict(zip(shown.index.tolist(), shown.to_dict("records")))
    rows: list[dict] = []
    links: dict[tuple[int, str], str] = {}
    for n, cluster in enumerate(clusters, start=1):
        cid = f"D{n:03d}"
        for k, row in enumerate(cluster.rows):
            rec = records[row]
            created = rec.get("CreateTime")
            links[(len(rows), "CustomerID")] = db.cell_ref("Customers", row, "CustomerID")
            rows.append({
                "ClusterID": cid, "CustomerID": _text(rec.get("CustomerID")), "Row": int(row),
                "CustomerName": _text(rec.get("CustomerName")),
                "CustomerType": _text(rec.get("CustomerType")),
                "CreditCode": mask_idcard(rec.get("CreditCode")),
                "ContactPerson": _text(rec.get("ContactPerson")),
                "ContactPhone": mask_phone(rec.get("ContactPhone")),
                "Email": mask_email(rec.get("Email")),
                "Owner": _text(rec.get("Owner")),
                "CreateTime": _created(created),
                "Filled": int(filled.loc[row]),
                "Score": round(cluster.score, 2) if k == 0 else None,
                "Reasons": "; ".join(cluster.reasons) if k == 0 else "",
                "Keep": YES if k == 0 else NO,
                "Decision": "",
            })
    return rows, links


def _created(value):
    """The creation date for the review sheet; a date typed so it cannot be read (2024年13月15日)
    is shown as typed instead of stopping the whole dedupe."""
    if is_blank(value):
        return None
    day = read_date(value)
    return day.date() if day is not None else _text(value)

"""Who is on the team and which customers each member's book holds.

The Team sheet (table ``tblTeam``) gives each staff member a role and a team:

* 销售代表 (rep): the customers they own;
* 主管 (lead): the customers of everyone whose Team is the team they lead, their own included;
* 管理员 (admin): every customer.

A staff member on the Lists sheet who is not on the Team sheet is a rep; a book without a Team
sheet is a team of reps. The public-pool owner (Settings PoolOwner) is nobody's member.

>>> from xltools.testing import make_db
>>> db = make_db({"Team": [{"Staff": "王主管", "Role": "主管", "Team": "华南组"},
...                        {"Staff": "李四", "Role": "销售代表", "Team": "华南组"},
...                        {"Staff": "赵六", "Role": "sales", "Team": "华北组"}]})
>>> [(m.name, m.role) for m in members(db)]
[('王主管', 'lead'), ('李四', 'rep'), ('赵六', 'rep')]
>>> sorted(owners_seen(db, member(db, "王主管")))
['李四', '王主管']
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.normalize import is_blank
from ..errors import BadInputError

REP, LEAD, ADMIN = "rep", "lead", "admin"
_ROLE_WORDS = {
    REP: {"销售代表", "销售", "代表", "业务员", "rep", "sales", "salesperson", "member"},
    LEAD: {"主管", "组长", "经理", "销售主管", "lead", "leader", "manager", "supervisor"},
    ADMIN: {"管理员", "admin", "administrator", "老板", "总监"},
}
ROLE_LABELS = {REP: ("销售代表", "rep"), LEAD: ("主管", "lead"), ADMIN: ("管理员", "admin")}


@dataclass(frozen=True)
class Member:
    name: str
    role: str = REP        # rep | lead | admin
    team: str = ""


def role_of(value) -> str:
    """``"rep"``, ``"lead"`` or ``"admin"`` for what was picked or typed (blank: rep)."""
    text = "" if is_blank(value) else str(value).strip().lower()
    for role, words in _ROLE_WORDS.items():
        if text in words:
            return role
    return REP


def _text(value) -> str:
    return "" if is_blank(value) else str(value).strip()


def members(db) -> list[Member]:
    """Every member in the order the Team sheet lists them, then staff only on the Lists sheet."""
    pool = db.setting("PoolOwner", str).strip()
    out: dict[str, Member] = {}
    team = db.tables.get("Team")
    if team is not None:
        for rec in team.df.to_dict("records"):
            name = _text(rec.get("Staff"))
            if name and name != pool and name not in out:
                out[name] = Member(name, role_of(rec.get("Role")), _text(rec.get("Team")))
    for name in db.lists.get("Staff", []):
        name = _text(name)
        if name and name != pool and name not in out:
            out[name] = Member(name)
    return list(out.values())


def member(db, name: str) -> Member:
    for m in members(db):
        if m.name == str(name).strip():
            return m
    raise BadInputError(f"团队中没有成员「{name}」(见“团队”表与“字典”表的销售人员)",
                        f"no team member named {name!r} (see the Team sheet and the Lists "
                        "sheet's Staff)")


def owners_seen(db, who: Member) -> set[str] | None:
    """The owners whose customers ``who``'s book holds; None means every owner (an admin)."""
    if who.role == ADMIN:
        return None
    if who.role == LEAD and who.team:
        return {who.name} | {m.name for m in members(db) if m.team == who.team}
    return {who.name}

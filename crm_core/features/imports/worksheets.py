"""Worksheets: a salesperson's leads handed out as .xlsx and the filled-in lines collected back.

`issue` writes one workbook per salesperson: their customers (read-only columns) and columns to
fill in (date, kind, notes, next step, next contact date, new level), with drop-down lists. A
hidden sheet carries the worksheet's token, so a file is recognised whatever it is renamed to.

`collect` reads workbooks back: each filled-in line logs an interaction for the salesperson and/or
changes the customer's level. A line already applied (same worksheet, customer and content) is
recognised by its digest and changes nothing, so collecting a file twice is harmless.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import func, insert, select, update

from crm_core.foundation import i18n
from crm_core.foundation.dates import parse_day, parse_moment
from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.foundation.spreadsheets.cells import cell_text
from crm_core.hooks.context import Context
from crm_core.hooks.importers import Existing, ImportRow
from crm_core.kernel.models import Customer, Interaction, User, Worksheet, WorksheetEntry
from crm_core.services import bulk_customers, bulk_records, interactions, picklists
from crm_core.services.common import manages, user_by_login

META_SHEET = "_crm"
LEADS_SHEET = "客户 Leads"
DEFAULT_LEVELS = ("lead", "contacted", "qualified", "signed")
#: (field, header). The first seven are filled by the CRM, the rest by the salesperson.
GIVEN = (
    ("id", "编号 ID"),
    ("name", "客户名称 Customer"),
    ("level", "级别 Level"),
    ("industry", "行业 Industry"),
    ("region", "地区 Region"),
    ("phone", "电话 Phone"),
    ("last_contact", "最近联系 Last contact"),
)
FILLED = (
    ("date", "联系日期 Date"),
    ("kind", "方式 Kind"),
    ("notes", "内容 Notes"),
    ("next_step", "下一步 Next step"),
    ("next_contact_on", "下次联系 Next contact"),
    ("new_level", "新级别 New level"),
)
KIND_CHOICES = ("拜访", "电话", "邮件", "会议")
_worksheets = table_of(Worksheet)
_entries = table_of(WorksheetEntry)


@attrs.frozen
class LeadFilter:
    level: str | None = None
    industry: str | None = None
    region: str | None = None
    #: Only customers with no interaction in this many days.
    quiet_days: int | None = None


@attrs.frozen
class Issued:
    login: str
    path: Path
    rows: int


def issue(ctx: Context, logins: Sequence[str], where: LeadFilter, directory: Path) -> list[Issued]:
    """One workbook per salesperson in `directory`; records each worksheet's token."""
    directory.mkdir(parents=True, exist_ok=True)
    people = [user_by_login(ctx, login) for login in logins]
    for person in people:
        if not manages(ctx, person):
            raise PermissionDenied(f"{ctx.actor.login} may not issue worksheets to {person.login}")
    levels = _levels(ctx)
    issued = []
    for person in people:
        rows = _leads(ctx, person, where)
        token = secrets.token_hex(16)
        path = directory / f"{ctx.today():%Y%m%d}-{person.login}.xlsx"
        _write(path, person, token, rows, levels, ctx)
        ctx.session.execute(
            insert(_worksheets),
            {
                "token": token,
                "user_id": person.id,
                "issued_by_id": ctx.actor.id,
                "issued_at": ctx.now(),
                "file_name": path.name,
                "rows": len(rows),
            },
        )
        issued.append(Issued(person.login, path, len(rows)))
    return issued


def _levels(ctx: Context) -> list[str]:
    stored = ctx.session.scalars(select(Customer.level).distinct().limit(50))
    return list(dict.fromkeys([*DEFAULT_LEVELS, *stored]))


def _leads(ctx: Context, person: User, where: LeadFilter) -> list[tuple[Any, ...]]:
    last = (
        select(func.max(Interaction.occurred_at))
        .where(Interaction.customer_id == Customer.id)
        .scalar_subquery()
    )
    query = (
        select(
            Customer.id,
            Customer.name,
            Customer.level,
            Customer.industry,
            Customer.region,
            Customer.phone,
            last,
        )
        .where(Customer.owner_id == person.id)
        .order_by(Customer.id)
    )
    for field in ("level", "industry", "region"):
        value = getattr(where, field)
        if value is not None:
            query = query.where(getattr(Customer, field) == value)
    if where.quiet_days is not None:
        since = ctx.now() - timedelta(days=where.quiet_days)
        query = query.where(
            ~select(Interaction.id)
            .where(Interaction.customer_id == Customer.id, Interaction.occurred_at >= since)
            .exists()
        )
    rows = []
    for record in ctx.session.execute(query):
        moment = record[6]
        rows.append((*record[:6], ctx.local(moment).date() if moment else None))
    return rows


def _write(
    path: Path,
    person: User,
    token: str,
    rows: list[tuple[Any, ...]],
    levels: list[str],
    ctx: Context,
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from crm_core.foundation.spreadsheets.cells import ILLEGAL

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = LEADS_SHEET
    sheet.append([h for _f, h in (*GIVEN, *FILLED)])
    for row in rows:
        sheet.append([ILLEGAL.sub("", v) if isinstance(v, str) else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    first_filled = len(GIVEN) + 1
    for column in range(first_filled, first_filled + len(FILLED)):
        sheet.cell(row=1, column=column).fill = fill
    for row_cells in sheet.iter_rows(min_row=2, max_col=len(GIVEN)):
        for cell in row_cells:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    last = max(2, len(rows) + 1)
    letters = {
        f: sheet.cell(row=1, column=i + 1).column_letter
        for i, (f, _h) in enumerate((*GIVEN, *FILLED))
    }
    kinds = DataValidation(
        type="list", formula1='"' + ",".join(KIND_CHOICES) + '"', allow_blank=True
    )
    kinds.add(f"{letters['kind']}2:{letters['kind']}{last}")
    new_levels = DataValidation(
        type="list", formula1='"' + ",".join(levels) + '"', allow_blank=True
    )
    new_levels.add(f"{letters['new_level']}2:{letters['new_level']}{last}")
    days = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
    days.add(f"{letters['date']}2:{letters['date']}{last}")
    days.add(f"{letters['next_contact_on']}2:{letters['next_contact_on']}{last}")
    for validation in (kinds, new_levels, days):
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "C2"
    for letter, width in (("A", 8), ("B", 30), ("G", 12), (letters["notes"], 40)):
        sheet.column_dimensions[letter].width = width
    meta = book.create_sheet(META_SHEET)
    meta.append(["token", token])
    meta.append(["login", person.login])
    meta.append(["issued_at", ctx.now().isoformat()])
    meta.sheet_state = "hidden"
    book.save(path)


# -- collecting ----------------------------------------------------------------------------------


@attrs.frozen
class Collected:
    path: Path
    login: str
    interactions: int = 0
    level_changes: int = 0
    unchanged: int = 0
    rejected: tuple[str, ...] = ()


def collect_file(ctx: Context, path: Path) -> Collected:
    """Apply one returned workbook (in the caller's transaction)."""
    from python_calamine import CalamineWorkbook

    from crm_core.foundation.spreadsheets import guard

    guard.check_workbook(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        meta = {
            str(r[0]): cell_text(r[1])
            for r in book.get_sheet_by_name(META_SHEET).iter_rows()
            if len(r) >= 2
        }
        lines = list(book.get_sheet_by_index(0).iter_rows())
    except Exception as exc:
        raise ValidationError(f"{path.name} is not a worksheet issued by the CRM ({exc})") from None
    sheet = ctx.session.execute(
        select(_worksheets.c.id, _worksheets.c.user_id).where(
            _worksheets.c.token == meta.get("token", "")
        )
    ).first()
    if sheet is None:
        raise NotFound(f"{path.name}: no worksheet with this token was issued here")
    person = ctx.session.get(User, sheet.user_id)
    assert person is not None
    if not manages(ctx, person):
        raise PermissionDenied(f"{ctx.actor.login} may not collect worksheets of {person.login}")
    applied = set(
        ctx.session.execute(
            select(_entries.c.customer_id, _entries.c.digest).where(
                _entries.c.worksheet_id == sheet.id
            )
        ).all()
    )
    fields = [f for f, _h in (*GIVEN, *FILLED)]
    result: dict[str, Any] = {"interactions": 0, "level_changes": 0, "unchanged": 0}
    rejected: list[str] = []
    talks: list[ImportRow] = []
    levels: list[ImportRow] = []
    digests: dict[int, tuple[int, str]] = {}
    for number, cells in enumerate(lines[1:], start=2):
        line = dict(zip(fields, (cell_text(c) for c in cells), strict=False))
        filled = {f: line.get(f, "") for f, _h in FILLED}
        if not any(filled.values()) or not line.get("id", "").isdigit():
            continue
        customer_id = int(line["id"])
        digest = hashlib.sha256(repr(sorted(filled.items())).encode()).hexdigest()
        if (customer_id, digest) in applied:
            result["unchanged"] += 1
            continue
        try:
            talk, level = _line(ctx, person, number, customer_id, filled)
        except (ValueError, ValidationError) as exc:
            rejected.append(f"{i18n._('row {row}', row=number)}: {exc}")
            continue
        if talk is not None:
            talks.append(talk)
        if level is not None:
            levels.append(level)
        digests[number] = (customer_id, digest)
    # Level changes first: a line whose change is refused is rejected whole (its interaction is
    # not logged and it is not marked applied), so collecting again gives the same answer.
    if levels:
        result["level_changes"] = bulk_customers.update_rows(ctx, levels)
        for row in levels:
            if not row.ok:
                rejected.append(f"{i18n._('row {row}', row=row.number)}: {row.problem}")
                digests.pop(row.number, None)
    talks = [t for t in talks if t.number in digests]
    if talks:
        bulk_records.insert_interactions(ctx, talks)
        result["interactions"] = len(talks)
    if digests:
        ctx.session.execute(
            insert(_entries),
            [
                {"worksheet_id": sheet.id, "customer_id": cid, "digest": d, "applied_at": ctx.now()}
                for cid, d in dict.fromkeys(digests.values())
            ],
        )
    ctx.session.execute(
        update(_worksheets).where(_worksheets.c.id == sheet.id).values(last_collected_at=ctx.now())
    )
    return Collected(path, person.login, rejected=tuple(rejected), **result)


def _line(
    ctx: Context, person: User, number: int, customer_id: int, filled: Mapping[str, str]
) -> tuple[ImportRow | None, ImportRow | None]:
    customer = ctx.session.get(Customer, customer_id)
    if customer is None or customer.owner_id not in (person.id, None):
        raise ValidationError(
            i18n._("customer {id} is no longer {login}'s", id=customer_id, login=person.login)
        )
    talk = None
    if filled["date"] or filled["kind"] or filled["notes"] or filled["next_step"]:
        if not filled["kind"]:
            raise ValidationError(i18n._("{field} is empty", field="方式 kind"))
        kind = bulk_records.parse_interaction_kind(filled["kind"])
        resolve = picklists.resolver(ctx, "interaction_kind")
        kind = resolve(kind) if resolve is not None else kind
        follow_up: date | None = (
            parse_day(filled["next_contact_on"]) if filled["next_contact_on"] else None
        )
        moment = interactions.check_moment(
            ctx, parse_moment(filled["date"]) if filled["date"] else None, follow_up
        )
        notes = filled["notes"]
        if filled["next_step"]:
            notes = f"{notes}\n{i18n._('Next step')}: {filled['next_step']}".strip()
        talk = ImportRow(
            number,
            [],
            {
                "customer_id": customer_id,
                "user_id": person.id,
                "kind": kind,
                "moment": moment,
                "notes": notes or None,
                "next_contact_on": follow_up,
                "contact_id": None,
            },
        )
    level = None
    if filled["new_level"] and filled["new_level"] != customer.level:
        level = ImportRow(
            number,
            [],
            {"level": filled["new_level"]},
            existing=Existing(customer_id, customer.name, True),
        )
    return talk, level

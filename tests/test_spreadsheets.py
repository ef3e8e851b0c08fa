"""Issue 6: real files from tests/data, duplicates, error files, batches that resume, exports that
never run as formulas, and the worksheet round trip."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from crm_core.features.imports import service as importing
from crm_core.features.imports.service import ImportOptions
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.spreadsheets import neutralise, write_rows, writing
from crm_core.foundation.spreadsheets.reading import read_all
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import (
    Contact,
    Customer,
    ImportBatch,
    ImportRun,
    Interaction,
    User,
    WorksheetEntry,
)
from crm_core.services import customers, teams, users

DATA = Path(__file__).parent / "data"


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(DATA / name, target)
    return target


def count(deployment: Deployment, model: type, *where: object) -> int:
    with deployment.work(SYSTEM) as ctx:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int(ctx.session.scalar(query) or 0)


def names(deployment: Deployment) -> set[str]:
    with deployment.work(SYSTEM) as ctx:
        return set(ctx.session.scalars(select(Customer.name)))


def run(
    deployment: Deployment, entity: str, path: Path, login: str = "admin", **options: object
) -> importing.ImportResult:
    return importing.run_import(
        lambda: deployment.work(login, write=True),
        entity,
        path,
        ImportOptions(**options),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "name", ["customers_gb18030.csv", "customers_bom.csv", "customers_utf16.txt"]
)
def test_csv_encodings_are_detected(crm_deployment: Deployment, tmp_path: Path, name: str) -> None:
    result = run(crm_deployment, "customers", copy(name, tmp_path), on_duplicate="skip")
    assert result.inserted == 4 + (1 if name == "customers_bom.csv" else 0)
    assert "苏州精工机械（集团）有限公司" in names(crm_deployment)
    with crm_deployment.work(SYSTEM) as ctx:
        phones = dict(ctx.session.execute(select(Customer.name, Customer.phone_key)).all())
    assert phones["杭州明远科技有限公司"] == "13800138000"
    assert phones["南京云帆信息技术有限公司"] == "13800138001"


def test_forcing_a_wrong_encoding_is_a_clear_error(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    path = copy("customers_gb18030.csv", tmp_path)
    with pytest.raises(ValidationError, match="is not utf-8"):
        run(crm_deployment, "customers", path, encoding="utf-8")
    assert count(crm_deployment, Customer) == 0


def test_name_and_phone_variants_are_duplicates_within_the_file(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    path = copy("customers_bom.csv", tmp_path)
    result = run(crm_deployment, "customers", path)
    # 有限责任公司 vs 有限公司, (集团) in either bracket width, +86 phone, full-width letters.
    assert (result.inserted, result.rejected) == (5, 4)
    assert result.error_file is not None
    header, rows = read_all(result.error_file)
    assert header[-1] == "错误原因 problem" and header[:-1] == read_all(path)[0]
    assert [r[1][0] for r in rows] == [
        "杭州明远科技有限责任公司",
        "苏州精工机械(集团)有限公司",
        "温州新锐电子",
        "Sun Tech Ltd.",
    ]
    assert all("repeats" in r[1][-1] for r in rows)
    assert result.error_file.read_bytes().startswith(b"\xef\xbb\xbf")  # same format as the input


def test_merged_two_level_header_xlsx_creates_contacts(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    result = run(crm_deployment, "customers", copy("customers_merged_header.xlsx", tmp_path))
    assert (result.rows, result.inserted, result.rejected) == (3, 3, 0)
    with crm_deployment.work(SYSTEM) as ctx:
        found = set(
            ctx.session.execute(
                select(Customer.name, Contact.name, Contact.phone, Customer.region).join(
                    Contact, Contact.customer_id == Customer.id
                )
            ).all()
        )
    assert ("上海东方医疗器械有限公司", "王建国", "13812345678", "上海") in found
    assert ("无锡天成环保设备有限公司", "赵敏", "+86 137 0000 3333", "江苏") in found


def test_every_kind_of_bad_row_is_rejected_with_its_reason(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "other", "另一位")
    with crm_deployment.work("other", write=True) as ctx:
        customers.create(ctx, {"name": "已登记公司"})
    path = copy("customers_bad_rows.csv", tmp_path)
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "rep", "业务员")
    result = run(crm_deployment, "customers", path, login="rep")
    assert (result.rows, result.inserted, result.rejected) == (9, 2, 7)
    assert result.error_file == tmp_path / "customers_bad_rows.errors.csv"
    _header, rows = read_all(result.error_file)
    reasons = {cells[-2]: cells[-1] for _n, cells in rows}
    assert "name is empty" in reasons["no name"]
    assert "no letters or digits" in reasons["name without letters"]
    assert "unknown kind" in reasons["unknown kind"]
    assert "too few digits" in reasons["phone too short"]
    assert "No user nobody" in reasons["unknown owner"]
    assert "repeats" in reasons["repeats row 2"]
    # Registered by someone the importer cannot see: only the holder is named.
    assert "另一位 (other)" in reasons["registered by someone else"]
    # The error file, fixed, imports cleanly.
    fixed = tmp_path / "fixed.csv"
    with result.error_file.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    table = [table[0][:-1]] + [
        [f"修正公司{i}", "客户", "", "", ""] for i, _ in enumerate(table[1:])
    ]
    write_rows(fixed, table[0], table[1:])
    again = run(crm_deployment, "customers", fixed, login="rep")
    assert (again.inserted, again.rejected) == (7, 0) and again.error_file is None


def test_on_duplicate_skip_update_error(crm_deployment: Deployment, tmp_path: Path) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "a", "A")
        users.add(ctx, "b", "B")
    with crm_deployment.work("a", write=True) as ctx:
        customers.create(ctx, {"name": "甲方科技有限公司", "industry": "软件"})
    with crm_deployment.work("b", write=True) as ctx:
        customers.create(ctx, {"name": "乙方贸易有限公司", "industry": "五金"})
    path = tmp_path / "dup.csv"
    write_rows(
        path,
        ["客户名称", "行业", "地区"],
        [["甲方科技", "信息技术", "北京"], ["乙方贸易", "零售", "天津"], ["丙方新公司", "", ""]],
    )
    skipped = run(crm_deployment, "customers", path, login="a", on_duplicate="skip")
    assert (skipped.inserted, skipped.skipped, skipped.rejected) == (1, 2, 0)
    updated = run(crm_deployment, "customers", path, login="a", on_duplicate="update", again=True)
    # A updates their own customer; B's stays untouched and is rejected, naming only its holder.
    assert (updated.inserted, updated.updated, updated.rejected, updated.skipped) == (0, 1, 1, 1)
    with crm_deployment.work(SYSTEM) as ctx:
        rows = dict(ctx.session.execute(select(Customer.name, Customer.industry)).all())
    assert rows["甲方科技有限公司"] == "信息技术" and rows["乙方贸易有限公司"] == "五金"
    errors = read_all(updated.error_file)[1]  # type: ignore[arg-type]
    assert len(errors) == 1 and "B (b)" in errors[0][1][-1] and "五金" not in errors[0][1][-1]


def test_mapping_file_and_unmapped_columns(crm_deployment: Deployment, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    write_rows(
        path,
        ["序号", "单位全称（盖章）", "片区", "随便"],
        [["1", "青岛海风渔业有限公司", "山东", "x"]],
    )
    with pytest.raises(ValidationError, match=r"Missing required column\(s\) name"):
        run(crm_deployment, "customers", path)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '"单位全称（盖章）" = "name"\n"片区" = "region"\n"序号" = "-"\n', encoding="utf-8"
    )
    from crm_core.features.imports.mapping import load_mapping

    result = run(crm_deployment, "customers", path, mapping=load_mapping(mapping))
    assert result.inserted == 1 and result.unmapped == ("随便",)
    bad = tmp_path / "bad.toml"
    bad.write_text('"片区" = "territory"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="no field 'territory'"):
        run(crm_deployment, "customers", path, mapping=load_mapping(bad), again=True)


def test_same_file_twice_is_refused_unless_again(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    path = tmp_path / "i.csv"
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "回访公司"})
    write_rows(
        path,
        ["客户名称", "方式", "日期", "内容"],
        [["回访公司", "电话", "2026-11-20 10:30", "询价"]],
    )
    assert run(crm_deployment, "interactions", path).inserted == 1
    with pytest.raises(ValidationError, match="imported already"):
        run(crm_deployment, "interactions", path)
    assert run(crm_deployment, "interactions", path, again=True).inserted == 1
    assert count(crm_deployment, Interaction) == 2


def test_batches_commit_and_a_rerun_resumes(
    crm_deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.csv"
    write_rows(
        path,
        ["客户名称", "电话"],
        [[f"批次公司{i}", f"1370000{i:04d}"] for i in range(250)]
        + [["", "13800000000"], ["批次公司0", ""]],
    )
    from crm_core.services import bulk_customers

    real_insert = bulk_customers.insert
    calls = {"n": 0}

    def failing_insert(ctx, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_insert(ctx, rows)

    monkeypatch.setattr(bulk_customers, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        run(crm_deployment, "customers", path, batch_size=100)
    assert count(crm_deployment, Customer) == 200
    assert count(crm_deployment, ImportBatch) == 2
    monkeypatch.setattr(bulk_customers, "insert", real_insert)
    result = run(crm_deployment, "customers", path, batch_size=100)
    assert result.resumed_rows == 200
    assert (result.inserted, result.rejected) == (250, 2)  # totals of the whole run
    assert count(crm_deployment, Customer) == 250
    assert count(crm_deployment, ImportRun, ImportRun.finished_at.is_not(None)) == 1
    assert len(read_all(result.error_file)[1]) == 2  # type: ignore[arg-type]


def test_hooks_fire_per_batch_not_per_row(crm_deployment: Deployment, tmp_path: Path) -> None:
    from crm_core.kernel import lifecycle
    from crm_test_plugin import plugin as test_plugin

    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    path = tmp_path / "big.csv"
    write_rows(path, ["客户名称"], [[f"钩子公司{i}"] for i in range(12_000)])
    test_plugin.CALLS.clear()
    assert run(crm_deployment, "customers", path).inserted == 12_000
    created = [c for c in test_plugin.CALLS if c[0] == "crm_customers_created"]
    assert len(created) == 3  # 5,000 + 5,000 + 2,000


def test_dry_run_counts_and_rolls_back(crm_deployment: Deployment, tmp_path: Path) -> None:
    result = run(
        crm_deployment, "customers", copy("customers_bad_rows.csv", tmp_path), dry_run=True
    )
    assert result.dry_run and (result.inserted, result.rejected) == (3, 6)
    assert count(crm_deployment, Customer) == 0 and count(crm_deployment, ImportRun) == 0


def test_interactions_with_chinese_kinds_and_dates(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "天津港通物流有限公司"})
    path = tmp_path / "log.xlsx"
    write_rows(
        path,
        ["客户名称", "跟进方式", "跟进日期", "跟进内容", "下次跟进日期"],
        [
            ["天津港通物流", "上门拜访", "2026年11月02日", "介绍新品", "2026/11/30"],
            ["天津港通物流", "电话", "20261105", "报价", ""],
            ["天津港通物流", "飞鸽传书", "2026-11-06", "", ""],
            ["天津港通物流", "电话", "2099-01-01", "", ""],
            ["不存在的公司", "电话", "2026-11-06", "", ""],
        ],
    )
    result = run(crm_deployment, "interactions", path)
    assert (result.inserted, result.rejected) == (2, 3)
    with crm_deployment.work(SYSTEM) as ctx:
        kinds = sorted(ctx.session.scalars(select(Interaction.kind)))
    assert kinds == ["call", "visit"]


# -- export ----------------------------------------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    'a","=1+1',
]
LEGIT = ["-1", "+86 138 0013 8000", "0571-8765 4321", "普通文本"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_never_writes_a_formula(
    crm_deployment: Deployment, tmp_path: Path, suffix: str
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        for i, text in enumerate(PAYLOADS + LEGIT):
            customers.create(ctx, {"name": f"注入测试{i}", "notes": text})
        out = tmp_path / f"out{suffix}"
        assert importing.export_file(ctx, "customers", out) == len(PAYLOADS) + len(LEGIT)
    if suffix == ".xlsx":
        with zipfile.ZipFile(out) as archive:
            assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
        sheet = load_workbook(out).active
        assert sheet is not None
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    else:
        with out.open(encoding="utf-8-sig", newline="") as handle:
            cells = [row[7] for row in csv.reader(handle)][1:]
        for cell in cells:
            assert cell in LEGIT or cell.startswith("'") or cell[0] not in "=+-@\t\r＝"
    # Legitimate values survive a round trip unchanged, and so do the payloads (as text).
    _header, rows = read_all(out)
    assert sorted(r[1][7] for r in rows) == sorted(p.strip() for p in PAYLOADS + LEGIT)


def test_neutralise_rules() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-1") == "-1" and neutralise("+86 138 0013 8000") == "+86 138 0013 8000"
    assert neutralise("a\x00b") == "ab"


def test_export_filters_are_an_allowlist(crm_deployment: Deployment, tmp_path: Path) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "签约公司", "level": "signed"})
        customers.create(ctx, {"name": "线索公司"})
        out = tmp_path / "signed.csv"
        assert importing.export_file(ctx, "customers", out, {"level": "signed"}) == 1
        with pytest.raises(ValidationError, match="cannot filter customers by name_key"):
            importing.export_file(ctx, "customers", out, {"name_key": "x"})


def test_export_applies_visibility(crm_deployment: Deployment, tmp_path: Path) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "a", "A")
        users.add(ctx, "b", "B")
    for login in ("a", "b"):
        with crm_deployment.work(login, write=True) as ctx:
            customers.create(ctx, {"name": f"{login}的客户"})
    with crm_deployment.work("a") as ctx:
        out = tmp_path / "a.xlsx"
        importing.export_file(ctx, "customers", out)
    assert [r[1][0] for r in read_all(out)[1]] == ["a的客户"]


# -- hostile workbooks ---------------------------------------------------------------------------


def _spanning_workbook(path: Path) -> Path:
    """A workbook whose sheet spans A1 to XFD1048576: 17 billion cells as the reader's grid."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "客户名称"
    sheet["XFD1048576"] = "x"
    book.save(path)
    return path


def test_hostile_workbooks_are_refused(crm_deployment: Deployment, tmp_path: Path) -> None:
    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    macro = tmp_path / "macro.xlsx"
    book = Workbook()
    book.save(macro)
    with zipfile.ZipFile(macro, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0" * 10)
    huge = _spanning_workbook(tmp_path / "huge.xlsx")
    entity = tmp_path / "entity.xlsx"
    book = Workbook()
    book.save(entity)
    with zipfile.ZipFile(entity, "a") as archive:
        archive.writestr(
            "xl/sharedStrings.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sst/>'
        )
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b" " * (300 << 20))
    for path, reason in (
        (encrypted, "encrypted"),
        (macro, "macros"),
        (huge, "spans 1,048,576 rows x 16,384 columns"),
        (entity, "XML entities"),
        (bomb, "zip bomb"),
    ):
        with pytest.raises(ValidationError, match=reason):
            run(crm_deployment, "customers", path)


def _repacked(source: Path, target: Path, rename: dict[str, str], **entry: object) -> Path:
    """`source` with some parts renamed (and the workbook's references to them rewritten) and
    each entry's ZipInfo attributes set from `entry`."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            for old, new in rename.items():
                data = data.replace(old.encode(), new.encode())
            clone = zipfile.ZipInfo(rename.get(info.filename, info.filename), info.date_time)
            clone.compress_type = zipfile.ZIP_DEFLATED
            for key, value in entry.items():
                setattr(clone, key, value)
            copy.writestr(clone, data)
    return target


def _flagged_encrypted(source: Path, target: Path) -> Path:
    """`source` with every entry's "encrypted" flag set, as a password-protected zip has it."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            data[info.header_offset + 6] |= 0x1  # the local header's flag bits
    directory = data.rfind(b"PK\x05\x06")
    start = int.from_bytes(data[directory + 16 : directory + 20], "little")
    while data[start : start + 4] == b"PK\x01\x02":  # each central directory entry
        data[start + 8] |= 0x1
        sizes = [int.from_bytes(data[start + o : start + o + 2], "little") for o in (28, 30, 32)]
        start += 46 + sum(sizes)
    target.write_bytes(bytes(data))
    return target


def test_a_sheet_anywhere_and_unreadable_packing_are_refused(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    huge = _spanning_workbook(tmp_path / "huge.xlsx")
    moved = {
        "xl/worksheets/sheet1.xml": "xl/elsewhere/data.xml",
        "worksheets/sheet1.xml": "elsewhere/data.xml",
    }
    elsewhere = _repacked(huge, tmp_path / "elsewhere.xlsx", moved)
    plain = tmp_path / "plain.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["客户名称"])
    sheet.append(["甲公司"])
    book.save(plain)
    bzip2 = _repacked(plain, tmp_path / "bzip2.xlsx", {}, compress_type=zipfile.ZIP_BZIP2)
    flagged = _flagged_encrypted(plain, tmp_path / "flagged.xlsx")
    for path, reason in (
        (elsewhere, "spans 1,048,576 rows x 16,384 columns"),
        (bzip2, "a method the reader cannot unpack"),
        (flagged, "encrypted parts"),
    ):
        with pytest.raises(ValidationError, match=reason):
            run(crm_deployment, "customers", path)


def test_the_cell_bound_keeps_an_accepted_workbook_within_memory() -> None:
    from crm_core.foundation.spreadsheets import guard

    assert guard.MAX_CELLS * 32 <= 500 * 2**20  # about 32 bytes a cell in the reader's grid
    assert guard.MAX_CELLS >= 1_048_576 * 14  # a full .xlsx of 14 columns still imports


# -- worksheets ------------------------------------------------------------------------------


def test_worksheet_round_trip(crm_deployment: Deployment, tmp_path: Path, crm_cli) -> None:  # type: ignore[no-untyped-def]
    with crm_deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "华东组")
        users.add(ctx, "mgr", "经理", role="manager", team_name="华东组")
        users.add(ctx, "wang", "王芳", team_name="华东组")
        users.add(ctx, "li", "李强", team_name="华东组")
    for login in ("wang", "li"):
        with crm_deployment.work(login, write=True) as ctx:
            for i in range(3):
                customers.create(ctx, {"name": f"{login}线索{i}"})
    out = tmp_path / "sheets"
    result = crm_cli("worksheets", "issue", "--to", "wang", "--to", "li", str(out), as_login="mgr")
    assert result.exit_code == 0, result.stderr
    files = sorted(out.glob("*.xlsx"))
    assert len(files) == 2
    wang = next(f for f in files if "wang" in f.name)
    book = load_workbook(wang)
    sheet = book.worksheets[0]
    assert [sheet.cell(row=r, column=2).value for r in range(2, 5)] == [
        f"wang线索{i}" for i in range(3)
    ]
    assert book["_crm"].sheet_state == "hidden"
    sheet["H2"], sheet["I2"], sheet["J2"], sheet["K2"], sheet["M2"] = (
        "2026-11-20",
        "拜访",
        "谈了方案",
        "下周报价",
        "contacted",
    )
    sheet["I3"], sheet["J3"] = "飞鸽", "坏方式"
    sheet["M4"] = "qualified"
    book.save(wang)
    collected = crm_cli("worksheets", "collect", str(out), "--format", "json", as_login="mgr")
    assert (
        collected.exit_code == 3
        and "坏方式" not in collected.stderr
        and "row 3" in collected.stderr
    )
    summary = {row["salesperson"]: row for row in collected.json()}
    assert (summary["wang"]["interactions"], summary["wang"]["level_changes"]) == (1, 2)
    with crm_deployment.work(SYSTEM) as ctx:
        levels = dict(ctx.session.execute(select(Customer.name, Customer.level)).all())
        notes = list(ctx.session.scalars(select(Interaction.notes)))
    assert levels["wang线索0"] == "contacted" and levels["wang线索2"] == "qualified"
    assert notes == ["谈了方案\nNext step: 下周报价"]
    entries = count(crm_deployment, WorksheetEntry)
    again = crm_cli("worksheets", "collect", str(wang), "--format", "json", as_login="mgr")
    assert '"unchanged": 2' in again.output and '"interactions": 0' in again.output
    assert (
        count(crm_deployment, Interaction) == 1 and count(crm_deployment, WorksheetEntry) == entries
    )
    # Li may not collect Wang's worksheet.
    refused = crm_cli("worksheets", "collect", str(wang), as_login="li")
    assert refused.exit_code == 3 and "may not collect" in refused.stderr


def test_calamine_reads_what_we_write(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_rows(path, ["名称"], [["中文"], ["=1"]])
    rows = list(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())
    assert rows == [["名称"], ["中文"], ["=1"]]


# -- rules found in review -----------------------------------------------------------------------


def test_an_xlsx_sheet_gets_no_more_rows_than_excel_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel opens at most 1,048,576 rows a sheet (here made 4) and openpyxl writes more without
    a word: the writer refuses the row that would not fit, in one line, and leaves no file; a
    .csv has no such limit."""
    monkeypatch.setattr(writing, "XLSX_ROWS", 4)
    full = tmp_path / "满.xlsx"
    assert write_rows(full, ["名称"], [["甲"], ["乙"], ["丙"]]) == 3
    assert [r[0].value for r in load_workbook(full).active.iter_rows()] == [
        "名称",
        "甲",
        "乙",
        "丙",
    ]
    over = tmp_path / "超.xlsx"
    with pytest.raises(ValidationError, match=r"at most 3 rows: write \.csv"):
        write_rows(over, ["名称"], [["甲"], ["乙"], ["丙"], ["丁"]])
    assert not over.exists()
    assert write_rows(tmp_path / "多.csv", ["名称"], [[str(n)] for n in range(10)]) == 10


def test_an_export_too_long_for_xlsx_keeps_the_earlier_file(
    crm_deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export is written beside its file and renamed at the end: refused for more rows than
    a sheet holds, the file of that name from last time is untouched and nothing else is left."""
    with crm_deployment.work("admin", write=True) as ctx:
        for n in range(4):
            customers.create(ctx, {"name": f"导出公司{n}"})
        folder = tmp_path / "exports"
        folder.mkdir()
        out = folder / "客户.xlsx"
        assert importing.export_file(ctx, "customers", out) == 4
        earlier = out.read_bytes()
        monkeypatch.setattr(writing, "XLSX_ROWS", 4)
        with pytest.raises(ValidationError, match="write .csv"):
            importing.export_file(ctx, "customers", out)
        assert out.read_bytes() == earlier
        assert sorted(p.name for p in folder.iterdir()) == ["客户.xlsx"]
        assert importing.export_file(ctx, "customers", folder / "客户.csv") == 4
        with pytest.raises(ValidationError, match=r"cannot write 客户\.pdf"):
            importing.export_file(ctx, "customers", folder / "客户.pdf")


def test_an_export_too_long_for_xlsx_is_refused_before_a_row_is_written(
    crm_deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Customers, contacts, interactions and products are counted first (up to a sheet's rows,
    here made 4): more than a sheet holds is refused before the writer starts, which without the count
    would only happen at the sheet's last row (the writer's own limit stays at 1,048,576 here).
    The count is the exporter's: only rows the user may see, narrowed by filters applied in
    SQL; a filter applied to the written values leaves the writer to decide."""
    from crm_core.features.imports import exporting
    from crm_core.services import contacts, interactions, products

    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "xiao", "小林")
        for n in range(5):
            customers.create(ctx, {"name": f"计数公司{n}", "level": "key" if n < 2 else "lead"})
            contacts.add(ctx, f"计数公司{n}", f"联系人{n}")
            interactions.log(ctx, f"计数公司{n}", "call")
            products.add(ctx, f"P-{n}", f"净水器{n}")
        for n in range(2):
            customers.create(ctx, {"name": f"小林公司{n}"}, owner_login="xiao")
    monkeypatch.setattr(exporting, "XLSX_ROWS", 4)
    written: list[str] = []
    original = writing.RowWriter.append

    def counting_append(self: writing.RowWriter, row: list[object]) -> None:
        written.append(str(row[0]))
        original(self, row)

    monkeypatch.setattr(writing.RowWriter, "append", counting_append)
    with crm_deployment.work("admin") as ctx:
        for entity in ("customers", "contacts", "interactions", "products"):
            out = tmp_path / f"{entity}.xlsx"
            with pytest.raises(ValidationError, match=r"write \.csv"):
                importing.export_file(ctx, entity, out)
            assert written == [], entity
            assert not out.exists()
        # Narrowed in SQL to two: written.
        assert importing.export_file(ctx, "customers", tmp_path / "k.xlsx", {"level": "key"}) == 2
        written.clear()
        # A filter on the written values (seven rows before it): the count cannot tell, so
        # the writer's limit decides.
        assert (
            importing.export_file(ctx, "customers", tmp_path / "n.xlsx", {"name": "计数公司1"}) == 1
        )
        assert written == ["计数公司1"]
    with crm_deployment.work("xiao") as ctx:  # the count is of what they see: their own two
        written.clear()
        assert importing.export_file(ctx, "customers", tmp_path / "x.xlsx") == 2
        assert len(written) == 2


def test_interaction_and_contact_export_filters_narrow_in_sql(
    crm_deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--where user=`, `kind=` and `customer=` (the exact name) on interactions and `customer=`
    on contacts select the same rows as comparing the written values would, and the .xlsx
    count counts only those rows (a sheet made to hold two here): five interactions are
    refused, a salesperson's three too, the two visits written."""
    from crm_core.features.imports import exporting
    from crm_core.services import contacts, interactions

    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "ya", "甲业务员")
        users.add(ctx, "yi", "乙业务员")
        customers.create(ctx, {"name": "甲方公司"}, owner_login="ya")
        customers.create(ctx, {"name": "乙方公司"}, owner_login="yi")
        interactions.log(ctx, "甲方公司", "visit")
        for name in ("张三", "李四"):
            contacts.add(ctx, "甲方公司", name)
        contacts.add(ctx, "乙方公司", "王五")
    with crm_deployment.work("ya", write=True) as ctx:
        for _ in range(3):
            interactions.log(ctx, "甲方公司", "call")
    with crm_deployment.work("yi", write=True) as ctx:
        interactions.log(ctx, "乙方公司", "visit")

    def exported(entity: str, **where: str) -> list[dict[str, str]]:
        out = tmp_path / f"{entity}.csv"
        with crm_deployment.work("admin") as ctx:
            importing.export_file(ctx, entity, out, where)
        with out.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    def column(rows: list[dict[str, str]], header: str) -> list[str]:
        return sorted(row[header] for row in rows)

    assert column(exported("interactions", user="ya"), "user") == ["ya"] * 3
    assert column(exported("interactions", kind="visit"), "customer") == ["乙方公司", "甲方公司"]
    assert len(exported("interactions", customer="甲方公司")) == 4
    assert exported("interactions", customer="甲方") == []  # the exact name only
    assert column(exported("contacts", customer="甲方公司"), "name") == ["张三", "李四"]
    monkeypatch.setattr(exporting, "XLSX_ROWS", 3)
    with crm_deployment.work("admin") as ctx:
        for where in ({}, {"user": "ya"}):
            with pytest.raises(ValidationError, match="write .csv"):
                importing.export_file(ctx, "interactions", tmp_path / "i.xlsx", where)
        assert (
            importing.export_file(ctx, "interactions", tmp_path / "v.xlsx", {"kind": "visit"}) == 2
        )


def test_an_export_reports_its_progress(
    crm_deployment: Deployment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crm_cli: Any,
) -> None:
    """`progress(written, total)` every so many rows (here 2) and once at the end: the total is
    known from the start for an .xlsx (counted first), only at the end for a .csv. The command
    line draws it as a bar on a terminal; `--quiet` (or a pipe) draws nothing."""
    from crm_core.features.imports import exporting

    with crm_deployment.work("admin", write=True) as ctx:
        for n in range(5):
            customers.create(ctx, {"name": f"进度公司{n}"})
    monkeypatch.setattr(exporting, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int | None]] = []

    def progress(written: int, total: int | None) -> None:
        calls.append((written, total))

    with crm_deployment.work("admin") as ctx:
        assert importing.export_file(ctx, "customers", tmp_path / "p.xlsx", None, progress) == 5
        assert calls == [(2, 5), (4, 5), (5, 5)]
        calls.clear()
        assert importing.export_file(ctx, "customers", tmp_path / "p.csv", None, progress) == 5
        assert calls == [(2, None), (4, None), (5, 5)]
    out = tmp_path / "客户.csv"
    done = crm_cli("export", "customers", str(out), "--quiet")
    assert done.exit_code == 0 and out.exists()
    assert "Exported 5 rows" in done.output and done.stderr == ""


def test_a_hook_refusing_one_row_rejects_only_that_row(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    from crm_core.kernel import lifecycle
    from crm_test_plugin import plugin as test_plugin

    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    path = tmp_path / "hooked.csv"
    rows = [[f"正常公司{i}"] for i in range(40)]
    rows[17] = ["forbidden 公司"]
    write_rows(path, ["客户名称"], rows)
    test_plugin.CALLS.clear()
    result = run(crm_deployment, "customers", path)
    assert (result.inserted, result.rejected) == (39, 1)
    assert "may not contain 'forbidden'" in read_all(result.error_file)[1][0][1][-1]  # type: ignore[arg-type]
    assert "forbidden 公司" not in names(crm_deployment)
    # One creation event for the good rows of each half that went in, never one per row.
    assert len([c for c in test_plugin.CALLS if c[0] == "crm_customers_created"]) < 10


def test_owner_references_and_owner_changes(crm_deployment: Deployment, tmp_path: Path) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "wang1", "王伟")
        users.add(ctx, "wang2", "王伟")
        users.add(ctx, "zhao", "赵敏")
    path = tmp_path / "owners.csv"
    write_rows(
        path,
        ["客户名称", "负责人"],
        [["按姓名公司", "赵敏"], ["重名公司", "王伟"], ["按登录名公司", "wang2"], ["默认公司", ""]],
    )
    result = run(crm_deployment, "customers", path, owner="zhao")
    assert (result.inserted, result.rejected) == (3, 1)
    assert "several users" in read_all(result.error_file)[1][0][1][-1]  # type: ignore[arg-type]
    with crm_deployment.work(SYSTEM) as ctx:
        owners = dict(
            ctx.session.execute(
                select(Customer.name, User.login).join(User, User.id == Customer.owner_id)
            ).all()
        )
    assert owners == {"按姓名公司": "zhao", "按登录名公司": "wang2", "默认公司": "zhao"}
    # An update may not move a customer to another owner; --owner alone is not such a move.
    moved = tmp_path / "moved.csv"
    write_rows(moved, ["客户名称", "负责人", "行业"], [["按姓名公司", "wang1", "化工"]])
    refused = run(crm_deployment, "customers", moved, on_duplicate="update")
    assert (refused.updated, refused.rejected) == (0, 1)
    assert "transfer" in read_all(refused.error_file)[1][0][1][-1]  # type: ignore[arg-type]
    kept = tmp_path / "kept.csv"
    write_rows(kept, ["客户名称", "行业"], [["默认公司", "化工"]])
    assert run(crm_deployment, "customers", kept, on_duplicate="update", owner="wang1").updated == 1


def test_an_update_may_not_take_another_customers_name(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "旧名公司", "phone": "13811112222"})
        customers.create(ctx, {"name": "别家公司"})
    path = tmp_path / "rename.csv"
    write_rows(path, ["客户名称", "电话"], [["别家公司", "13811112222"]])
    result = run(crm_deployment, "customers", path, on_duplicate="update")
    # Matched by phone to 旧名公司; renaming it to 别家公司 would make two of one company.
    assert (result.updated, result.rejected) == (0, 1)
    assert names(crm_deployment) == {"旧名公司", "别家公司"}


def test_a_second_writer_of_the_same_batch_conflicts(crm_deployment: Deployment) -> None:
    from crm_core.features.imports import journal
    from crm_core.foundation.errors import ConflictError

    with crm_deployment.work("admin", write=True) as ctx:
        run_id = journal.start_run(ctx, "customers", Path("x.csv"), "d" * 64, 10)
        journal.record_batch(ctx, run_id, 0, (2, 11), dict.fromkeys(journal.COUNTS, 0), [])
    with pytest.raises(ConflictError), crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "并发批次公司"})
        journal.record_batch(ctx, run_id, 0, (2, 11), dict.fromkeys(journal.COUNTS, 0), [])
    assert "并发批次公司" not in names(crm_deployment)


def test_import_cli_exit_codes_and_one_line_errors(
    crm_cli, crm_deployment: Deployment, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = copy("customers_bad_rows.csv", tmp_path)
    refused = crm_cli("import", "customers", str(path), "--batch-size", "5", "--dry-run")
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert count(crm_deployment, Customer) == 0
    partial = crm_cli("import", "customers", str(path), "--format", "json", "-q")
    assert partial.exit_code == 3
    summary = partial.json()[0]
    assert (summary["inserted"], summary["rejected"]) == (3, 6)
    assert summary["error_file"].endswith("customers_bad_rows.errors.csv")
    again = crm_cli("import", "customers", str(path))
    assert again.exit_code == 1 and "imported already" in again.stderr
    assert "Traceback" not in again.stderr and len(again.stderr.strip().splitlines()) == 1
    not_a_sheet = tmp_path / "not-a-worksheet.xlsx"
    write_rows(not_a_sheet, ["a"], [["b"]])
    collected = crm_cli("worksheets", "collect", str(not_a_sheet))
    assert collected.exit_code == 3 and "not a worksheet issued by the CRM" in collected.stderr


def test_a_refused_level_change_rejects_the_whole_worksheet_line(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    from crm_core.features.imports import worksheets
    from crm_core.kernel import lifecycle

    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "rep", "业务员")
    with crm_deployment.work("rep", write=True) as ctx:
        customers.create(ctx, {"name": "forbidden 旧客户"})  # before the rule existed
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        (issued,) = worksheets.issue(ctx, ["rep"], worksheets.LeadFilter(), tmp_path)
    book = load_workbook(issued.path)
    sheet = book.worksheets[0]
    sheet["H2"], sheet["I2"], sheet["M2"] = "2026-11-20", "电话", "qualified"
    book.save(issued.path)
    for _ in range(2):
        with crm_deployment.work("admin", write=True) as ctx:
            done = worksheets.collect_file(ctx, issued.path)
        assert (done.interactions, done.level_changes, len(done.rejected)) == (0, 0, 1)
    assert count(crm_deployment, Interaction) == 0

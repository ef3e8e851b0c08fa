"""Regenerate the sample spreadsheets in this folder (fictional data): python tests/data/make_files.py

The files are committed; tests read them as a user's files would arrive.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent

HEADER = ["客户名称", "客户类型", "行业", "地区", "电话", "负责人", "备注"]
GOOD = [
    ["杭州明远科技有限公司", "客户", "软件", "浙江", "+86 138-0013-8000", "", "展会名单"],
    ["苏州精工机械（集团）有限公司", "客户", "制造业", "江苏", "0512-6688 1234", "", ""],
    ["宁波海通贸易有限责任公司", "代理商", "批发", "浙江", "13900001111", "", "全角：ＡＢＣ"],
    ["南京云帆信息技术有限公司", "", "软件", "江苏", " 138 0013 8001 ", "", ""],
]


def gb18030_csv() -> None:
    """What Excel on Chinese Windows writes by default: GB18030 (GBK), CRLF line ends."""
    lines = [",".join(HEADER), *(",".join(row) for row in GOOD)]
    (HERE / "customers_gb18030.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def bom_csv() -> None:
    """UTF-8 with a byte-order mark, and the same companies written differently (duplicates)."""
    rows = [
        HEADER,
        *GOOD,
        ["杭州明远科技有限责任公司", "客户", "软件", "浙江", "", "", "same company, other suffix"],
        ["苏州精工机械(集团)有限公司", "客户", "制造业", "江苏", "", "", "half-width brackets"],
        ["温州新锐电子", "客户", "电子", "浙江", "+86 13800138000", "", "same phone as row 2"],
        ["ＳＵＮ　Ｔｅｃｈ 有限公司", "客户", "软件", "上海", "", "", "full-width letters"],
        ["Sun Tech Ltd.", "客户", "软件", "上海", "", "", "same as the row above"],
    ]
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows)
    (HERE / "customers_bom.csv").write_bytes(b"\xef\xbb\xbf" + (text + "\n").encode("utf-8"))


def utf16_tab() -> None:
    """Excel's "Unicode text": UTF-16 with BOM, tab-delimited."""
    text = "\r\n".join("\t".join(row) for row in [HEADER, *GOOD]) + "\r\n"
    (HERE / "customers_utf16.txt").write_bytes(text.encode("utf-16"))


def merged_xlsx() -> None:
    """A title row merged across, then a two-level header: 联系人 over 姓名 and 手机."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "客户名单"
    sheet.append(["2026年华东区重点客户名单"])
    sheet.merge_cells("A1:F1")
    sheet.append(["客户名称", "联系人", None, "行业", "地区", "备注"])
    sheet.append([None, "姓名", "手机", None, None, None])
    for column in "ADEF":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("B2:C2")
    sheet.append(["上海东方医疗器械有限公司", "王建国", 13812345678, "医疗", "上海", "老客户"])
    sheet.append(["合肥科创新材料有限公司", "李娜", "139-0000-2222", "材料", "安徽", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["无锡天成环保设备有限公司", "赵敏", "+86 137 0000 3333", "环保", "江苏", ""])
    book.save(HERE / "customers_merged_header.xlsx")


def bad_rows_csv() -> None:
    """One row for every kind of problem, between good rows (UTF-8, no BOM)."""
    rows = [
        ["客户名称", "客户类型", "电话", "负责人", "备注"],
        ["良好公司甲", "客户", "13700000001", "", "good"],
        ["", "客户", "13700000002", "", "no name"],
        ["（）", "客户", "", "", "name without letters"],
        ["类型错误公司", "外星人", "", "", "unknown kind"],
        ["电话太短公司", "客户", "123", "", "phone too short"],
        ["无此人公司", "客户", "", "nobody", "unknown owner"],
        ["良好公司甲有限公司", "客户", "", "", "repeats row 2"],
        ["已登记公司", "客户", "", "", "registered by someone else"],
        ["良好公司乙", "客户", "13700000009", "", "good"],
    ]
    (HERE / "customers_bad_rows.csv").write_text(
        "\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    gb18030_csv()
    bom_csv()
    utf16_tab()
    merged_xlsx()
    bad_rows_csv()

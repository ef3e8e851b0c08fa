"""The sales department's customer list as it lives before the CRM: an Excel file, kept by hand.

Generated and fictional. A few rows carry the mistakes such lists have: a company entered twice with
the phone written differently, a row without a name, a salesperson who has left.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from random import Random

from crm_core.features.demo_data import TITLES, company, person
from crm_core.foundation.normalize import name_key
from crm_core.foundation.spreadsheets import write_rows

HEADER = ("客户名称", "类型", "行业", "地区", "电话", "负责人", "联系人", "职位", "备注")
SELLERS = ("李明", "王芳", "陈强", "林静")
#: How many good rows the list has.
LISTED = 150
REMARKS = ("老客户，每年复购", "展会上认识", "朋友介绍", "官网留言", "", "", "")


def rows(count: int, seed: int = 9) -> list[tuple[str, ...]]:
    """`count` good rows followed by three bad ones (see the module's docstring)."""
    rng = Random(seed)
    taken: set[str] = set()
    good: list[tuple[str, ...]] = []
    while len(good) < count:
        name, industry, region = company(rng)
        if name_key(name) in taken:
            continue
        taken.add(name_key(name))
        phone = f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
        good.append(
            (
                name,
                "代理商" if rng.random() < 0.08 else "客户",
                industry,
                region,
                phone,
                rng.choice(SELLERS) if rng.random() < 0.85 else "",
                person(rng),
                rng.choice(TITLES),
                rng.choice(REMARKS),
            )
        )
    first = good[0]
    spaced = f"+86 {first[4][:3]} {first[4][3:7]} {first[4][7:]}"
    bad = [
        (first[0].removesuffix("有限公司"), "客户", first[2], first[3], spaced, "", "", "", "重复"),
        ("", "客户", "制造业", "华东", "13900000000", "李明", "", "", "忘了写名称"),
        ("南京远航物流有限公司", "客户", "物流", "华东", "", "张伟", "", "", "张伟已离职"),
    ]
    return [*good, *bad]


def write(path: Path, count: int = LISTED) -> Path:
    """Write the list to `path` (.xlsx or .csv)."""
    write_rows(path, HEADER, rows(count))
    return path


VISIT_HEADER = ("客户名称", "跟进方式", "跟进日期", "跟进内容", "业务员")
VISIT_KINDS = ("拜访", "电话", "电话", "邮件", "会议")
VISIT_NOTES = (
    "了解年度采购计划",
    "上门演示新品",
    "发送报价单",
    "回访使用情况",
    "商务洽谈",
    "催收尾款",
)
LEFT = {"王芳": "李明"}  # who took over the book of someone who left


def visit_log(path: Path, first_day: date, last_day: date, seed: int = 10) -> Path:
    """The team's visits and calls on the listed customers between two days, as salespeople log
    them once the CRM is live: few at first, more each week."""
    write_rows(path, VISIT_HEADER, _visits(first_day, last_day, seed))
    return path


def _visits(first_day: date, last_day: date, seed: int) -> Iterator[tuple[str, ...]]:
    rng = Random(seed)
    span = (last_day - first_day).days
    for name, _kind, _industry, _region, _phone, owner, *_rest in rows(LISTED):
        if not name or owner not in SELLERS:
            continue
        for _ in range(rng.randint(1, 4)):
            # sqrt skews the days towards the end: adoption grows week by week
            day = first_day + timedelta(days=round(span * rng.random() ** 0.5))
            yield (
                name,
                rng.choice(VISIT_KINDS),
                f"{day:%Y-%m-%d} {rng.randint(9, 17):02d}:00",
                rng.choice(VISIT_NOTES),
                LEFT.get(owner, owner),
            )

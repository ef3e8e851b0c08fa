"""The block's picklists in the core's picklist store: the default industries and regions
(customers store the Chinese label, what salespeople type and spreadsheets carry), and the
expense categories."""

from __future__ import annotations

from collections.abc import Callable

from crm_core.contract import Context, picklists
from crm_core.contract.records import Choice, Picklist

DEFAULTS = {
    "industry": [
        ("Manufacturing", "制造业"),
        ("Internet", "互联网"),
        ("Wholesale and retail", "批发零售"),
        ("Healthcare", "医疗"),
        ("Education", "教育"),
        ("Logistics", "物流"),
        ("Construction", "建筑"),
        ("Energy", "能源"),
        ("Finance", "金融"),
        ("Government", "政府"),
    ],
    "region": [
        ("East China", "华东"),
        ("North China", "华北"),
        ("South China", "华南"),
        ("Central China", "华中"),
        ("Southwest", "西南"),
        ("Northwest", "西北"),
        ("Northeast", "东北"),
    ],
}

EXPENSE_CATEGORY_CHOICES = (
    Choice("travel", "Travel", "差旅"),
    Choice("entertainment", "Entertainment", "招待"),
    Choice("gifts", "Gifts", "礼品"),
    Choice("marketing", "Marketing", "市场"),
    Choice("communication", "Communication", "通讯"),
    Choice("other", "Other", "其他"),
)


#: A customer's level: its code, English and Chinese labels (the codes are this block's own:
#: protection, grades and rules read them, so the picklist is fixed).
LEVEL_CHOICES = (
    Choice("lead", "Lead", "线索"),
    Choice("contacted", "Contacted", "已联系"),
    Choice("qualified", "Qualified", "意向客户"),
    Choice("signed", "Signed", "签约客户"),
    Choice("blacklist", "Blacklist", "黑名单"),
)


def register_all(register: Callable[[Picklist], None]) -> None:
    register(
        Picklist(
            "customer_level",
            "Customer levels",
            "客户级别",
            (("customers", "level"),),
            LEVEL_CHOICES,
            fixed=True,
        )
    )
    register(
        Picklist(
            "expense_category",
            "Expense categories",
            "费用类别",
            (("expenses", "category"),),
            EXPENSE_CATEGORY_CHOICES,
        )
    )


def seed_defaults(ctx: Context) -> None:
    """The default industries and regions, where the admin has none yet (re-enabling: no-op)."""
    for name, entries in DEFAULTS.items():
        picklists.seed(ctx, name, [Choice(zh, label, zh) for label, zh in entries])

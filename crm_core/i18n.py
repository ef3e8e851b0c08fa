"""English and Chinese for user-facing messages and labels.

Messages are written in English in the code and looked up here by their English text;
`CRM_LANG=zh` (or a `zh_*` LANG) shows the Chinese. Plugins add their own catalogues
through the `crm_register_translations` hook. Unknown text falls back to English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from crm_core import zh_catalogue

_CATALOGUE: dict[str, dict[str, str]] = {"zh": {}}


def language() -> str:
    """The language for messages: CRM_LANG, else LC_ALL/LANG, else English."""
    for var in ("CRM_LANG", "LC_ALL", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def add_translations(lang: str, entries: Mapping[str, str]) -> None:
    _CATALOGUE.setdefault(lang, {}).update(entries)


def every_translation(text: str) -> set[str]:
    """`text` and its translation in every known language (spreadsheet headers accept all)."""
    return {text, *(entries[text] for entries in _CATALOGUE.values() if text in entries)}


def _(text: str, **values: Any) -> str:
    """Translate `text` into the current language, then fill `{placeholders}` from `values`."""
    translated = _CATALOGUE.get(language(), {}).get(text, text)
    return translated.format(**values) if values else translated


add_translations(
    "zh",
    {
        # labels
        "id": "编号",
        "name": "名称",
        "login": "登录名",
        "role": "角色",
        "team": "团队",
        "parent": "上级团队",
        "kind": "类型",
        "level": "级别",
        "industry": "行业",
        "region": "地区",
        "owner": "负责人",
        "phone": "电话",
        "email": "邮箱",
        "title": "职务",
        "customer": "客户",
        "contact": "联系人",
        "user": "业务员",
        "occurred_at": "时间",
        "notes": "备注",
        "next_contact_on": "下次联系日期",
        "created_at": "创建时间",
        "enabled": "已启用",
        "installed": "已安装",
        "version": "版本",
        "requires": "依赖",
        "enabled_at": "启用时间",
        "status": "状态",
        "address": "地址",
        "code": "编码",
        "price": "价格",
        "unit": "单位",
        "due_on": "到期日",
        "what": "事项",
        "source": "来源",
        "count": "数量",
        "day": "日期",
        "month": "月份",
        "field": "字段",
        "value": "值",
        "Contacts": "联系人",
        "Recent interactions": "最近联系记录",
        "Ownership": "归属历史",
        "overdue_days": "逾期天数",
        "from": "起",
        "to": "止",
        "reason": "原因",
        # messages
        "You may not see it.": "您无权查看。",
        "{field} is empty": "{field} 为空",
        "row {row}": "第 {row} 行",
        "Customer {name} is already registered by {owner}.": "客户“{name}”已由 {owner} 登记。",
        "Customer {name} (same phone) is already registered by {owner}.": (
            "客户“{name}”（电话相同）已由 {owner} 登记。"
        ),
        "the shared pool": "公海",
        "No customer {ref}.": "没有客户 {ref}（或您无权查看）。",
        "No user {login}.": "没有用户 {login}。",
        "No team {name}.": "没有团队 {name}。",
        "No deployment at {url}; run `crm init` first.": "{url} 上没有部署；请先运行 `crm init`。",
        "Deployment initialised at {url}.": "已在 {url} 创建部署。",
        "Enabled {names}.": "已启用 {names}。",
        "Disabled {name}; its data is kept.": "已停用 {name}；其数据全部保留。",
        "Transferred {count} customers to {login}.": "已将 {count} 个客户移交给 {login}。",
        "Imported {count} rows into {entity}.": "已导入 {count} 行到 {entity}。",
        "Nothing written: {count} rows have errors.": "未写入任何数据：{count} 行有错误。",
    },
)

add_translations("zh", zh_catalogue.MESSAGES)

"""Chinese for the core's messages, headers and labels.

A test checks that every literal the core passes to `i18n._` has its Chinese here.
"""

from __future__ import annotations

MESSAGES = {
    "Up to date: {branches}.": "已是最新：{branches}。",
    "Customer {ids} changed owner while you were transferring it; look again and retry.": "客户 {ids} 在您移交期间已被他人改了负责人；请刷新后重试。",
    # headers and words
    "goal": "目标",
    "indicator": "指标",
    "baseline": "基线",
    "previous": "上次",
    "current": "当前",
    "target": "目标值",
    "target_met": "达标",
    "verdict": "结论",
    "trend": "趋势",
    "block": "模块",
    "go_live_on": "上线日期",
    "phase": "阶段",
    "person": "人员",
    "better": "改善方向",
    "higher": "越高越好",
    "lower": "越低越好",
    "yes": "是",
    "no": "否",
    "improved": "改善",
    "worse": "变差",
    "unchanged": "持平",
    "no data": "无数据",
    "up": "上升",
    "down": "下降",
    "flat": "持平",
    "n/a": "不适用",
    "not live yet": "尚未上线",
    "proving value": "证明价值期",
    "paying back": "回报期",
    "past 180 days": "已过 180 天",
    # reminders and dashboards
    "follow up after {kind}": "{kind}后跟进",
    "({days} days overdue)": "（逾期 {days} 天）",
    "Due today": "今日到期",
    "Nothing due.": "没有到期事项。",
    "Overdue": "已逾期",
    "Overdue in your team": "团队内逾期事项",
    "Reminders for {name} on {day}: {count} item(s)": "{name} 在 {day} 的提醒：{count} 项",
    "nothing delivers digests here: set reminders_outbox to a folder or enable a plugin that "
    "sends them": "此处无法发送摘要：请把 reminders_outbox 设为一个文件夹，或启用能发送摘要的插件",
    "sent to {place}": "已发送到 {place}",
    "Dashboard: {name}": "看板：{name}",
    # import and export
    "a new owner is a transfer: use crm customers transfer": (
        "更换负责人属于移交：请使用 crm customers transfer"
    ),
    "held by {who}": "由 {who} 负责",
    "unknown kind {kind}": "未知类型 {kind}",
    "{name} is not yours to change": "{name} 不归您修改",
    "{name} names several users: use the login": "{name} 对应多个用户：请使用登录名",
    "Exported {count} rows of {entity} to {path}.": "已将 {entity} 的 {count} 行导出到 {path}。",
    "Ignored columns: {names}.": "已忽略的列：{names}。",
    "Rejected rows and their reasons: {path}": "被拒的行及原因：{path}",
    "Resumed: {count} rows were committed by an earlier run of this file.": (
        "已续传：此文件上次运行已提交 {count} 行。"
    ),
    "dry run, nothing written: ": "试运行，未写入任何数据：",
    "{entity}: {rows} rows: {inserted} inserted, {updated} updated, {skipped} skipped as "
    "duplicates, {rejected} rejected.": (
        "{entity}：共 {rows} 行：新增 {inserted}，更新 {updated}，重复跳过 {skipped}，"
        "被拒 {rejected}。"
    ),
    "Cannot import {entity}; known: {known}.": "无法导入 {entity}；可导入：{known}。",
    "Cannot export {entity}; known: {known}.": "无法导出 {entity}；可导出：{known}。",
    "Missing required column(s) {missing} for {entity}; the sheet has: {found}. Rename the "
    "headers or pass --mapping.": (
        "{entity} 缺少必需的列 {missing}；表格中的列为：{found}。请修改表头或使用 --mapping。"
    ),
    "already exists: {label}": "已存在：{label}",
    "already exists: {label} ({entity} cannot be updated by import)": (
        "已存在：{label}（{entity} 不能通过导入更新）"
    ),
    "repeats {what} of this file": "与本文件的{what}重复",
    "{file} was imported already (run {run}, {when}, by {who}); import its error file, or pass "
    "--again to import it again.": (
        "{file} 已导入过（第 {run} 次运行，{when}，由 {who}）；请导入其错误文件，"
        "或加 --again 再次导入。"
    ),
    "customer {id} is no longer {login}'s": "客户 {id} 已不归 {login} 负责",
    "{login}: {rows} customers -> {path}": "{login}：{rows} 个客户 -> {path}",
    # interactions
    "an interaction cannot be logged in the future": "不能登记未来时间的联系记录",
    "the next contact date lies before the interaction": "下次联系日期早于本次联系",
    # reports and pages
    "--format {fmt} writes a file: add -o FILE": "--format {fmt} 会写入文件：请加 -o FILE",
    "wrote {path}": "已写入 {path}",
    "wrote {path} ({rows} rows)": "已写入 {path}（{rows} 行）",
    "showing the first {shown} of {total} rows: --format csv or json prints them all": (
        "只显示前 {shown} 行（共 {total} 行）：--format csv 或 json 可输出全部"
    ),
    "showing the first {shown} rows; there are more: --format csv or json prints them all": (
        "只显示前 {shown} 行，还有更多：--format csv 或 json 可输出全部"
    ),
    "at most {limit} items of each kind, the earliest due first: --all lists them all": (
        "每类最多 {limit} 条，最早到期的在前：--all 列出全部"
    ),
    "--all and --limit do not go together: choose one": "--all 与 --limit 不能同时使用：请选其一",
    "an .xlsx sheet holds at most {most} rows: write .csv": (
        ".xlsx 工作表最多容纳 {most} 行：请改写为 .csv"
    ),
    "a {fmt} report needs a file name ending in {suffix}": "{fmt} 报表的文件名须以 {suffix} 结尾",
    "--format table prints: to write -o FILE, choose csv, json, xlsx or html": (
        "--format table 只在屏幕上显示：要写入 -o 文件，请选 csv、json、xlsx 或 html"
    ),
    "report {name} has nothing to chart: use another format": (
        "报表 {name} 没有可绘制的图表：请换一种格式"
    ),
    # rollout tracking
    "No indicator {name} (see `crm rollout indicators`).": (
        "没有指标 {name}（见 `crm rollout indicators`）。"
    ),
    "Rollout review": "上线复盘",
    "target {value}": "目标 {value}",
    "A goal has one to {n} indicators.": "每个目标有 1 到 {n} 个指标。",
    "A goal names each indicator once.": "同一目标中每个指标只能出现一次。",
    "A goal needs a title.": "目标需要标题。",
    "Block {block} already has a goal {title}.": "模块 {block} 已有目标“{title}”。",
    "No block is enabled yet: crm plugins enable NAME.": "尚未启用任何模块：crm plugins enable NAME。",
    "No enabled block {name} (see `crm plugins list`).": "没有已启用的模块 {name}（见 `crm plugins list`）。",
    "No goal {id}.": "没有目标 {id}。",
    "No goals yet: add some with `crm rollout goals add`.": (
        "尚无目标：用 `crm rollout goals add` 添加。"
    ),
    "goal {id} added to {block}": "已为 {block} 添加目标 {id}",
    "goal {id} removed": "已删除目标 {id}",
    "{block} went live on {day}": "{block} 于 {day} 上线",
    "{block}: live since {day}, day {n} ({phase}); 90-day mark {d90}, 180-day mark {d180}": (
        "{block}：{day} 上线，第 {n} 天（{phase}）；90 天节点 {d90}，180 天节点 {d180}"
    ),
    "{block}: goes live on {day}, in {n} days; 90-day mark {d90}, 180-day mark {d180}": (
        "{block}：将于 {day} 上线，还有 {n} 天；90 天节点 {d90}，180 天节点 {d180}"
    ),
    # customization: custom fields, picklists, rules, sync
    "--choices repeats a value.": "--choices 中有重复的值。",
    "--since wants a date (2026-11-01), a moment or last, not {given!r}.": "--since 需要日期（2026-11-01）、时刻或 last，而不是 {given!r}。",
    "A choice field needs --choices.": "选项字段需要 --choices。",
    "A picklist value needs a code.": "选项值需要代码。",
    "A rule may not set {field}.": "规则不能修改 {field}。",
    "A rule named {name} exists already.": "已有名为 {name} 的规则。",
    "A rule needs a name.": "规则需要名称。",
    "Cannot export {kinds}; known: {known}.": "无法导出 {kinds}；可用：{known}。",
    "Cannot read {file}: {reason}": "无法读取 {file}：{reason}",
    "Condition {given!r}: write FIELD OP VALUE, OP one of {ops}.": "条件 {given!r}：请写成 字段 运算符 值，运算符为 {ops} 之一。",
    "Condition {given!r}: {op} takes no value.": "条件 {given!r}：{op} 不带值。",
    "Field name {name!r}: letters, digits and _ only, starting with a letter.": "字段名 {name!r}：只能用字母、数字和 _，且以字母开头。",
    "Field type must be one of {types}.": "字段类型必须是 {types} 之一。",
    "Name the custom field: --param field=NAME.": "请指定自定义字段：--param field=名称。",
    "No action {action}; known: {known}.": "没有动作 {action}；可用：{known}。",
    "No entity {entity}; known: {known}.": "没有实体 {entity}；可用：{known}。",
    "No event {event}; known: {known}.": "没有事件 {event}；可用：{known}。",
    "No export ran yet; give --since a date.": "尚未导出过；请给 --since 一个日期。",
    "No picklist {name}; known: {known}.": "没有选项字典 {name}；可用：{known}。",
    "No rule {name}.": "没有规则 {name}。",
    "No {entity} {ref}.": "没有 {entity} {ref}。",
    "{login} may not {doing}.": "{login} 无权{doing}。",
    "Nothing imported: {count} items refused.": "未导入任何数据：{count} 条被拒绝。",
    "Only a choice field takes --choices.": "只有选项字段可以用 --choices。",
    "Only an admin may change or try rules.": "只有管理员可以修改或试运行规则。",
    "Only an admin may define custom fields.": "只有管理员可以定义自定义字段。",
    "Only an admin may edit picklists.": "只有管理员可以编辑选项字典。",
    "Rule {n} of {file} is not a table.": "{file} 的第 {n} 条规则不是表。",
    "Rule {n} of {file}: unknown keys {unknown}, missing keys {missing}.": "{file} 的第 {n} 条规则：未知的键 {unknown}，缺少的键 {missing}。",
    "Rule {rule}: no action {action} (is its plugin enabled?).": "规则 {rule}：没有动作 {action}（其插件是否已启用？）。",
    "Rule {rule}: {reason}": "规则 {rule}：{reason}",
    "Rules stopped after {depth} levels, nothing was written: {chain}. Change or disable one of them (`crm rules disable NAME`).": "规则在 {depth} 层后停止，未写入任何数据：{chain}。请修改或停用其中一条（`crm rules disable NAME`）。",
    "Unknown operator {op}.": "未知运算符 {op}。",
    "User {login} is deactivated.": "用户 {login} 已停用。",
    "change-level needs the new level.": "change-level 需要新级别。",
    "item {n}: {reason}": "第 {n} 条：{reason}",
    "kind {kind!r} cannot be imported; known: {known}": "类型 {kind!r} 不能导入；可用：{known}",
    "longer than {limit} characters": "超过 {limit} 个字符",
    "rule": "规则",
    "set takes FIELD=VALUE, not {argument!r}.": "set 需要 字段=值，而不是 {argument!r}。",
    "{action} works on {entities}, not on {entity}.": "{action} 适用于 {entities}，不适用于 {entity}。",
    "{entity} already has a field {name}.": "{entity} 已有字段 {name}。",
    "{entity} has no custom field {name}.": "{entity} 没有自定义字段 {name}。",
    "{entity} has no field {field}; fields: {known}.": "{entity} 没有字段 {field}；可用字段：{known}。",
    "{entity} records have no customer.": "{entity} 记录没有所属客户。",
    "{entity}.{name} was removed and its values kept; `crm fields restore {entity} {name}` brings it back.": "{entity}.{name} 已移除但数值保留；用 `crm fields restore {entity} {name}` 恢复。",
    "{field} can only be compared with = or !=.": "{field} 只能用 = 或 != 比较。",
    "{field} is not a number field.": "{field} 不是数值字段。",
    "{field} is required.": "{field} 为必填项。",
    "{field} {value!r} is stored as its code {code!r}.": "{field} {value!r} 应按代码 {code!r} 保存。",
    "{file} has no [[rule]] tables.": "{file} 中没有 [[rule]] 表。",
    "{file} holds no list of items.": "{file} 中没有条目列表。",
    "{file} is not valid: {reason}": "{file} 格式无效：{reason}",
    "{given!r}: write FIELD=VALUE (or !=, >, >=, <, <=).": "{given!r}：请写成 字段=值（或 !=、>、>=、<、<=）。",
    "{kind} {id}: missing {fields}": "{kind} {id}：缺少 {fields}",
    "{login} may not change {entity} {record}.": "{login} 无权修改 {entity} {record}。",
    "{login} may not import ERP data (needs erp-sync).": "{login} 无权导入 ERP 数据（需要 erp-sync 权限）。",
    "{picklist} has no value {code}.": "{picklist} 中没有值 {code}。",
    "{picklist} has {code} already.": "{picklist} 中已有 {code}。",
    "{picklist} {code} is retired already.": "{picklist} {code} 已停用。",
    "{value!r} is not a number": "{value!r} 不是数字",
    "{value!r} is not a whole number": "{value!r} 不是整数",
    "{value!r} is not in the {picklist} picklist ({allowed}).": "{value!r} 不在 {picklist} 选项字典中（{allowed}）。",
    "{value!r} is not yes or no": "{value!r} 不是“是”或“否”",
    "rollup differs from its source: {names}": "汇总表与源数据不一致：{names}",
    "{name}: {rows} rows": "{name}：{rows} 行",
    "since {since} is after until {until}": "开始日期 {since} 晚于结束日期 {until}",
    "a digest is text (or --format json): --format csv lists the items alone": "摘要是纯文本（或 --format json）：--format csv 只列出各条提醒",
    "cannot write {path}: there is no folder {folder}": "无法写入 {path}：文件夹 {folder} 不存在",
    "cannot write {path}: the folder {folder} is read-only": "无法写入 {path}：文件夹 {folder} 不可写",
    "Sign in first.": "请先登录。",
    "Your session has ended; sign in again.": "会话已结束，请重新登录。",
    "Refused: the CSRF token is missing or wrong (send X-CSRF-Token).": "已拒绝：缺少 CSRF 令牌或令牌不正确（请发送 X-CSRF-Token）。",
    "Send an API token as: Authorization: Bearer TOKEN.": "请这样发送接口令牌：Authorization: Bearer 令牌。",
    "This API token is unknown, expired or revoked.": "此接口令牌不存在、已过期或已撤销。",
    "Refused: the request came from another site.": "已拒绝：请求来自其他网站。",
    "On the server you act as yourself; --as is refused.": "在服务器上只能以本人身份操作，不接受 --as。",
    "{name} must be a whole number.": "{name} 必须是整数。",
    "A GET only reads; this would change data.": "GET 请求只能读取，此操作会修改数据。",
    "Send JSON, a form, or multipart/form-data.": "请发送 JSON、表单或 multipart/form-data。",
    "Too many failed sign-ins from here; wait a few minutes.": "此处登录失败次数过多，请等几分钟再试。",
    "Send login and password.": "请提供登录名和密码。",
    "Change a password signed in, not with an API token.": "请登录后修改密码，不能用接口令牌修改。",
    "Send current and new.": "请提供 current（当前密码）和 new（新密码）。",
    "Send password, or generate: true.": "请提供 password，或 generate: true。",
    "This API token may only read.": "此接口令牌只能读取。",
    "Choose your own password first (POST /api/v1/session/password).": "请先设置您自己的密码（POST /api/v1/session/password）。",
    "No such download (they are kept for a day).": "没有这个下载文件（下载文件只保留一天）。",
    "No such route: {path}": "没有这个接口：{path}",
    "{path} does not take {method}.": "{path} 不接受 {method} 请求。",
    "The form could not be read: {reason}": "无法读取表单：{reason}",
    "Pages are for people signed in; programs use /api/v1.": "页面供登录的用户使用；程序请使用 /api/v1。",
    "The two new passwords differ.": "两次输入的新密码不一致。",
    "Send If-Match with the ETag from GET {path}: nobody's change is overwritten unseen.": "请在 If-Match 中发送 GET {path} 返回的 ETag：这样不会在不知情时覆盖别人的修改。",
    "The body is a JSON object of parameters.": "请求体应是由参数组成的 JSON 对象。",
    "The request body is over {n} bytes.": "请求体超过 {n} 字节。",
    "The body is not JSON.": "请求体不是 JSON。",
    "Someone changed this record since you read it; read it again (its ETag is now {tag}).": "您读取之后有人修改了这条记录，请重新读取（现在的 ETag 是 {tag}）。",
    "This route takes no files.": "此接口不接收文件。",
    "Sign-in refused for {login}: wrong login or password, or the account is locked for a while.": "{login} 登录被拒绝：登录名或密码错误，或账号已被暂时锁定。",
    "A password needs at least {n} characters.": "密码至少需要 {n} 个字符。",
    "That password is too easy to guess: not your login, name or a common one.": "这个密码太容易猜到：不要用登录名、姓名或常见密码。",
    "The current password is not right.": "当前密码不正确。",
    "The new password must differ from the current one.": "新密码必须与当前密码不同。",
    "A token's scope is read or write, not {scope}.": "令牌的范围是 read 或 write，不是 {scope}。",
    "A token's expiry must be in the future.": "令牌的到期日必须在将来。",
    "No token {id}.": "没有令牌 {id}。",
}

#: Column labels and the first messages of the core.
LABELS: dict[str, str] = {
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
    # values shown in tables (kinds, interaction kinds, reminder kinds)
    "supplier": "供应商",
    "partner": "合作伙伴",
    "agent": "代理商",
    "competitor": "竞争对手",
    "visit": "拜访",
    "call": "电话",
    "meeting": "会议",
    "follow-up": "跟进",
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
    "{field} is empty": "{field} 为空",
    "row {row}": "第 {row} 行",
    "Customer {name} is already registered by {owner}.": "客户“{name}”已由 {owner} 登记。",
    "Customer {name} (same phone) is already registered by {owner}.": (
        "客户“{name}”（电话相同）已由 {owner} 登记。"
    ),
    "the shared pool": "公海",
    "This phone is already registered, by {owner}.": "该电话已由 {owner} 登记。",
    "a customer with this phone": "使用该电话的客户",
    "{value} is larger than {limit}": "{value} 超过上限 {limit}",
    "{value!r} is not a date (YYYY-MM-DD)": "{value!r} 不是日期（YYYY-MM-DD）",
    "You have named {n} customers held by others today; ask your manager to check the rest.": (
        "您今天已查询 {n} 个由他人负责的客户；其余请让经理核查。"
    ),
    "names a customer held by someone else, and today's {n} such checks are spent; ask your manager": (
        "该行指向由他人负责的客户，且今天的 {n} 次查询已用完；请找经理核查"
    ),
    "No customer {ref}.": "没有客户 {ref}（或您无权查看）。",
    "No user {login}.": "没有用户 {login}。",
    "No team {name}.": "没有团队 {name}。",
    "No deployment at {url}; run `crm init` first.": "{url} 上没有部署；请先运行 `crm init`。",
    "Deployment initialised at {url}.": "已在 {url} 创建部署。",
    "Enabled {names}.": "已启用 {names}。",
    "Disabled {name}; its data is kept.": "已停用 {name}；其数据全部保留。",
    "Transferred {count} customers to {login}.": "已将 {count} 个客户移交给 {login}。",
    "Would transfer {count} customers to {login} (preview: nothing changed).": (
        "将把 {count} 个客户移交给 {login}（预览：未做任何更改）。"
    ),
    "{login} is deactivated.": "{login} 已停用。",
    "chart: {columns}": "图表：{columns}",
    "{entity} cannot be imported.": "{entity} 不能导入。",
    "{label} cannot be deleted: {uses} still refer to it.": "{label} 不能删除：仍有 {uses} 引用它。",
    "Nothing in the bin under {id}.": "回收站中没有编号为 {id} 的记录。",
    "Deleting is done as a user: pass --as LOGIN.": "删除须以某个用户的身份进行：请加 --as 登录名。",
    "Take it off sale instead: crm products update {code} --inactive": (
        "可改为停售：crm products update {code} --inactive"
    ),
    "deleted {label}; to restore it: crm trash restore {id}": (
        "已删除 {label}；如需恢复：crm trash restore {id}"
    ),
    "restored {label} as {entity} {id}": "已恢复 {label}（{entity} {id}）",
    "interaction": "联系记录",
    "change this contact": "修改这位联系人",
    "delete this contact": "删除这位联系人",
    "change this interaction": "修改这条联系记录",
    "delete this interaction": "删除这条联系记录",
    "The {picklist} picklist's values are fixed: relabel them, but add, rename or retire none.": (
        "{picklist} 字典的取值是固定的：可以修改名称，但不能添加、改代码或停用。"
    ),
    "{login} holds no customers now; to deactivate: crm users change {login} --inactive": (
        "{login} 名下已无客户；如需停用：crm users change {login} --inactive"
    ),
    "Imported {count} rows into {entity}.": "已导入 {count} 行到 {entity}。",
    "Nothing written: {count} rows have errors.": "未写入任何数据：{count} 行有错误。",
}

"""Chinese for this block's labels and messages."""

ZH = {
    "{name} is not a dealer.": "{name} 不是经销商。",
    "Dealer": "经销商",
    "Dealer orders": "经销商订单",
    "dealer": "经销商",
    "credit_limit": "信用额度",
    "credit_used": "已用额度",
    "available": "可用",
    "warehouse": "仓库",
    "product": "产品",
    "on_hand": "在库",
    "reserved": "已预留",
    "target": "目标",
    "actual": "实际",
    "achieved_pct": "完成率%",
    "campaign": "活动",
    "material": "物品",
    "quantity": "数量",
    "rep": "负责业务员",
    "dealer overdue": "经销商逾期",
    "order {number}: {owed} overdue": "订单 {number}：逾期未付 {owed}",
    "draft": "草稿",
    "confirmed": "已确认",
    "shipped": "已发货",
    "receipt": "入库",
    "shipment": "发货",
    "adjustment": "调整",
    "return": "退货",
    "not enough {product}: {wanted} wanted, {available} available ({on_hand} on hand, {reserved} reserved)": (
        "{product} 库存不足：需要 {wanted}，可用 {available}（在库 {on_hand}，已预留 {reserved}）"
    ),
    "limit {limit}, open {used}, this order {total}, available {available}": (
        "额度 {limit}，已用 {used}，本单 {total}，可用 {available}"
    ),
    "credit limit exceeded: {figures}": "超出信用额度：{figures}",
}

"""A won project's order, when block 1 (customer_resources) takes part: its lines from the
accepted quote, a payment plan, so receivables, dunning, protection and the sales report follow
the contract. Without block 1 a won project stays a project.

The order's lines are the accepted quote's product lines at their price after discount (cents
rounded down), and one line of the service product (the setting `project_sales.service_product`)
for the rest of the contract amount: the quote's lines without a product and the cents, so the
order's total is the contract amount exactly. A project won without an accepted quote gets one
service line for its contract amount.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import insert, select

from crm_core.contract import Context, audit, plugin_module
from crm_core.contract.models import Product
from crm_core.contract.tables import CENT, table_of
from crm_project_sales import settings
from crm_project_sales.models import Project, Quote, QuoteLine
from crm_project_sales.services import collaboration

_products = table_of(Product)


def place(
    ctx: Context,
    project: Project,
    *,
    installments: int | None = None,
    every_days: int | None = None,
) -> str | None:
    """Create the won `project`'s order; its number, or None without block 1 or an amount."""
    orders: Any = plugin_module(ctx, "customer_resources", "crm_customer_resources.services.orders")
    if orders is None or not project.contract_amount:
        return None
    lines = []
    goods = Decimal("0.00")
    accepted = ctx.session.scalar(
        select(Quote).where(Quote.project_id == project.id, Quote.status == "accepted")
    )
    if accepted is not None:
        rows = ctx.session.execute(
            select(Product.code, QuoteLine.quantity, QuoteLine.amount)
            .join(Product, Product.id == QuoteLine.product_id)
            .where(QuoteLine.quote_id == accepted.id)
            .order_by(QuoteLine.id)
        )
        for code, quantity, amount in rows:
            price = (amount / quantity).quantize(CENT, rounding=ROUND_DOWN)
            lines.append(orders.LineRequest(code, quantity, price))
            goods += price * quantity
    rest = project.contract_amount - goods
    if rest > 0:
        lines.append(orders.LineRequest(_service_product(ctx), 1, rest))
    order = orders.create(
        ctx,
        str(project.customer_id),
        lines,
        installments=installments or int(ctx.settings.get(settings.ORDER_INSTALLMENTS)),
        every_days=every_days or int(ctx.settings.get(settings.ORDER_EVERY_DAYS)),
        notes=f"project {project.id} {project.name}"[:500],
    )
    collaboration.add_note(ctx, project, f"won: order {order.number} ({order.total})")
    return str(order.number)


def _service_product(ctx: Context) -> str:
    """The service product's code, made (audited) the first time a won order needs it."""
    code = str(ctx.settings.get(settings.SERVICE_PRODUCT) or "PS-SERVICE")
    if ctx.session.scalar(select(_products.c.id).where(_products.c.code == code)) is None:
        made = ctx.session.scalar(
            insert(_products)
            .values(code=code, name="项目服务 Project services", price=Decimal("0.00"), unit="项")
            .returning(_products.c.id)
        )
        audit.record(
            ctx.session,
            [
                {
                    "action": "create",
                    "entity": "crm_product",
                    "entity_id": str(made),
                    "new_value": code,
                }
            ],
        )
    return code

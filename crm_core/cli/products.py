"""`crm products`."""

from __future__ import annotations

import click

from crm_core.api import NewProduct
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option, page_options


def products_group() -> click.Group:
    @click.group("products")
    def group() -> None:
        """What the company sells.  产品。"""

    @group.command("add")
    @click.argument("code")
    @click.option("--name", required=True)
    @click.option("--price", default="0", show_default=True, help="Exact decimal, e.g. 1999.00")
    @click.option("--unit", default="pcs", show_default=True)
    @click.option("--line", "product_line", help="Product line.")
    @pass_app
    def add(
        app: App, code: str, name: str, price: str, unit: str, product_line: str | None
    ) -> None:
        """Add a product (admins and managers)."""
        new = NewProduct(code, name, price=price, unit=unit, product_line=product_line)
        with app.desk(write=True) as desk:
            product = desk.products.add(new)
        click.echo(f"added product {product.code}")

    @group.command("list")
    @click.option("--line", "product_line")
    @page_options
    @format_option
    @pass_app
    def list_(app: App, product_line: str | None, after_id: int, limit: int, fmt: str) -> None:
        """Products in id order."""
        with app.desk() as desk:
            page = desk.products.list(product_line=product_line, after=after_id, limit=limit)
        columns = ["id", "code", "name", "product_line", "unit", "price", "active"]
        emit([{k: getattr(p, k) for k in columns} for p in page], fmt, columns)

    return group


def command() -> click.Command:
    return products_group()

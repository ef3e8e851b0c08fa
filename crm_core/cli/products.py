"""`crm products`."""

from __future__ import annotations

import click

from crm_core.api import NewProduct, ProductChanges, ValidationError
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option, page_options
from crm_core.cli.trash import deleted_message


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

    @group.command("update")
    @click.argument("code")
    @click.option("--name")
    @click.option("--price", help="Exact decimal, e.g. 1999.00")
    @click.option("--unit")
    @click.option("--line", "product_line", help="Product line; an empty value clears it.")
    @click.option("--active/--inactive", default=None, help="On sale, or taken off sale.")
    @pass_app
    def update(
        app: App,
        code: str,
        name: str | None,
        price: str | None,
        unit: str | None,
        product_line: str | None,
        active: bool | None,
    ) -> None:
        """Correct a product (admins and managers). Audited."""
        values = {"name": name, "price": price, "unit": unit, "product_line": product_line}
        given: dict[str, object] = {k: v for k, v in values.items() if v is not None}
        if active is not None:
            given["active"] = active
        if not given:
            raise ValidationError("nothing to change: pass at least one option")
        with app.desk(write=True) as desk:
            product = desk.products.update(code, ProductChanges(**given))  # type: ignore[arg-type]
        click.echo(f"updated product {product.code}")

    @group.command("delete")
    @click.argument("code")
    @pass_app
    def delete(app: App, code: str) -> None:
        """Put a product nobody ordered in the recycle bin (one in use: --inactive instead)."""
        with app.desk(write=True) as desk:
            done = desk.products.delete(code)
        click.echo(deleted_message(done))

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

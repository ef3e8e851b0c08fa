"""`crm seed-demo`: generated, fictional demo data."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app


@click.command("seed-demo")
@click.option(
    "--scale",
    type=click.IntRange(0, 100_000),
    default=1,
    show_default=True,
    help="60 customers per unit, with contacts and interactions; 0: the organisation only.",
)
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True)
@pass_app
def seed_demo(app: App, scale: int, seed_value: int) -> None:
    """Fill the deployment with generated, fictional demo data (admins only).  生成演示数据。"""
    with app.desk(write=True) as desk:
        counts = desk.demo_data.seed(scale=scale, seed=seed_value)
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))


def command() -> click.Command:
    return seed_demo

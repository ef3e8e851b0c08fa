"""Marketing materials (营销物品): posters, samples, displays, received into stock and issued to dealers."""

from __future__ import annotations

from sqlalchemy import select, update

from crm_channel_commerce.models import Material, MaterialIssue
from crm_channel_commerce.services import dealers, stock
from crm_core.contract import Context, DuplicateError, NotFound, ValidationError, audit
from crm_core.contract.tables import table_of

_materials = table_of(Material)


def add(ctx: Context, code: str, name: str, kind: str) -> Material:
    if ctx.session.scalar(select(Material.id).where(Material.code == code)):
        raise DuplicateError(f"material {code} exists")
    material = Material(code=code, name=name, kind=kind, on_hand=0)
    ctx.session.add(material)
    ctx.session.flush()
    return material


def get(ctx: Context, code: str) -> Material:
    found = ctx.session.scalar(select(Material).where(Material.code == code))
    if found is None:
        raise NotFound(f"no material {code}")
    return found


def receive(ctx: Context, code: str, quantity: int) -> Material:
    stock.require_stock_keeper(ctx, "receive materials")
    if quantity <= 0:
        raise ValidationError("receive a positive quantity")
    material = get(ctx, code)
    ctx.session.execute(
        update(_materials)
        .where(_materials.c.id == material.id)
        .values(on_hand=_materials.c.on_hand + quantity)
    )
    audit.record(
        ctx.session,
        [
            {
                "action": "update",
                "entity": "cc_material",
                "entity_id": str(material.id),
                "field": "on_hand",
                "new_value": f"+{quantity} (received)",
            }
        ],
    )
    ctx.session.refresh(material)
    return material


def issue(
    ctx: Context, code: str, dealer_ref: str, quantity: int, campaign: str | None = None
) -> MaterialIssue:
    if quantity <= 0:
        raise ValidationError("issue a positive quantity")
    material = get(ctx, code)
    dealer = dealers.get(ctx, dealer_ref)
    done = ctx.session.execute(
        update(_materials)
        .where(_materials.c.id == material.id, _materials.c.on_hand >= quantity)
        .values(on_hand=_materials.c.on_hand - quantity)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        ctx.session.refresh(material)
        raise ValidationError(f"only {material.on_hand} of {code} in stock")
    item = MaterialIssue(
        customer_id=dealer.customer_id,
        material_id=material.id,
        campaign=campaign,
        quantity=quantity,
        issued_on=ctx.today(),
        by_id=ctx.actor.id,
    )
    ctx.session.add(item)
    ctx.session.flush()
    return item


def listing(ctx: Context) -> list[dict[str, object]]:
    return [
        {"code": m.code, "name": m.name, "kind": m.kind, "on_hand": m.on_hand}
        for m in ctx.session.scalars(select(Material).order_by(Material.code))
    ]

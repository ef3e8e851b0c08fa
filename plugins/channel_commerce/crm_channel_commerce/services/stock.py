"""Warehouses, stock and its ledger. Every movement is a ledger row; on_hand is kept equal to the
ledger's sum, changes are conditional UPDATEs, so stock never goes negative, also under concurrency."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from crm_channel_commerce.models import Stock, StockMove, Warehouse
from crm_core.contract import (
    Context,
    DuplicateError,
    NotFound,
    PermissionDenied,
    ValidationError,
    _,
    audit,
    products,
)
from crm_core.contract.models import Product
from crm_core.contract.tables import table_of

#: The permission of warehouse staff: receive, return and adjust stock and materials.
STOCK_KEEPER = "stock-keeper"
_stock = table_of(Stock)
_moves = table_of(StockMove)


def add_warehouse(ctx: Context, code: str, name: str, region: str | None = None) -> Warehouse:
    if not (ctx.actor.is_admin or ctx.actor.role == "manager"):
        raise PermissionDenied("only a manager or admin may add warehouses")
    if ctx.session.scalar(select(Warehouse.id).where(Warehouse.code == code)):
        raise DuplicateError(f"warehouse {code} exists")
    warehouse = Warehouse(code=code, name=name, region=region)
    ctx.session.add(warehouse)
    ctx.session.flush()
    return warehouse


def warehouse(ctx: Context, code: str) -> Warehouse:
    found = ctx.session.scalar(select(Warehouse).where(Warehouse.code == code))
    if found is None:
        raise NotFound(f"no warehouse {code}")
    return found


def _ensure_row(ctx: Context, warehouse_id: int, product_id: int) -> None:
    exists = ctx.session.execute(
        select(_stock.c.on_hand).where(
            _stock.c.warehouse_id == warehouse_id, _stock.c.product_id == product_id
        )
    ).first()
    if exists is None:
        ctx.session.execute(
            insert(_stock).values(
                warehouse_id=warehouse_id, product_id=product_id, on_hand=0, reserved=0
            )
        )


def move(
    ctx: Context,
    warehouse_id: int,
    product_id: int,
    kind: str,
    quantity: int,
    *,
    order_id: int | None = None,
    reason: str | None = None,
    release_reserved: bool = False,
) -> None:
    """Change on_hand by `quantity` (signed) and write the ledger row; refuse to go below reserved."""
    if quantity == 0:
        raise ValidationError("a movement needs a quantity")
    _ensure_row(ctx, warehouse_id, product_id)
    where = [_stock.c.warehouse_id == warehouse_id, _stock.c.product_id == product_id]
    values = {"on_hand": _stock.c.on_hand + quantity}
    if release_reserved:  # a shipment consumes its reservation
        values["reserved"] = _stock.c.reserved + quantity
        where.append(_stock.c.reserved + quantity >= 0)
    else:
        where.append(_stock.c.on_hand - _stock.c.reserved + quantity >= 0)
    done = ctx.session.execute(update(_stock).where(*where).values(**values))
    if not done.rowcount:  # type: ignore[attr-defined]
        row = ctx.session.execute(
            select(_stock.c.on_hand, _stock.c.reserved).where(*where[:2])
        ).one()
        raise ValidationError(
            f"not enough stock: {row[0]} on hand, {row[1]} reserved, change {quantity}"
        )
    move_id = ctx.session.scalar(
        insert(_moves)
        .values(
            warehouse_id=warehouse_id,
            product_id=product_id,
            kind=kind,
            quantity=quantity,
            order_id=order_id,
            reason=reason,
            by_id=ctx.actor.id,
            at=ctx.now(),
        )
        .returning(_moves.c.id)
    )
    audit.record(
        ctx.session,
        [
            {
                "action": "create",
                "entity": "cc_stock_move",
                "entity_id": str(move_id),
                "new_value": f"{kind} {quantity:+d} (warehouse {warehouse_id}, product {product_id})",
            }
        ],
    )


def require_stock_keeper(ctx: Context, doing: str) -> None:
    """Goods in and out of a warehouse by hand: managers, admins and stock keepers only."""
    if not (ctx.actor.role == "manager" or ctx.actor.has(STOCK_KEEPER)):
        raise PermissionDenied(
            f"{ctx.actor.login} may not {doing}: managers, admins and {STOCK_KEEPER}s only"
        )


def receive(
    ctx: Context,
    warehouse_code: str,
    product_code: str,
    quantity: int,
    *,
    kind: str = "receipt",
    reason: str | None = None,
) -> None:
    require_stock_keeper(ctx, "receive stock")
    if quantity <= 0:
        raise ValidationError("receive a positive quantity")
    if kind not in ("receipt", "return"):
        raise ValidationError("receive a receipt or a return")
    move(
        ctx,
        warehouse(ctx, warehouse_code).id,
        products.get(ctx, product_code).id,
        kind,
        quantity,
        reason=reason,
    )


def adjust(
    ctx: Context, warehouse_code: str, product_code: str, quantity: int, reason: str
) -> None:
    require_stock_keeper(ctx, "adjust stock")
    if not reason.strip():
        raise ValidationError("an adjustment needs a reason (stocktake, damage ...)")
    move(
        ctx,
        warehouse(ctx, warehouse_code).id,
        products.get(ctx, product_code).id,
        "adjustment",
        quantity,
        reason=reason,
    )


def reserve(
    ctx: Context, warehouse_id: int, product_id: int, quantity: int, product_code: str
) -> None:
    """Reserve atomically: succeeds only while on_hand - reserved covers it."""
    _ensure_row(ctx, warehouse_id, product_id)
    done = ctx.session.execute(
        update(_stock)
        .where(
            _stock.c.warehouse_id == warehouse_id,
            _stock.c.product_id == product_id,
            _stock.c.on_hand - _stock.c.reserved >= quantity,
        )
        .values(reserved=_stock.c.reserved + quantity)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        on_hand, reserved = ctx.session.execute(
            select(_stock.c.on_hand, _stock.c.reserved).where(
                _stock.c.warehouse_id == warehouse_id, _stock.c.product_id == product_id
            )
        ).one()
        raise ValidationError(
            _(
                "not enough {product}: {wanted} wanted, {available} available ({on_hand} on hand, {reserved} reserved)",
                product=product_code,
                wanted=quantity,
                available=on_hand - reserved,
                on_hand=on_hand,
                reserved=reserved,
            )
        )


def release(ctx: Context, warehouse_id: int, product_id: int, quantity: int) -> None:
    ctx.session.execute(
        update(_stock)
        .where(
            _stock.c.warehouse_id == warehouse_id,
            _stock.c.product_id == product_id,
            _stock.c.reserved >= quantity,
        )
        .values(reserved=_stock.c.reserved - quantity)
    )


def levels(ctx: Context, warehouse_code: str | None = None) -> list[dict[str, object]]:
    query = (
        select(Warehouse.code, Product.code, Product.name, Stock.on_hand, Stock.reserved)
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .join(Product, Product.id == Stock.product_id)
        .order_by(Warehouse.code, Product.code)
    )
    if warehouse_code:
        query = query.where(Warehouse.code == warehouse_code)
    return [
        {"warehouse": w, "product": p, "name": n, "on_hand": h, "reserved": r, "available": h - r}
        for w, p, n, h, r in ctx.session.execute(query)
    ]


def reconcile(ctx: Context) -> list[dict[str, object]]:
    """Stock rows whose on_hand differs from the ledger's sum (should be none)."""
    ledger = (
        select(
            _moves.c.warehouse_id, _moves.c.product_id, func.sum(_moves.c.quantity).label("total")
        )
        .group_by(_moves.c.warehouse_id, _moves.c.product_id)
        .subquery()
    )
    query = (
        select(_stock.c.warehouse_id, _stock.c.product_id, _stock.c.on_hand, ledger.c.total)
        .outerjoin(
            ledger,
            (ledger.c.warehouse_id == _stock.c.warehouse_id)
            & (ledger.c.product_id == _stock.c.product_id),
        )
        .where(_stock.c.on_hand != func.coalesce(ledger.c.total, 0))
    )
    return [
        {"warehouse_id": w, "product_id": p, "on_hand": h, "ledger": t or 0}
        for w, p, h, t in ctx.session.execute(query)
    ]

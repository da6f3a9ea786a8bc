"""Demo contracts: every state, some confidential, some amended, the signed ones linked to seeded orders.

About 200 contracts per scale (20,000 at ``--scale 100``). Each contract is drawn from a seeded
order (same salesperson, customer, maker, currency, and lines as the order's) so that the
performance checklist has ordered and shipped figures; approved, signed and archived
contracts are linked to that order. Everything is written with bulk_create in batches;
deterministic (one draw from ``ctx.rng``) and idempotent (contracts are counted first).
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from core.seed import SeedContext
from core.sequences import reserve_numbers

from .models import Amendment, ApprovalPolicy, Contract, ContractEvent, ContractLine

CONTRACTS_PER_SCALE = 200
BATCH = 5000
S = Contract.Status
A = ContractEvent.Action
# (cumulative share, status)
STATUSES = [
    (0.07, S.DRAFT), (0.12, S.SUBMITTED), (0.15, S.MANAGER_APPROVED), (0.25, S.APPROVED),
    (0.65, S.SIGNED), (1.0, S.ARCHIVED),
]  # fmt: skip
PAYMENT_TERMS = [
    "30% T/T 预付，70% 见提单副本付款 / 30% T/T deposit, 70% against copy of B/L",
    "100% 即期信用证 / 100% L/C at sight",
    "月结 60 天 / 60 days end of month",
    "发货前 100% T/T / 100% T/T before shipment",
]
DELIVERY = ["FOB 上海 Shanghai", "CIF 汉堡 Hamburg", "FOB 宁波 Ningbo", "EXW 工厂 factory", "CFR 洛杉矶 Los Angeles"]
ARCHIVE = ["财务部 1 号柜", "财务部 2 号柜", "财务部档案室 A 架", "财务部档案室 B 架"]
AMENDMENTS = [
    ("交货期顺延 15 天 / delivery postponed by 15 days", "工厂排产推迟 / factory schedule slipped"),
    ("数量增加 10% / quantity +10%", "客户追加订单 / customer added to the order"),
    ("付款条件改为 40% 预付 / deposit raised to 40%", "客户信用额度调整 / credit limit changed"),
]


@contextmanager
def _keep_given_timestamps():
    fields = [
        Contract._meta.get_field("created_at"),
        ContractEvent._meta.get_field("at"),
        Amendment._meta.get_field("made_at"),
    ]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())  # one draw, whatever exists: later apps stay deterministic
    ApprovalPolicy.current()
    target = CONTRACTS_PER_SCALE * ctx.scale
    existing = Contract.objects.count()
    if existing >= target:
        ctx.say(f"contracts: {existing} exist, nothing to add")
        return
    with _keep_given_timestamps():
        made = _seed(ctx, rng, target - existing)
    ctx.say(f"contracts: {made} added")


def _bulk(model, rows: list) -> list:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)
    return rows


def _seed(ctx: SeedContext, rng: random.Random, count: int) -> int:
    from orders.models import Order, OrderLine

    users = ctx.users
    managers = {u.team_id: u for u in users.values() if u.role == "manager" and not u.is_gm}
    team_manager = {u.pk: managers.get(u.team_id) for u in users.values() if u.role == "salesperson"}
    gm = users.get("gm")
    # Orders not yet under a contract, cancelled ones left out, taken evenly over the seeded
    # years (every n-th by date) so that the statistics have contracts signed in every period.
    candidates = Order.objects.filter(contract__isnull=True).exclude(status=Order.Status.CANCELLED)
    pks = list(candidates.order_by("received_on", "pk").values_list("pk", flat=True))
    stride = max(1, len(pks) // count)
    chosen = pks[::stride][:count]
    orders = list(
        Order.objects.filter(pk__in=chosen)
        .order_by("received_on", "pk")
        .values("pk", "salesperson_id", "customer_id", "factory_id", "maker_id", "currency", "received_on")
    )
    if not orders:
        return 0
    lines_of: dict[int, list[dict]] = {}
    for line in OrderLine.objects.filter(order_id__in=[o["pk"] for o in orders]).values(
        "order_id", "product_id", "product__name", "product__unit", "quantity", "unit_price", "amount"
    ):
        lines_of.setdefault(line["order_id"], []).append(line)

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    plans = []
    for order in orders:
        r = rng.random()
        status = next(s for limit, s in STATUSES if r < limit)
        created = order["received_on"] - timedelta(days=rng.randint(5, 25))
        if status in (S.DRAFT, S.SUBMITTED, S.MANAGER_APPROVED):
            created = max(created, today - timedelta(days=rng.randint(1, 20)))
        plans.append((order, status, created))
    numbers = _numbers("HT", [created.year for _o, _s, created in plans])
    signed_years = [created.year for _o, status, created in plans if status in (S.SIGNED, S.ARCHIVED)]
    registers = iter(_numbers("HTDJ", signed_years))

    contracts = []
    for (order, status, created), number in zip(plans, numbers, strict=True):
        lines = lines_of.get(order["pk"], [])
        amount = sum((line["amount"] for line in lines), Decimal("0.00"))
        at = timezone.make_aware(datetime.combine(created, time(9 + rng.randint(0, 8), rng.randint(0, 59))), tz)
        signed = status in (S.SIGNED, S.ARCHIVED)
        signed_on = min(created + timedelta(days=rng.randint(2, 6)), today) if signed else None
        contract = Contract(
            number=number,
            salesperson_id=order["salesperson_id"],
            maker_id=order["maker_id"],
            customer_id=order["customer_id"],
            factory_id=order["factory_id"],
            currency=order["currency"],
            amount=amount,
            payment_terms=rng.choice(PAYMENT_TERMS),
            delivery_terms=rng.choice(DELIVERY),
            valid_from=created,
            valid_until=created + timedelta(days=365),
            confidential=rng.random() < 0.1,
            status=status,
            returned=status == S.DRAFT and rng.random() < 0.4,
            needs_gm=status == S.MANAGER_APPROVED or (status in Contract.LINKABLE and amount > Decimal("500000")),
            submitted_at=at + timedelta(hours=2) if status != S.DRAFT else None,
            signed_on=signed_on,
            register_number=next(registers) if signed else None,
            archive_location=rng.choice(ARCHIVE) if status == S.ARCHIVED else "",
            amendment_count=(rng.randint(1, 2) if signed and rng.random() < 0.12 else 0),
            created_at=at,
            updated_at=at,
        )
        contract.seed_order = order  # type: ignore[attr-defined]
        contract.seed_lines = lines  # type: ignore[attr-defined]
        contracts.append(contract)
    _bulk(Contract, contracts)

    lines, events, amendments, links = [], [], [], []
    for contract in contracts:
        for line in contract.seed_lines:
            lines.append(
                ContractLine(
                    contract_id=contract.pk, product_id=line["product_id"], description=line["product__name"],
                    quantity=line["quantity"], unit=line["product__unit"], unit_price=line["unit_price"],
                    amount=line["amount"],
                )
            )  # fmt: skip
        events.extend(_events(contract, rng, team_manager.get(contract.salesperson_id), gm))
        for n in range(1, contract.amendment_count + 1):
            changes, reason = AMENDMENTS[(contract.pk + n) % len(AMENDMENTS)]
            amendments.append(
                Amendment(contract_id=contract.pk, number=n, changes=changes, reason=reason,
                          made_by_id=contract.salesperson_id, made_at=contract.created_at + timedelta(days=20 + n))
            )  # fmt: skip
        if contract.status in Contract.LINKABLE:
            links.append((contract.pk, contract.seed_order["pk"]))
    _bulk(ContractLine, lines)
    _bulk(ContractEvent, events)
    _bulk(Amendment, amendments)
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # psycopg2's executemany is a statement per row
            from psycopg2.extras import execute_values

            update = f"UPDATE {table} o SET contract_id = v.cid FROM (VALUES %s) AS v(cid, oid) WHERE o.id = v.oid"  # noqa: S608
            execute_values(cursor.cursor, update, links, page_size=1000)
        else:
            for start in range(0, len(links), BATCH):
                cursor.executemany(f"UPDATE {table} SET contract_id = %s WHERE id = %s", links[start : start + BATCH])  # noqa: S608
    return len(contracts)


def _numbers(prefix: str, years: list[int]) -> list[str]:
    pools = {year: iter(reserve_numbers(prefix, years.count(year), year=year)) for year in sorted(set(years))}
    return [next(pools[year]) for year in years]


def _events(contract: Contract, rng: random.Random, manager, gm) -> list[ContractEvent]:
    at = contract.created_at
    maker = contract.maker_id
    approver = manager if manager is not None and manager.pk not in (maker, contract.salesperson_id) else gm
    events = [ContractEvent(contract_id=contract.pk, action=A.CREATED, to_status=S.DRAFT, actor_id=maker, at=at)]

    def add(action, from_status, to_status, actor_id, hours, comment=""):
        events.append(
            ContractEvent(contract_id=contract.pk, action=action, from_status=from_status, to_status=to_status,
                          actor_id=actor_id, at=at + timedelta(hours=hours), comment=comment)
        )  # fmt: skip

    order = [S.DRAFT, S.SUBMITTED, S.MANAGER_APPROVED, S.APPROVED, S.SIGNED, S.ARCHIVED]
    reached = order.index(contract.status)
    if contract.returned:
        add(A.SUBMITTED, S.DRAFT, S.SUBMITTED, maker, 1)
        add(A.REJECTED, S.SUBMITTED, S.DRAFT, approver.pk, 5, "单价低于底价，请与业务员确认 / price below the floor")
        return events
    if reached >= 1:
        add(A.SUBMITTED, S.DRAFT, S.SUBMITTED, maker, 2)
    if contract.status == S.MANAGER_APPROVED or (reached >= 3 and contract.needs_gm):
        add(A.MANAGER_APPROVED, S.SUBMITTED, S.MANAGER_APPROVED, approver.pk, 20)
        if reached >= 3:
            add(A.GM_APPROVED, S.MANAGER_APPROVED, S.APPROVED, gm.pk, 30)
    elif reached >= 3:
        add(A.MANAGER_APPROVED, S.SUBMITTED, S.APPROVED, approver.pk, 20)
    if reached >= 4:
        add(A.SIGNED, S.APPROVED, S.SIGNED, maker, 24 * (contract.signed_on - at.date()).days + 10)
    if reached >= 5:
        add(A.ARCHIVED, S.SIGNED, S.ARCHIVED, contract.salesperson_id, 24 * 10, contract.archive_location)
    return events

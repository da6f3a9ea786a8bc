"""Demo catalogue, quotations, sales orders with their follow-up (events, milestones, QC,
abnormal orders) and shipments, for the customers of every salesperson.

Scale 1 gives about 1,000 orders with 4,150 lines; ``--scale 100`` about 100,000 orders and
415,000 lines (the benchmark's 400,000-row order-lines Excel). Everything is written in
batches (``_insert``: executemany, COPY on PostgreSQL; no per-row queries) and the
document numbers are reserved in one go per prefix and year. Deterministic: one draw from
``ctx.rng`` seeds a local generator; idempotent: the orders of a scale are made only once
(counted), products only when their SKU is missing.
"""

from __future__ import annotations

import io
import json
import operator
import random
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from core.seed import SeedContext
from core.sequences import reserve_numbers
from customers.models import Company, CompanyAssignment

from .models import (
    AbnormalOrder,
    Milestone,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    QualityCheck,
    Quotation,
    QuotationLine,
    Shipment,
    ShipmentLine,
)

BATCH = 5000
ORDERS_PER_SCALE = 1000
QUOTATIONS_PER_SCALE = 300
S = Order.Status
# Approximate rates to CNY, only to make a demo price in the customer's currency.
RATES = {
    "CNY": Decimal("1"),
    "USD": Decimal("7.2"),
    "EUR": Decimal("7.8"),
    "JPY": Decimal("0.048"),
    "HKD": Decimal("0.92"),
    "TWD": Decimal("0.22"),
}
ZERO_DECIMALS = {"JPY", "TWD"}

# (SKU stem, Chinese name, English name, specification, unit, CNY list price, USD?)
CATALOGUE = [
    ("LED-PNL", "LED 面板灯", "LED panel light", "600×600 mm, 40 W, 4000 K", "pcs", "85.00", False),
    ("LED-DL", "LED 筒灯", "LED downlight", "Ø 150 mm, 12 W, IP44", "pcs", "32.50", False),
    ("LED-STR", "LED 灯带", "LED strip", "5 m reel, 24 V, 120 LED/m", "m", "18.00", False),
    ("HNG-SS", "不锈钢合页", "Stainless steel hinge", "SUS304, 4 inch, 2 BB", "pair", "6.80", False),
    ("HNG-BR", "黄铜合页", "Brass hinge", "3 inch, satin finish", "pair", "11.20", False),
    ("BRG-62", "深沟球轴承", "Deep groove ball bearing", "6204-2RS, C3", "pcs", "4.30", False),
    ("BRG-63", "深沟球轴承", "Deep groove ball bearing", "6305-ZZ", "pcs", "7.90", False),
    ("USB-C", "USB-C 数据线", "USB-C cable", "1 m, 60 W PD, braided", "pcs", "1.85", True),
    ("USB-A", "USB-A 数据线", "USB-A to C cable", "2 m, 3 A", "pcs", "1.20", True),
    ("PKG-PP", "PP 包装盒", "PP packaging box", "300×200×100 mm, clear", "pcs", "2.40", False),
    ("PKG-CT", "瓦楞纸箱", "Corrugated carton", "5-ply, 600×400×400 mm", "ctn", "9.60", False),
    ("TEE-CT", "棉质T恤", "Cotton T-shirt", "180 g/m², crew neck", "pcs", "3.90", True),
    ("POL-CT", "珠地 Polo 衫", "Piqué polo shirt", "220 g/m², embroidered logo", "pcs", "6.50", True),
    ("CAR-HL", "车灯总成", "Headlamp assembly", "LED, E-mark, left/right pair", "set", "96.00", True),
    ("CAR-MR", "后视镜", "Door mirror", "heated, power fold", "pcs", "38.00", True),
    ("MED-GL", "丁腈手套", "Nitrile gloves", "box of 100, size M", "ctn", "4.10", True),
    ("MED-MK", "医用口罩", "Medical face mask", "Type IIR, box of 50", "ctn", "2.70", True),
    ("HOM-TW", "毛巾", "Bath towel", "70×140 cm, 500 g/m²", "pcs", "22.00", False),
    ("HOM-CU", "陶瓷杯", "Ceramic mug", "350 ml, logo print", "pcs", "8.50", False),
    ("PLS-CT", "塑料收纳箱", "Plastic storage box", "45 l, with lid", "pcs", "26.00", False),
]
VARIANTS = [("", ""), ("-B", " (black)"), ("-W", " (white)")]
CAUSES = {
    AbnormalOrder.Kind.QUALITY: (
        "颜色与样品不符 Colour does not match the approved sample",
        "返工并重新验货 Reworked and re-inspected",
    ),
    AbnormalOrder.Kind.DELIVERY_DELAY: (
        "原材料到货延迟 Raw material arrived late",
        "加班赶货，部分空运 Overtime; part sent by air",
    ),
    AbnormalOrder.Kind.QUANTITY: ("装箱少发 Short-shipped cartons", "补发差额 Shortfall sent with the next lot"),
    AbnormalOrder.Kind.OTHER: ("客户更改包装要求 Customer changed the packing", "重新包装 Repacked at cost"),
}
CARRIERS = ["顺丰速运 SF Express", "德邦物流 Deppon", "Maersk", "COSCO", "DHL Express", "中远海运 COSCO Shipping"]
INCOTERMS = ["FOB", "FOB", "CIF", "EXW", "DAP"]
MILESTONE_DAYS = [
    (Milestone.Kind.MATERIALS_ORDERED, 5),
    (Milestone.Kind.MATERIALS_ARRIVED, 15),
    (Milestone.Kind.PRODUCTION_STARTED, 18),
    (Milestone.Kind.QC, 32),
    (Milestone.Kind.PACKED, 36),
]
PATH = [S.RECEIVED, S.CONFIRMED, S.IN_PRODUCTION, S.READY, S.PARTLY_SHIPPED, S.SHIPPED, S.CLOSED]
CENT = Decimal("0.01")


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())  # one draw, whatever exists: later apps stay deterministic
    products = _products()
    target = ORDERS_PER_SCALE * ctx.scale
    existing = Order.objects.count()
    if existing >= target:
        ctx.say(f"orders: {existing} exist, nothing to add")
        return
    quotations = max(0, QUOTATIONS_PER_SCALE * ctx.scale - Quotation.objects.count())
    with _keep_given_timestamps():
        _seed(ctx, rng, products, target - existing, quotations)


@contextmanager
def _keep_given_timestamps():
    """Demo history needs past times; auto_now_add would stamp every row with now."""
    fields = [
        OrderEvent._meta.get_field("at"),
        Order._meta.get_field("created_at"),
        Quotation._meta.get_field("created_at"),
        Shipment._meta.get_field("prepared_at"),
    ]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _products() -> list[Product]:
    have = set(Product.objects.values_list("sku", flat=True))
    new = []
    for n, (stem, name, name_en, spec, unit, price, usd) in enumerate(CATALOGUE):
        for v, (suffix, colour) in enumerate(VARIANTS):
            sku = f"{stem}-{100 + n * 3 + v:04d}{suffix}"
            if sku in have:
                continue
            cny = Decimal(price) * (Decimal(100 + v * 5) / 100)
            list_price = (cny / RATES["USD"]).quantize(CENT) if usd else cny.quantize(CENT)
            new.append(
                Product(
                    sku=sku,
                    name=name + ({"-B": "（黑色）", "-W": "（白色）"}.get(suffix, "")),
                    name_en=name_en + colour,
                    specification=spec,
                    unit=unit,
                    list_price=list_price,
                    currency="USD" if usd else "CNY",
                    active=not (n == 19 and v == 2),
                )
            )
    Product.objects.bulk_create(new)
    return list(Product.objects.order_by("sku"))


def _price(product: Product, currency: str) -> Decimal:
    if product.currency == currency:
        return product.list_price
    value = product.list_price * RATES[product.currency] / RATES.get(currency, Decimal(1))
    return value.quantize(Decimal(1) if currency in ZERO_DECIMALS else CENT, rounding=ROUND_HALF_UP)


_MIDNIGHT: dict[date, datetime] = {}


def _at(day: date, rng: random.Random, now: datetime) -> datetime:
    """A working-hours moment on ``day`` (company time zone), never in the future."""
    midnight = _MIDNIGHT.get(day)
    if midnight is None:
        midnight = _MIDNIGHT[day] = timezone.make_aware(datetime.combine(day, time(0)))
    moment = midnight + timedelta(minutes=540 + rng.randrange(540))
    return min(moment, now - timedelta(minutes=1))


def _numbers(prefix: str, years: list[int]) -> list[str]:
    """Numbers for rows whose years are ``years`` (in that order), reserved once per year."""
    pools = {year: iter(reserve_numbers(prefix, years.count(year), year=year)) for year in sorted(set(years))}
    return [next(pools[year]) for year in years]


def _status_for(age: int, rng: random.Random) -> str:
    r = rng.random()
    if age < 10:
        table = [(0.45, S.RECEIVED), (0.75, S.CONFIRMED), (0.95, S.IN_PRODUCTION), (1, S.CANCELLED)]
    elif age < 45:
        table = [
            (0.05, S.RECEIVED),
            (0.2, S.CONFIRMED),
            (0.6, S.IN_PRODUCTION),
            (0.75, S.READY),
            (0.87, S.PARTLY_SHIPPED),
            (0.95, S.SHIPPED),
            (1, S.CANCELLED),
        ]
    elif age < 90:
        table = [
            (0.12, S.IN_PRODUCTION),
            (0.2, S.READY),
            (0.3, S.PARTLY_SHIPPED),
            (0.8, S.SHIPPED),
            (0.95, S.CLOSED),
            (1, S.CANCELLED),
        ]
    else:
        table = [(0.02, S.PARTLY_SHIPPED), (0.2, S.SHIPPED), (0.95, S.CLOSED), (1, S.CANCELLED)]
    return next(status for limit, status in table if r < limit)


# PostgreSQL's COPY text format: tab-separated, \N for NULL, these four characters escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    """The rows through COPY FROM STDIN: on PostgreSQL several times faster than INSERT, which
    psycopg2 has to interpolate on the client and the server to parse, row by row."""
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write(
            "\t".join(
                "\\N" if value is None else value.translate(_COPY_ESCAPES) if type(value) is str else str(value)
                for value in row
            )  # fmt: skip
        )
        write("\n")
    buffer.seek(0)
    cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)  # names from _meta, quoted


def _insert(model, rows: list, *, ids: bool = False) -> None:
    """INSERT many rows in batches (``executemany``; COPY on PostgreSQL): several times faster
    than bulk_create (no per-value field preparation beyond dates, JSON and the auto_now stamps).
    With ``ids``, the new primary keys are read back in insertion order and set on the objects
    (one connection inserts, in one transaction).
    """
    if not rows:
        return
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    getters = [_getter(f, ops, now) for f in fields]
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608  (names from _meta, quoted)
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with connection.cursor() as cursor, _foreign_keys_checked_after(cursor, model._meta.db_table):
        for start in range(0, len(rows), BATCH):
            batch = [tuple(get(row) for get in getters) for row in rows[start : start + BATCH]]
            if postgres:
                _copy(cursor, table, columns, batch)
            else:
                cursor.executemany(sql, batch)
    if ids:
        new = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True))
        for row, pk in zip(rows, new, strict=True):
            row.pk = pk
            row._state.adding = False


def _getter(field, ops, now):
    """row -> the field's value as the database takes it."""
    name = field.attname
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        stamp = now if field.auto_now or field.auto_now_add else None

        def get(row):
            value = getattr(row, name) or stamp
            return None if value is None else ops.adapt_datetimefield_value(value)

        return get
    if kind == "DateField":
        return lambda row: None if (value := getattr(row, name)) is None else ops.adapt_datefield_value(value)
    if kind == "JSONField":
        return lambda row: json.dumps(getattr(row, name), cls=field.encoder)
    if field.is_relation:
        # As bulk_create does: a related object saved after it was assigned gives its key now.
        def get(row):
            value = getattr(row, name)
            if value is None and field.is_cached(row) and (related := field.get_cached_value(row)) is not None:
                value = related.pk
            return value

        return get
    return operator.attrgetter(name)


@contextmanager
def _foreign_keys_checked_after(cursor, table: str):
    """On PostgreSQL, drop the table's foreign keys for the load and add them back after it:
    each key is then checked in one query, instead of one deferred check per row at commit (the
    commit took 7.3 s of the orders module's 42 s at scale 20). Fresh statistics too: without
    them the planner takes the table for empty and picks nested loops for the seed's next queries
    (receivables: 208 s at scale 100 without, 24 s on SQLite). All in the seed's transaction: a
    failure leaves the keys."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    keys = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks already queued run now: ALTER needs none queued
    for name, _definition in keys:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    for name, definition in keys:
        cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
    cursor.execute(f"ANALYZE {quoted}")


def _seed(ctx: SeedContext, rng: random.Random, products: list[Product], count: int, quotations: int) -> None:
    users = ctx.users
    today = timezone.localdate()
    now = timezone.now()
    active = [p for p in products if p.active]
    customers = list(
        Company.objects.filter(kind=Company.Kind.CUSTOMER, owner__role="salesperson")
        .order_by("pk")
        .values_list("pk", "owner_id", "currency", "payment_terms")
    )
    if not customers:
        return
    factories: dict[int, list[int]] = defaultdict(list)
    for pk, owner in Company.objects.filter(kind=Company.Kind.FACTORY).order_by("pk").values_list("pk", "owner_id"):
        factories[owner].append(pk)
    helpers: dict[int, list[int]] = defaultdict(list)  # company → its assistants
    for company_id, assistant_id in CompanyAssignment.objects.order_by("pk").values_list("company_id", "assistant_id"):
        helpers[company_id].append(assistant_id)
    managers = {
        u.pk: (u.team.manager_id if u.team_id and u.team.manager_id else users["gm"].pk)
        for u in users.values()
        if getattr(u, "role", "") == "salesperson"
    }

    # Quotations ------------------------------------------------------------------------
    q_rows, q_lines_plan = [], []
    for _ in range(max(quotations, 0)):
        customer_id, owner_id, currency, terms = customers[rng.randrange(len(customers))]
        created = today - timedelta(days=rng.randrange(400))
        status = rng.choice(
            [
                Quotation.Status.DRAFT,
                Quotation.Status.SENT,
                Quotation.Status.SENT,
                Quotation.Status.ACCEPTED,
                Quotation.Status.ACCEPTED,
                Quotation.Status.LOST,
            ]
        )
        maker = rng.choice(helpers.get(customer_id) or [owner_id])
        q_rows.append(
            Quotation(
                salesperson_id=owner_id,
                customer_id=customer_id,
                maker_id=maker,
                currency=currency,
                status=status,
                valid_until=created + timedelta(days=30),
                incoterm=rng.choice(INCOTERMS),
                payment_terms=terms,
                sent_at=_at(created, rng, now) if status != Quotation.Status.DRAFT else None,
                created_at=_at(created, rng, now),
            )
        )
        q_lines_plan.append(
            [
                (
                    rng.choice(active),
                    Decimal(rng.choice([100, 200, 500, 1000, 2000])),
                    Decimal(rng.choice([0, 0, 3, 5])),
                )
                for _ in range(rng.choice([1, 2, 3, 3]))
            ]
        )
    for q, number in zip(q_rows, _numbers("QT", [q.created_at.year for q in q_rows]), strict=True):
        q.number = number
    q_lines, lines_of_quotation = [], {}
    for q, plan in zip(q_rows, q_lines_plan, strict=True):
        total = Decimal("0.00")
        mine = []
        for product, qty, discount in plan:
            line = QuotationLine(
                product=product, quantity=qty, unit_price=_price(product, q.currency), discount_percent=discount
            )
            total += line.compute_amount()
            mine.append(line)
        q.total = total
        lines_of_quotation[q.number] = mine
        q_lines.extend(mine)
    _insert(Quotation, q_rows, ids=True)
    for q in q_rows:
        for line in lines_of_quotation[q.number]:
            line.quotation_id = q.pk
    _insert(QuotationLine, q_lines)
    accepted = [(q, plan) for q, plan in zip(q_rows, q_lines_plan, strict=True) if q.status == "accepted"]

    # Orders ------------------------------------------------------------------------------
    orders, plans = [], []
    used_po: set[tuple[int, str]] = set(Order.objects.values_list("customer_id", "customer_po"))
    base = Order.objects.count()
    for i in range(count):
        quotation = None
        if accepted and i % 7 == 0:
            quotation, qplan = accepted.pop()
            customer_id, owner_id, currency = quotation.customer_id, quotation.salesperson_id, quotation.currency
            received = max(quotation.created_at.date() + timedelta(days=rng.randrange(3, 20)), today - timedelta(500))
            received = min(received, today)
            lines = [
                (p, qty, QuotationLine(unit_price=_price(p, currency), discount_percent=d).net_price)
                for p, qty, d in qplan
            ]
            if rng.random() < 0.15:  # the customer orders more than quoted
                p, qty, price = lines[0]
                lines[0] = (p, qty + 100, price)
        else:
            customer_id, owner_id, currency, _terms = customers[rng.randrange(len(customers))]
            received = today - timedelta(days=int(rng.triangular(0, 540, 0)))
            lines = []
            for _ in range(rng.choice([2, 3, 4, 4, 5, 5, 6, 6])):
                product = rng.choice(active)
                price = _price(product, currency)
                if rng.random() < 0.12:  # a negotiated price: the intake check flags it
                    price = (price * Decimal(rng.choice(["0.95", "0.97", "1.03"]))).quantize(CENT)
                lines.append((product, Decimal(rng.choice([50, 100, 200, 300, 500, 1000, 2500])), price))
        age = (today - received).days
        status = _status_for(age, rng)
        maker = rng.choice(helpers.get(customer_id) or [owner_id])
        po = f"PO{received:%y%m}-{rng.randrange(10000, 99999)}"
        while (customer_id, po) in used_po:
            po = f"PO{received:%y%m}-{rng.randrange(10000, 99999)}"
        used_po.add((customer_id, po))
        confirmed = received + timedelta(days=rng.randrange(30, 75))
        owner_factories = factories.get(owner_id) or [None]
        order = Order(
            customer_po=po,
            salesperson_id=owner_id,
            customer_id=customer_id,
            maker_id=maker,
            factory_id=rng.choice(owner_factories),
            quotation=quotation,
            currency=currency,
            received_on=received,
            requested_delivery=received + timedelta(days=rng.randrange(25, 70)),
            confirmed_delivery=None if status == S.RECEIVED and rng.random() < 0.6 else confirmed,
            incoterm=quotation.incoterm if quotation else rng.choice(INCOTERMS),
            payment_terms=quotation.payment_terms if quotation else "30% T/T deposit, 70% before shipment",
            status=status,
            created_at=_at(received, rng, now),
            closed_on=min(confirmed + timedelta(days=rng.randrange(20, 60)), today) if status == S.CLOSED else None,
        )
        orders.append(order)
        plans.append(lines)
    # Older orders first, so numbers and primary keys follow the received date as in real use.
    paired = sorted(zip(orders, plans, strict=True), key=lambda pair: pair[0].received_on)
    orders = [o for o, _p in paired]
    plans = [p for _o, p in paired]
    for order, number in zip(orders, _numbers("SO", [o.received_on.year for o in orders]), strict=True):
        order.number = number

    # Lines, with the intake references (and flags, for the orders still waiting) -------------
    from .services.orders import intake_flags_for

    same_po: dict[str, list[str]] = defaultdict(list)
    for order in orders:
        if order.status != S.CANCELLED:
            same_po[order.customer_po].append(order.number)
    lines: list[OrderLine] = []
    order_lines: list[list[OrderLine]] = []
    for order, plan in zip(orders, plans, strict=True):
        mine = []
        total = Decimal("0.00")
        for product, qty, price in plan:
            line = OrderLine(product=product, quantity=qty, unit_price=price)
            if order.status in (S.SHIPPED, S.CLOSED):
                line.shipped_quantity = qty
            elif order.status == S.PARTLY_SHIPPED:
                line.shipped_quantity = (qty / 2).quantize(Decimal(1)) if len(mine) == 0 or rng.random() < 0.5 else 0
            total += line.compute_amount()
            mine.append(line)
        if order.status == S.PARTLY_SHIPPED and all(line.shipped_quantity == line.quantity for line in mine):
            mine[0].shipped_quantity = (mine[0].quantity / 2).quantize(Decimal(1))
        order.total = total
        quoted = lines_of_quotation.get(order.quotation.number, []) if order.quotation else []
        others = [n for n in same_po[order.customer_po] if n != order.number][:3]
        intake_flags_for(order, mine, quoted, others)  # sets the lines' reference price and quantity
        order_lines.append(mine)
        lines.extend(mine)
    _insert(Order, orders, ids=True)
    for order, mine in zip(orders, order_lines, strict=True):
        for line in mine:
            line.order_id = order.pk
    _insert(OrderLine, lines, ids=True)
    # The orders waiting for confirmation carry their differences, with the lines' ids.
    for order, mine in zip(orders, order_lines, strict=True):
        if order.status == S.RECEIVED:
            quoted = lines_of_quotation.get(order.quotation.number, []) if order.quotation else []
            others = [n for n in same_po[order.customer_po] if n != order.number][:3]
            flags = intake_flags_for(order, mine, quoted, others)
            if flags:
                Order.objects.filter(pk=order.pk).update(intake_flags=flags)

    # Events, milestones, QC, abnormal, shipments -----------------------------------------
    events, milestones, checks, abnormal, shipments, shipment_plans = [], [], [], [], [], []
    for order, mine in zip(orders, order_lines, strict=True):
        checker = managers.get(order.salesperson_id) if order.maker_id == order.salesperson_id else order.salesperson_id
        day = order.received_on
        events.append(
            OrderEvent(
                order=order, from_status="", to_status=S.RECEIVED, actor_id=order.maker_id, at=_at(day, rng, now)
            )
        )
        if order.status == S.CANCELLED:
            stop = rng.choice([0, 1, 2])
            reached = PATH[: stop + 1]
        else:
            stop = PATH.index(order.status)
            reached = PATH[: stop + 1]
            if order.status in (S.SHIPPED, S.CLOSED) and rng.random() < 0.7:
                reached = [s for s in reached if s != S.PARTLY_SHIPPED]
        steps = {S.CONFIRMED: 2, S.IN_PRODUCTION: 6, S.READY: 36, S.PARTLY_SHIPPED: 40, S.SHIPPED: 45, S.CLOSED: 70}
        for before, after in zip(reached, reached[1:], strict=False):
            day = min(max(day, order.received_on + timedelta(days=steps[after])), today)
            events.append(
                OrderEvent(
                    order=order,
                    from_status=before,
                    to_status=after,
                    at=_at(day, rng, now),
                    actor_id=checker if after in (S.PARTLY_SHIPPED, S.SHIPPED) else order.maker_id,
                    comment="" if after != S.SHIPPED else "Checked shipment",
                )
            )
        if order.status == S.CANCELLED:
            day = min(day + timedelta(days=rng.randrange(1, 10)), today)
            events.append(
                OrderEvent(
                    order=order,
                    from_status=reached[-1],
                    to_status=S.CANCELLED,
                    actor_id=order.maker_id,
                    at=_at(day, rng, now),
                    comment="客户取消订单 Customer withdrew the order",
                )
            )
            continue
        if order.status == S.RECEIVED:
            continue

        recent = (today - order.received_on).days < 150
        if recent:
            stage = PATH.index(order.status)
            for n, (kind, offset) in enumerate(MILESTONE_DAYS):
                planned = order.received_on + timedelta(days=offset + rng.randrange(0, 4))
                done_by = {1: 0, 2: 3, 3: 5}.get(stage, 5)  # milestones done at each stage
                if stage == 2 and rng.random() < 0.3:
                    done_by = 2  # slipping: production not started yet
                actual = planned + timedelta(days=rng.choice([-1, 0, 0, 1, 3])) if n < done_by else None
                milestones.append(
                    Milestone(
                        order=order, kind=kind, planned_on=planned, actual_on=min(actual, today) if actual else None
                    )
                )
            if stage >= 3:
                ok = rng.random() > 0.15
                checks.append(
                    QualityCheck(
                        order=order,
                        checked_on=min(order.received_on + timedelta(days=33), today),
                        checked_by_id=order.maker_id,
                        material_correct=True,
                        size_accurate=True,
                        style_right=True,
                        workmanship_good=ok,
                        colour_right=True,
                        nothing_missing=True,
                        material_on_time=ok or rng.random() < 0.5,
                        schedule_on_time=ok,
                        note="" if ok else "线头较多，已要求返修 Loose threads; rework requested",
                    )
                )
        if rng.random() < 0.04:
            kind = AbnormalOrder.Kind.values[len(abnormal) % len(AbnormalOrder.Kind.values)]
            cause, action = CAUSES[kind]
            reported = min(order.received_on + timedelta(days=rng.randrange(10, 40)), today)
            abnormal.append(
                AbnormalOrder(
                    order=order,
                    kind=kind,
                    reported_on=reported,
                    reported_by_id=order.maker_id,
                    cause=cause,
                    action=action if rng.random() < 0.8 else "",
                    cost=Decimal(rng.randrange(0, 800) * 10),
                    currency="CNY",
                    resolved_on=reported + timedelta(days=7) if reported + timedelta(days=7) < today else None,
                )
            )
        shipped_on = min(order.received_on + timedelta(days=40 + rng.randrange(10)), today)
        if order.status in (S.PARTLY_SHIPPED, S.SHIPPED, S.CLOSED):
            shipments.append(
                Shipment(
                    order=order,
                    status=Shipment.Status.CHECKED,
                    shipped_on=shipped_on,
                    carrier=rng.choice(CARRIERS),
                    tracking_number=f"BL{order.pk:08d}",
                    customs_declaration=f"2231{order.pk:014d}"[:18],
                    prepared_by_id=order.maker_id,
                    prepared_at=_at(shipped_on, rng, now),
                    checked_by_id=checker,
                    checked_at=_at(shipped_on, rng, now) + timedelta(minutes=30),
                )
            )
            shipment_plans.append([(line, line.shipped_quantity) for line in mine if line.shipped_quantity])
        elif order.status == S.READY and rng.random() < 0.3:
            shipments.append(
                Shipment(
                    order=order,
                    status=Shipment.Status.PREPARED,
                    shipped_on=min(today + timedelta(days=3), shipped_on + timedelta(10)),
                    carrier=rng.choice(CARRIERS),
                    prepared_by_id=order.maker_id,
                    prepared_at=_at(today, rng, now),
                )
            )
            shipment_plans.append([(line, line.quantity) for line in mine])

    _insert(OrderEvent, events)
    _insert(Milestone, milestones)
    _insert(QualityCheck, checks)
    _insert(AbnormalOrder, abnormal, ids=True)
    for shipment, number in zip(shipments, _numbers("SH", [s.shipped_on.year for s in shipments]), strict=True):
        shipment.number = number
    _insert(Shipment, shipments, ids=True)
    _insert(
        ShipmentLine,
        [
            ShipmentLine(shipment_id=shipment.pk, order_line_id=line.pk, quantity=qty)
            for shipment, plan in zip(shipments, shipment_plans, strict=True)
            for line, qty in plan
        ],
    )
    ctx.say(
        f"{len(products)} products, {len(q_rows)} quotations, {len(orders)} orders ({base} before), "
        f"{len(lines)} lines, "
        f"{len(events)} events, {len(milestones)} milestones, {len(shipments)} shipments, {len(abnormal)} abnormal"
    )

"""Demo samples: requests in every state (some converted to seeded orders), the register of
sample items with loans (some overdue), courier costs for the monthly reconciliation.

Scale 1 gives 40 requests; ``--scale 100`` 4,000 requests with about 8,000 lines and 20,000
events, all written with bulk_create. Deterministic (one draw from ``ctx.rng`` seeds a local
generator) and idempotent (requests are added only up to the scale's count; items by code).
"""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.seed import SeedContext
from core.sequences import reserve_numbers
from customers.models import Company, CompanyAssignment
from orders.models import Order, Product

from .models import SampleEvent, SampleItem, SampleLine, SampleLoan, SamplePolicy, SampleRequest

BATCH = 2000
REQUESTS_PER_SCALE = 40
S = SampleRequest.Status
K = SampleEvent.Kind
# (status, weight): the mix of a sales office's year of samples.
MIX = [
    (S.DECISION, 4), (S.APPROVED, 6), (S.PREPARED, 4), (S.DISPATCHED, 22), (S.FEEDBACK, 30),
    (S.CONVERTED, 20), (S.REFUSED, 6), (S.CANCELLED, 8),
]  # fmt: skip
COURIERS = [("顺丰速运 SF Express", "SF"), ("中通快递 ZTO", "ZTO"), ("圆通速递 YTO", "YT"), ("DHL Express", "DHL"),
            ("EMS", "EE")]  # fmt: skip
PURPOSES = [
    "新客户首单前确认品质 Quality approval before a first order",
    "客户要求新颜色打样 New colour for the customer's spring range",
    "展会展示用 For the customer's trade fair stand",
    "替换供应商比对测试 Comparison test against the current supplier",
    "包装确认 Packing approval",
]
OPINIONS = [
    ("high", "手感和颜色都满意，等报价确认后下单 Likes hand feel and colour; will order after the quotation"),
    ("medium", "品质可以，价格偏高 Quality fine, price on the high side"),
    ("low", "尺寸需要调整，再打样 Size needs changing; another sample wanted"),
    ("none", "客户已选其他供应商 Customer chose another supplier"),
]
RULE_NOTES = {
    (True, "free"): "新客户，在免费额度内：免费，快递到付 New customer within the free limit: free, courier collect",
    (True, "charged"): "新客户，超出免费额度：按目录价收费，快递到付 New customer above the limit: charged",
    (False, "free"): "已下单客户：样品免费，快递预付 Customer with orders: free, courier prepaid",
}
ITEMS = [
    ("SM-001", "LED 面板灯样机 LED panel demo unit", "A 柜 Cabinet A"),
    ("SM-002", "LED 筒灯演示箱 Downlight demo case", "A 柜 Cabinet A"),
    ("SM-003", "车灯总成样品 Headlamp sample pair", "B 柜 Cabinet B"),
    ("SM-004", "后视镜样品 Door mirror sample", "B 柜 Cabinet B"),
    ("SM-005", "不锈钢合页样板 Hinge sample board", "展厅 Showroom"),
    ("SM-006", "轴承样品盒 Bearing sample box", "展厅 Showroom"),
    ("SM-007", "T恤色卡 T-shirt colour card", "C 柜 Cabinet C"),
    ("SM-008", "Polo 衫样衣 Polo shirt sample", "C 柜 Cabinet C"),
    ("SM-009", "陶瓷杯印刷样 Mug print sample", "展厅 Showroom"),
    ("SM-010", "收纳箱样品 Storage box sample", "仓库 Warehouse"),
    ("SM-011", "包装盒样板 Packaging samples", "仓库 Warehouse"),
    ("SM-012", "毛巾样品 Towel sample set", "C 柜 Cabinet C"),
]


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())  # one draw whatever exists: later apps stay deterministic
    SamplePolicy.current()
    _items_and_loans(ctx, rng)
    target = REQUESTS_PER_SCALE * ctx.scale
    existing = SampleRequest.objects.count()
    if existing >= target:
        ctx.say(f"samples: {existing} exist, nothing to add")
        return
    with _keep_given_timestamps():
        made = _requests(ctx, rng, target - existing)
    ctx.say(f"samples: {made} requests, {SampleItem.objects.count()} register items")


@contextmanager
def _keep_given_timestamps():
    """Demo history needs past times; auto_now_add would stamp every row with now."""
    fields = [SampleEvent._meta.get_field("at"), SampleRequest._meta.get_field("created_at")]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _people() -> tuple[dict[int, list[int]], dict[int, User]]:
    """Assistants serving each salesperson, and every sales role by id."""
    served: dict[int, list[int]] = defaultdict(list)
    for assistant_id, salesperson_id in User.serves.through.objects.values_list("from_user_id", "to_user_id"):
        served[salesperson_id].append(assistant_id)
    people = {u.pk: u for u in User.objects.filter(role__in=["assistant", "salesperson", "manager"], is_active=True)}
    return served, people


def _requests(ctx: SeedContext, rng: random.Random, count: int) -> int:
    today = timezone.localdate()
    served, people = _people()
    customers = list(
        Company.objects.filter(kind=Company.Kind.CUSTOMER, owner__role="salesperson", owner__is_active=True)
        .order_by("pk")
        .values_list("pk", "owner_id", "owner__team__manager_id")
    )
    products = list(Product.objects.filter(active=True, currency="CNY").order_by("pk").values_list("pk", "list_price"))
    if not customers or not products:
        return 0
    assigned: dict[int, list[int]] = defaultdict(list)
    for company_id, assistant_id in CompanyAssignment.objects.values_list("company_id", "assistant_id"):
        assigned[company_id].append(assistant_id)
    orders: dict[int, list[tuple[int, object]]] = defaultdict(list)
    for customer_id, pk, received_on in (
        Order.objects.exclude(status=Order.Status.CANCELLED).values_list("customer_id", "pk", "received_on").iterator()
    ):
        orders[customer_id].append((pk, received_on))
    gm = next((u.pk for u in people.values() if u.is_gm), None)
    statuses = [s for s, w in MIX for _ in range(w)]

    by_customer = {pk: (owner_id, manager_id) for pk, owner_id, manager_id in customers}
    ordered = [(cid, day) for cid, rows in sorted(orders.items()) if cid in by_customer for _pk, day in rows]
    plans = []
    for n in range(count):
        # The first requests take each state once, so even --scale 1 shows them all.
        status = MIX[n][0] if n < len(MIX) else statuses[rng.randrange(len(statuses))]
        if status == S.CONVERTED and ordered:
            # Requested some weeks before one of the customer's orders, which it then brought.
            customer_id, received_on = ordered[rng.randrange(len(ordered))]
            owner_id, manager_id = by_customer[customer_id]
            created = min(received_on - timedelta(days=rng.randint(10, 60)), today - timedelta(days=10))
        else:
            customer_id, owner_id, manager_id = customers[rng.randrange(len(customers))]
            open_state = status in (S.DECISION, S.APPROVED, S.PREPARED)
            age = rng.randint(0, 12) if open_state else rng.randint(8, 360)
            if status == S.DISPATCHED:
                age = rng.randint(3, 40)  # waiting for feedback: some not due yet, many due
            created = today - timedelta(days=age)
        plans.append((customer_id, owner_id, manager_id or gm, status, created))
    years = [p[4].year for p in plans]
    pools = {year: iter(reserve_numbers("SP", years.count(year), year=year)) for year in sorted(set(years))}

    samples, line_plans, event_plans = [], [], []
    for customer_id, owner_id, manager_id, status, created in plans:
        helpers = [a for a in assigned.get(customer_id, []) if a in served.get(owner_id, [])]
        maker = helpers[rng.randrange(len(helpers))] if helpers and rng.random() < 0.7 else owner_id
        chosen = rng.sample(products, k=rng.choice((1, 1, 2, 3)))
        lines = [(pk, Decimal(rng.choice((1, 2, 3, 5, 10)))) for pk, _price in chosen]
        value = sum((price * qty for (pk, price), (_pk, qty) in zip(chosen, lines, strict=True)), Decimal(0))
        pieces = sum(qty for _pk, qty in lines)
        new = not orders.get(customer_id)
        if new and (pieces > 5 or value > 500):
            charge, amount, fee = "charged", value.quantize(Decimal("0.01")), "collect"
        else:
            charge, amount, fee = "free", Decimal("0.00"), "collect" if new else "prepaid"
        went_to_manager = status in (S.DECISION, S.REFUSED) or rng.random() < 0.1
        sample = SampleRequest(
            number=next(pools[created.year]), salesperson_id=owner_id, customer_id=customer_id, maker_id=maker,
            status=status, purpose=PURPOSES[rng.randrange(len(PURPOSES))][:300],
            needed_by=created + timedelta(days=rng.randint(5, 20)), charge=charge, amount=amount, courier_fee=fee,
            new_customer=new, created_at=_at(created, 9 + rng.randint(0, 7)),
            rule_note=RULE_NOTES[(new, charge)],
            exception_reason="重点客户，请特批免费 Key prospect, please allow free samples" if went_to_manager else "",
        )  # fmt: skip
        events = [(K.REQUESTED, "", S.DECISION if went_to_manager else S.APPROVED, maker, created, "")]
        if went_to_manager:
            events.append((K.SENT_TO_MANAGER, S.DECISION, S.DECISION, maker, created, sample.exception_reason))
            if status != S.DECISION:
                decided = created + timedelta(days=1)
                sample.decided_by_id, sample.decided_at = manager_id, _at(decided, 10)
                if status == S.REFUSED:
                    events.append(
                        (K.REFUSED, S.DECISION, S.REFUSED, manager_id, decided, "不符合公司规定 Outside policy")
                    )
                else:
                    events.append((K.APPROVED, S.DECISION, S.APPROVED, manager_id, decided, "同意 Agreed"))
        if status == S.CANCELLED:
            events.append((K.CANCELLED, S.APPROVED, S.CANCELLED, owner_id, created + timedelta(days=2), "客户取消"))
        if status in (S.PREPARED, S.DISPATCHED, S.FEEDBACK, S.CONVERTED):
            sent = min(created + timedelta(days=rng.randint(1, 3)), today)
            courier, prefix = COURIERS[rng.randrange(len(COURIERS))]
            preparer = maker
            others = [p for p in [owner_id, *served.get(owner_id, [])] if p != preparer]
            checker = others[rng.randrange(len(others))] if others else manager_id
            sample.courier, sample.tracking_number = courier, f"{prefix}{rng.randint(10**11, 10**12 - 1)}"
            sample.sent_on, sample.expected_arrival = sent, sent + timedelta(days=rng.choice((1, 2, 3, 5)))
            sample.cost = Decimal(rng.choice(("12.00", "15.00", "18.00", "23.00", "35.00", "86.00")))
            sample.prepared_by_id, sample.prepared_at = preparer, _at(sent, 11)
            events.append((K.PREPARED, S.APPROVED, S.PREPARED, preparer, sent, ""))
            if status != S.PREPARED:
                sample.checked_by_id, sample.checked_at = checker, _at(sent, 14)
                sample.follow_up_on = sent + timedelta(days=7)
                events.append((K.CHECKED, S.PREPARED, S.DISPATCHED, checker, sent, ""))
            if status in (S.FEEDBACK, S.CONVERTED):
                feedback_on = min(sample.follow_up_on + timedelta(days=rng.randint(0, 5)), today)
                likelihood, opinion = OPINIONS[rng.randrange(len(OPINIONS))]
                candidates = [(pk, day) for pk, day in orders.get(customer_id, []) if day >= sent]
                if status == S.CONVERTED and candidates:
                    sample.order_id = candidates[rng.randrange(len(candidates))][0]
                    likelihood = "high"
                else:
                    sample.status = status = S.FEEDBACK
                sample.feedback_on, sample.opinion, sample.likelihood = feedback_on, opinion, likelihood
                events.append((K.FEEDBACK, S.DISPATCHED, status, maker, feedback_on, opinion))
                if sample.order_id:
                    events.append((K.LINKED, S.CONVERTED, S.CONVERTED, maker, feedback_on, ""))
        samples.append(sample)
        line_plans.append(lines)
        event_plans.append(events)

    SampleRequest.objects.bulk_create(samples, batch_size=BATCH)
    if samples[0].pk is None:  # backends that do not return ids from a bulk insert
        by_number = dict(
            SampleRequest.objects.filter(number__in=[s.number for s in samples]).values_list("number", "pk")
        )
        for s in samples:
            s.pk = by_number[s.number]
    SampleLine.objects.bulk_create(
        [SampleLine(sample_id=s.pk, product_id=pk, quantity=qty) for s, lines in zip(samples, line_plans, strict=True)
         for pk, qty in lines],
        batch_size=BATCH,
    )  # fmt: skip
    SampleEvent.objects.bulk_create(
        [
            SampleEvent(sample_id=s.pk, kind=kind, from_status=before, to_status=after, actor_id=actor,
                        at=_at(day, 9 + i), comment=comment[:500])
            for s, events in zip(samples, event_plans, strict=True)
            for i, (kind, before, after, actor, day, comment) in enumerate(events)
        ],
        batch_size=BATCH,
    )  # fmt: skip
    return len(samples)


def _items_and_loans(ctx: SeedContext, rng: random.Random) -> None:
    have = set(SampleItem.objects.values_list("code", flat=True))
    new = [SampleItem(code=code, name=name, location=where) for code, name, where in ITEMS if code not in have]
    if not new:
        return
    SampleItem.objects.bulk_create(new)
    today = timezone.localdate()
    users = ctx.users
    if not users or "sales1" not in users:
        return
    customer_of = {
        name: Company.objects.filter(owner=users[name], kind=Company.Kind.CUSTOMER).order_by("pk").first()
        for name in ("sales1", "sales2", "sales3")
    }
    items = {i.code: i for i in SampleItem.objects.filter(code__in=[i.code for i in new])}
    # (item, salesperson, to a customer?, borrower, lent days ago, days lent for, returned?)
    plan = [
        ("SM-001", "sales1", True, "", 30, 14, False),  # overdue
        ("SM-003", "sales2", True, "", 45, 21, False),  # overdue
        ("SM-004", "sales3", False, "张磊 (展会 trade fair)", 20, 10, False),  # overdue
        ("SM-005", "sales1", False, "王强 (拜访客户)", 3, 14, False),
        ("SM-007", "sales2", True, "", 5, 30, False),
        ("SM-002", "sales1", True, "", 60, 14, True),
        ("SM-006", "sales3", True, "", 90, 30, True),
    ]
    loans = []
    for code, person, to_customer, borrower, ago, days, returned in plan:
        customer = customer_of.get(person) if to_customer else None
        if code not in items or (to_customer and customer is None):
            continue
        lent_on = today - timedelta(days=ago)
        loans.append(
            SampleLoan(
                item=items[code],
                salesperson=users[person],
                customer=customer,
                borrower=borrower,
                lent_on=lent_on,
                due_back=lent_on + timedelta(days=days),
                lent_by=users[person],
                returned_on=lent_on + timedelta(days=days - 2) if returned else None,
                returned_to=users[person] if returned else None,
                condition="完好 Good" if returned else "",
            )  # fmt: skip
        )
    SampleLoan.objects.bulk_create(loans)

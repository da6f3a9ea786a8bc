"""Demo expenses: claims in every state with receipts (one reused receipt, 回笼票), advances
outstanding, settled and repaid, budgets near (≥80%) and over their limit.

About 100 claims and 300 lines per scale (30,000 lines at ``--scale 100``), all bulk_created.
Receipt files are two small demo files stored once and shared by every line (the seed must stay
fast); deterministic (one draw from ``ctx.rng``) and idempotent (claims, advances and budgets
are counted or looked up first).
"""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Team, User
from core.seed import SeedContext
from core.sequences import reserve_numbers
from customers.models import Company

from .budgets import usage_for
from .models import (
    Advance,
    AdvanceEvent,
    AdvanceSettlement,
    Budget,
    Category,
    Claim,
    ClaimEvent,
    ClaimLine,
    receipt_key,
)

CLAIMS_PER_SCALE = 100
ADVANCES_PER_SCALE = 6
BATCH = 5000
S = Claim.Status
A = ClaimEvent.Action
STATUSES = [
    (0.05, S.DRAFT), (0.12, S.SUBMITTED), (0.19, S.REVIEWED), (0.29, S.APPROVED), (0.90, S.PAID),
    (0.95, S.RETURNED), (1.0, S.WITHDRAWN),
]  # fmt: skip
KIND_CATEGORIES = {
    Claim.Kind.TRAVEL: [Category.TRANSPORT, Category.HOTEL, Category.MEALS, Category.ALLOWANCE],
    Claim.Kind.SALES: [Category.MEALS, Category.GIFTS, Category.TRANSPORT, Category.COMMUNICATION],
    Claim.Kind.MARKETING: [Category.MARKETING, Category.GIFTS, Category.OTHER],
    Claim.Kind.OFFICE: [Category.OFFICE, Category.COMMUNICATION],
    Claim.Kind.ENTERTAINMENT: [Category.ENTERTAINMENT, Category.MEALS],
}
AMOUNTS = {
    Category.TRANSPORT: (20, 1500), Category.HOTEL: (250, 900), Category.MEALS: (30, 400),
    Category.ENTERTAINMENT: (300, 3000), Category.GIFTS: (100, 1200), Category.OFFICE: (15, 600),
    Category.MARKETING: (200, 5000), Category.COMMUNICATION: (50, 300), Category.ALLOWANCE: (100, 100),
    Category.OTHER: (20, 500),
}  # fmt: skip
ISSUERS = {
    Category.TRANSPORT: ["中国东方航空股份有限公司", "中国铁路上海局集团有限公司", "滴滴出行科技有限公司"],
    Category.HOTEL: ["锦江之星旅馆有限公司", "如家酒店连锁有限公司", "深圳市锦华酒店有限公司"],
    Category.MEALS: ["上海小南国餐饮有限公司", "苏州松鹤楼餐饮有限公司"],
    Category.ENTERTAINMENT: ["杭州楼外楼实业有限公司", "广州陶陶居饮食有限公司"],
    Category.GIFTS: ["上海第一百货商店股份有限公司"],
    Category.OFFICE: ["得力集团有限公司", "晨光文具股份有限公司"],
    Category.MARKETING: ["上海雅昌彩色印刷有限公司", "中国国际展览中心集团"],
    Category.COMMUNICATION: ["中国移动通信集团上海有限公司", "顺丰速运有限公司"],
    Category.OTHER: ["上海市某某商贸有限公司"],
}
PURPOSES = {
    Claim.Kind.TRAVEL: "出差拜访客户 / Customer visits",
    Claim.Kind.SALES: "客户招待与通讯 / Customer meals and calls",
    Claim.Kind.MARKETING: "展会资料与礼品 / Trade fair material and gifts",
    Claim.Kind.OFFICE: "办公用品 / Office supplies",
    Claim.Kind.ENTERTAINMENT: "业务招待 / Business entertainment",
}
# The one reused receipt (回笼票): the same hotel invoice on a paid claim of last year and a new one.
REUSED_NUMBER = ("04403291 8812", "044032918812")
REUSED_ISSUER = "深圳市锦华酒店有限公司"


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())  # one draw whatever exists: later apps stay deterministic
    today = timezone.localdate()
    people = _people()
    if not people["salespersons"]:
        ctx.say("expenses: no salespersons, nothing to add")
        return
    files = _stored_files()
    target = CLAIMS_PER_SCALE * ctx.scale
    existing = Claim.objects.count()
    made_claims = 0
    if existing < target:
        with _keep_given_timestamps():
            made_claims = _claims(rng, people, files, today, target - existing, offset=existing)
    made_advances = 0
    target = ADVANCES_PER_SCALE * ctx.scale
    existing = Advance.objects.count()
    if existing < target:
        with _keep_given_timestamps():
            made_advances = _advances(rng, people, today, target - existing)
    budgets = _budgets(people, today)
    ctx.say(
        f"expenses: {made_claims} claims ({ClaimLine.objects.count()} lines in all), "
        f"{made_advances} advances, {budgets} budgets added"
    )


@contextmanager
def _keep_given_timestamps():
    """Demo history needs past times; auto_now_add would stamp every row with now."""
    fields = [
        Claim._meta.get_field("created_at"),
        ClaimLine._meta.get_field("created_at"),
        Advance._meta.get_field("created_at"),
    ]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _people() -> dict:
    salespersons = list(User.objects.filter(role=User.Role.SALESPERSON, is_active=True).order_by("pk"))
    assistants: dict[int, list[User]] = defaultdict(list)
    for a in User.objects.filter(role=User.Role.ASSISTANT, is_active=True).prefetch_related("serves").order_by("pk"):
        for s in a.serves.all():
            assistants[s.pk].append(a)
    gm = User.objects.filter(is_gm=True).first()
    managers = {t.pk: t.manager for t in Team.objects.select_related("manager")}
    finance = User.objects.filter(is_finance=True, is_active=True).order_by("pk").first()
    own_assistants = list(User.objects.filter(role=User.Role.ASSISTANT, is_active=True).order_by("pk")[:1])
    own_managers = list(User.objects.filter(role=User.Role.MANAGER, is_gm=False, is_active=True).order_by("pk")[:1])
    return {
        "salespersons": salespersons,
        "assistants": assistants,
        "gm": gm,
        "managers": managers,
        "finance": finance,
        "others": own_assistants + own_managers,
    }


def _approver(person: User, people: dict) -> User | None:
    if person.role != User.Role.MANAGER and person.team_id and people["managers"].get(person.team_id):
        return people["managers"][person.team_id]
    return people["gm"]


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    width, height = 120, 60
    raw = b"".join(b"\x00" + (b"\xf4\xf1\xe8" * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 150]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _stored_files() -> dict[str, str]:
    result = {}
    for ext, content in (("png", _png()), ("pdf", PDF)):
        name = f"expenses/receipts/demo/receipt-demo.{ext}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(content))
        result[ext] = name
    return result


def _claims(rng: random.Random, people: dict, files: dict, today: date, count: int, *, offset: int) -> int:
    salespersons = people["salespersons"]
    trips: dict[int, list] = defaultdict(list)
    try:
        from travel.models import Trip

        for trip_id, traveller_id, start_on in (
            Trip.objects.filter(status__in=[Trip.Status.APPROVED, Trip.Status.DONE], start_on__lte=today)
            .values_list("pk", "traveller_id", "start_on")
            .order_by("pk")
        ):
            trips[traveller_id].append((trip_id, start_on))
    except LookupError:  # pragma: no cover - travel not installed
        pass
    customers: dict[int, list[int]] = defaultdict(list)
    for pk, owner_id in (
        Company.objects.filter(kind=Company.Kind.CUSTOMER, owner__in=salespersons)
        .order_by("pk")
        .values_list("pk", "owner_id")
    ):
        if len(customers[owner_id]) < 60:
            customers[owner_id].append(pk)

    plans = []
    for index in range(count):
        n = offset + index
        if people["others"] and rng.random() < 0.04:
            claimant = rng.choice(people["others"])
        else:
            claimant = salespersons[n % len(salespersons)]
        draw = rng.random()
        status = next(s for share, s in STATUSES if draw <= share)
        age = rng.randint(0, 20) if status in (S.DRAFT, S.SUBMITTED, S.REVIEWED, S.RETURNED) else rng.randint(3, 900)
        day = today - timedelta(days=age)
        kind = rng.choice(list(Claim.Kind))
        trip_id = None
        if kind == Claim.Kind.TRAVEL and trips.get(claimant.pk):
            trip_id, start_on = rng.choice(trips[claimant.pk])
            if start_on <= today:
                day = max(start_on, day if day <= today else today)
        plans.append((claimant, status, day, kind, trip_id))
    # The reused receipt: a paid hotel bill of last year, claimed again on a submitted claim.
    if offset == 0 and count >= 2:
        first = salespersons[1 % len(salespersons)]
        second = salespersons[0]
        plans[0] = (first, S.PAID, today - timedelta(days=300), Claim.Kind.TRAVEL, None)
        plans[1] = (second, S.SUBMITTED, today - timedelta(days=2), Claim.Kind.TRAVEL, None)

    by_year: dict[int, int] = defaultdict(int)
    for _c, _s, day, _k, _t in plans:
        by_year[day.year] += 1
    numbers = {year: iter(reserve_numbers("EX", n, year=year)) for year, n in sorted(by_year.items())}

    claims = []
    for claimant, status, day, kind, trip_id in plans:
        created = _at(day, 9 + rng.randint(0, 8))
        claim = Claim(
            number=next(numbers[day.year]),
            claimant=claimant,
            created_by=claimant,
            kind=kind,
            purpose=PURPOSES[kind],
            trip_id=trip_id,
            status=status,
            created_at=created,
        )
        if status not in (S.DRAFT,):
            claim.submitted_at = created + timedelta(hours=2)
        reviewer = None
        if claimant.role == User.Role.SALESPERSON and people["assistants"].get(claimant.pk):
            reviewer = people["assistants"][claimant.pk][0]
        if status in (S.REVIEWED, S.APPROVED, S.PAID) and reviewer is not None:
            claim.reviewed_by = reviewer
            claim.reviewed_at = created + timedelta(days=1)
            claim.receipts_ok = claim.content_ok = claim.amounts_ok = True
        if status in (S.APPROVED, S.PAID):
            claim.approved_by = _approver(claimant, people)
            claim.approved_at = created + timedelta(days=2)
        if status == S.PAID and people["finance"] is not None:
            claim.paid_by = people["finance"]
            claim.paid_at = created + timedelta(days=5)
            claim.payment_reference = f"BANK-{claim.number[-5:]}"
        claims.append(claim)
    Claim.objects.bulk_create(claims, batch_size=BATCH)

    lines, events = [], []
    for index, claim in enumerate(claims):
        day = claim.created_at.date()
        categories = KIND_CATEGORIES[claim.kind]
        for line_no in range(rng.randint(1, 5)):
            category = rng.choice(categories)
            low, high = AMOUNTS[category]
            amount = Decimal(rng.randint(low * 100, high * 100)) / 100 if high > low else Decimal(low)
            line_day = min(day - timedelta(days=rng.randint(0, 3)), today)
            number = issuer = ""
            if category != Category.ALLOWANCE:
                number = f"{3100 + line_day.year % 100:04d} {offset + index:06d}{line_no}"
                issuer = rng.choice(ISSUERS[category])
            customer_id = None
            if claim.claimant_id in customers and category in (Category.MEALS, Category.ENTERTAINMENT, Category.GIFTS):
                customer_id = rng.choice(customers[claim.claimant_id])
            file = ""
            if number and rng.random() < 0.9:
                file = files["png"] if line_no % 3 else files["pdf"]
            lines.append(
                ClaimLine(
                    claim=claim,
                    date=line_day,
                    category=category,
                    amount=amount,
                    currency="CNY",
                    description="",
                    receipt_number=number,
                    receipt_issuer=issuer,
                    receipt_key=receipt_key(number),
                    issuer_key=receipt_key(issuer),
                    receipt_file=file,
                    receipt_name=f"receipt-{claim.number}-{line_no + 1}.{file[-3:]}" if file else "",
                    receipt_type=("image/png" if file.endswith("png") else "application/pdf") if file else "",
                    customer_id=customer_id,
                    created_at=claim.created_at,
                )  # fmt: skip
            )
        if offset == 0 and index in (0, 1):
            number = REUSED_NUMBER[index]
            lines.append(
                ClaimLine(
                    claim=claim,
                    date=day,
                    category=Category.HOTEL,
                    amount=Decimal("688.00"),
                    currency="CNY",
                    description="两晚住宿 / Two nights",
                    receipt_number=number,
                    receipt_issuer=REUSED_ISSUER,
                    receipt_key=receipt_key(number),
                    issuer_key=receipt_key(REUSED_ISSUER),
                    receipt_file=files["pdf"],
                    receipt_name="hotel-invoice.pdf",
                    receipt_type="application/pdf",
                    created_at=claim.created_at,
                )  # fmt: skip
            )
        events.extend(_events(claim, people))
    ClaimLine.objects.bulk_create(lines, batch_size=BATCH)
    ClaimEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(claims)


def _events(claim: Claim, people: dict) -> list[ClaimEvent]:
    at = claim.created_at
    events = [ClaimEvent(claim=claim, actor=claim.claimant, at=at, action=A.CREATED, to_status=S.DRAFT)]
    if claim.status == S.DRAFT:
        return events
    first = S.SUBMITTED if claim.reviewed_by_id or claim.status in (S.SUBMITTED, S.RETURNED) else S.REVIEWED
    events.append(ClaimEvent(claim=claim, actor=claim.claimant, at=claim.submitted_at, action=A.SUBMITTED,
                             from_status=S.DRAFT, to_status=first))  # fmt: skip
    if claim.status == S.RETURNED:
        reviewer = (people["assistants"].get(claim.claimant_id) or [_approver(claim.claimant, people)])[0]
        events.append(ClaimEvent(claim=claim, actor=reviewer, at=claim.submitted_at + timedelta(hours=20),
                                 action=A.RETURNED, from_status=first, to_status=S.RETURNED,
                                 comment="出租车票日期与行程不符，请核对 / Taxi receipt dates do not match the trip",
                                 checklist={"receipts_ok": True, "content_ok": False, "amounts_ok": True}))  # fmt: skip
        return events
    if claim.status == S.WITHDRAWN:
        events.append(ClaimEvent(claim=claim, actor=claim.claimant, at=claim.submitted_at + timedelta(hours=3),
                                 action=A.WITHDRAWN, from_status=first, to_status=S.WITHDRAWN))  # fmt: skip
        return events
    if claim.reviewed_by_id:
        events.append(ClaimEvent(claim=claim, actor=claim.reviewed_by, at=claim.reviewed_at, action=A.REVIEWED,
                                 from_status=S.SUBMITTED, to_status=S.REVIEWED,
                                 checklist={"receipts_ok": True, "content_ok": True, "amounts_ok": True}))  # fmt: skip
    if claim.approved_by_id:
        events.append(ClaimEvent(claim=claim, actor=claim.approved_by, at=claim.approved_at, action=A.APPROVED,
                                 from_status=S.REVIEWED, to_status=S.APPROVED))  # fmt: skip
    if claim.paid_by_id:
        events.append(ClaimEvent(claim=claim, actor=claim.paid_by, at=claim.paid_at, action=A.PAID,
                                 from_status=S.APPROVED, to_status=S.PAID,
                                 comment=claim.payment_reference))  # fmt: skip
    return events


def _advances(rng: random.Random, people: dict, today: date, count: int) -> int:
    """Advances requested, approved, outstanding (some partly settled), settled and repaid, rejected."""
    finance = people["finance"]
    if finance is None:
        return 0
    salespersons = people["salespersons"]
    kinds = ["outstanding", "partly", "settled", "repaid", "requested", "approved", "rejected"]
    numbers = iter(reserve_numbers("AD", count, year=today.year))
    advances, plans = [], []
    for index in range(count):
        person = salespersons[index % len(salespersons)]
        kind = kinds[index % len(kinds)]
        day = today - timedelta(
            days=rng.randint(2, 120) if kind not in ("requested", "approved") else rng.randint(0, 3)
        )
        amount = Decimal(rng.choice([1000, 1500, 2000, 3000, 5000]))
        status = {
            "outstanding": Advance.Status.PAID, "partly": Advance.Status.PAID, "settled": Advance.Status.SETTLED,
            "repaid": Advance.Status.SETTLED, "requested": Advance.Status.REQUESTED,
            "approved": Advance.Status.APPROVED, "rejected": Advance.Status.REJECTED,
        }[kind]  # fmt: skip
        settled = {"partly": (amount * Decimal("0.35")).quantize(Decimal("0.01")), "settled": amount, "repaid": amount}
        advance = Advance(
            number=next(numbers), person=person, created_by=person, purpose="出差借款 / Travel advance",
            amount=amount, currency="CNY", status=status, settled_amount=settled.get(kind, Decimal("0.00")),
            created_at=_at(day, 10),
        )  # fmt: skip
        if status not in (Advance.Status.REQUESTED, Advance.Status.REJECTED):
            advance.approved_by = _approver(person, people)
            advance.approved_at = _at(day, 15)
        if status in (Advance.Status.PAID, Advance.Status.SETTLED):
            advance.paid_by = finance
            advance.paid_at = _at(day + timedelta(days=1), 11)
        advances.append(advance)
        plans.append(kind)
    Advance.objects.bulk_create(advances, batch_size=BATCH)

    # Settlements against a paid claim of the same person where there is one, else repaid in cash.
    paid_claims = {}
    for claim_id, claimant_id in (
        Claim.objects.filter(status=S.PAID).order_by("-paid_at").values_list("pk", "claimant_id")[:500]
    ):
        paid_claims.setdefault(claimant_id, claim_id)
    settlements, events = [], []
    E = AdvanceEvent.Action
    for advance, kind in zip(advances, plans, strict=True):
        at = advance.created_at
        events.append(AdvanceEvent(advance=advance, actor=advance.person, at=at, action=E.REQUESTED,
                                   to_status=Advance.Status.REQUESTED))  # fmt: skip
        if kind == "rejected":
            approver = _approver(advance.person, people)
            events.append(AdvanceEvent(advance=advance, actor=approver, at=at + timedelta(hours=5), action=E.REJECTED,
                                       from_status=Advance.Status.REQUESTED, to_status=Advance.Status.REJECTED,
                                       comment="请先核销上一笔借款 / Settle the previous advance first"))  # fmt: skip
            continue
        if advance.approved_by_id:
            events.append(AdvanceEvent(advance=advance, actor=advance.approved_by, at=advance.approved_at,
                                       action=E.APPROVED, from_status=Advance.Status.REQUESTED,
                                       to_status=Advance.Status.APPROVED))  # fmt: skip
        if advance.paid_by_id:
            events.append(AdvanceEvent(advance=advance, actor=finance, at=advance.paid_at, action=E.PAID,
                                       from_status=Advance.Status.APPROVED, to_status=Advance.Status.PAID))  # fmt: skip
        if advance.settled_amount:
            claim_id = paid_claims.get(advance.person_id) if kind in ("partly", "settled") else None
            settle_kind = AdvanceSettlement.Kind.CLAIM if claim_id else AdvanceSettlement.Kind.REPAYMENT
            settled_at = advance.paid_at + timedelta(days=10)
            settlements.append(AdvanceSettlement(advance=advance, kind=settle_kind, claim_id=claim_id,
                                                 amount=advance.settled_amount, currency=advance.currency,
                                                 actor=finance, at=settled_at))  # fmt: skip
            events.append(AdvanceEvent(advance=advance, actor=finance, at=settled_at,
                                       action=E.SETTLED if claim_id else E.REPAID, from_status=Advance.Status.PAID,
                                       to_status=advance.status, comment=f"{advance.settled_amount} CNY"))  # fmt: skip
    AdvanceSettlement.objects.bulk_create(settlements, batch_size=BATCH)
    AdvanceEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(advances)


def _budgets(people: dict, today: date) -> int:
    """This year's budgets set against what is used, so that some are near (≥80%) and some over the limit."""
    year = today.year
    if Budget.objects.filter(year=year).exists():
        return 0
    salespersons = people["salespersons"]
    wanted = []
    ratios = [Decimal("0.85"), Decimal("1.06"), Decimal("0.55")]
    for person in salespersons:
        wanted.append(Budget(salesperson=person, year=year, category="", amount=Decimal("1"),
                             currency="CNY"))  # fmt: skip
        wanted.append(Budget(salesperson=person, year=year, category=Category.MEALS, amount=Decimal("1"),
                             currency="CNY"))  # fmt: skip
    for team in Team.objects.order_by("pk"):
        wanted.append(Budget(team=team, year=year, category="", amount=Decimal("1"), currency="CNY"))
    usages = usage_for(wanted)
    for index, usage in enumerate(usages):
        ratio = ratios[index % len(ratios)]
        used = usage.used if usage.used > 0 else Decimal("1000.00")
        amount = (used / ratio).quantize(Decimal("1"))  # whole yuan, the intended side of the threshold
        usage.budget.amount = max(amount, Decimal("1.00"))
    Budget.objects.bulk_create([u.budget for u in usages])
    return len(usages)

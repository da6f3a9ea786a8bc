"""Demo trips and visits: every state (draft, returned, awaiting review, awaiting approval,
approved, on the road today, report due, reported with findings, cancelled), with legs,
customers to visit, bookings, daily check-ins, the timeline, and customers visiting us.

About 30 trips and 5 visits per scale (3,000 trips at ``--scale 100``), all bulk_created;
deterministic (one draw from ``ctx.rng``) and idempotent (trips and visits are counted first).
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.seed import SeedContext
from core.sequences import reserve_numbers
from customers.models import Company, Interaction

from .models import REVIEW_CHECKLIST, Booking, CheckIn, Trip, TripCustomer, TripEvent, TripLeg, Visit

TRIPS_PER_SCALE = 30
VISITS_PER_SCALE = 5
BATCH = 5000
S = Trip.Status
A = TripEvent.Action
# (cumulative share, kind): kinds map to a status and where the dates fall around today.
KINDS = [
    (0.06, "draft"), (0.09, "returned"), (0.15, "submitted"), (0.21, "reviewed"), (0.33, "approved"),
    (0.45, "on_road"), (0.52, "report_due"), (0.96, "done"), (1.0, "cancelled"),
]  # fmt: skip
CITIES = [
    ("南京", "Nanjing"), ("苏州", "Suzhou"), ("杭州", "Hangzhou"), ("宁波", "Ningbo"), ("广州", "Guangzhou"),
    ("深圳", "Shenzhen"), ("厦门", "Xiamen"), ("青岛", "Qingdao"), ("北京", "Beijing"), ("成都", "Chengdu"),
    ("武汉", "Wuhan"), ("香港", "Hong Kong"),
]  # fmt: skip
HOME = {"A": "上海", "B": "广州"}
PURPOSES = [
    "拜访重点客户，洽谈明年框架订单 / Visit key customers about next year's frame order",
    "处理质量投诉，现场确认问题 / Handle a quality complaint on site",
    "新品推介，带样品给客户确认 / Present new products with samples",
    "回款催收，与客户财务核对对账单 / Collect overdue payments, reconcile statements",
    "参加行业展会并拜访周边客户 / Trade fair and nearby customers",
]
OUTCOMES = [
    ("客户确认追加 20% 订单，需在月底前报价", True),
    ("客户对交期不满，要求我方派人驻厂跟单", True),
    ("对账无误，客户承诺本月 25 日付款", False),
    ("样品基本认可，颜色需再调整一次", False),
    ("竞争对手报价低 8%，客户要求我方降价", True),
    ("关系良好，年底前无新需求", False),
]
NEXT_STEPS = ["寄报价单", "安排样品复打", "财务跟进回款", "经理电话回访", "寄产品目录"]
CHECK_INS = [
    ("客户处", "进展顺利，下午见采购经理", ""),
    ("酒店", "今天见了两家客户，明天去工厂", "请寄 20 本产品目录"),
    ("高铁上", "在去下一站的路上", ""),
    ("客户工厂", "现场确认质量问题，需要质检报告", "请发最新质检报告"),
]
SUPPLIERS = {
    Booking.Kind.TICKET: ["12306 中国铁路", "东方航空 MU", "南方航空 CZ"],
    Booking.Kind.HOTEL: ["全季酒店", "锦江之星", "汉庭酒店", "希尔顿欢朋"],
    Booking.Kind.CAR: ["神州租车", "一嗨租车"],
}


@contextmanager
def _keep_given_timestamps():
    fields = [Trip._meta.get_field("created_at"), TripEvent._meta.get_field("at"), CheckIn._meta.get_field("at")]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _bulk(model, rows: list) -> list:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])
    return rows


def _kind(rng: random.Random) -> str:
    roll = rng.random()
    return next(kind for share, kind in KINDS if roll <= share)


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed(ctx: SeedContext) -> None:
    rng = random.Random(ctx.rng.random())  # one draw, whatever exists: later apps stay deterministic
    target = TRIPS_PER_SCALE * ctx.scale
    existing = Trip.objects.count()
    if existing >= target:
        ctx.say(f"travel: {existing} trips exist, nothing to add")
    else:
        with _keep_given_timestamps():
            made = _seed_trips(ctx, rng, target - existing)
        ctx.say(f"travel: {made} trips added")
    visits = VISITS_PER_SCALE * ctx.scale - Visit.objects.count()
    if visits > 0:
        _seed_visits(ctx, rng, visits)
        ctx.say(f"travel: {visits} customer visits added")


def _people(ctx: SeedContext):
    users = ctx.users or {u.username: u for u in User.objects.filter(username__in=["sales1", "sales2", "sales3"])}
    salespersons = [u for u in User.objects.filter(role=User.Role.SALESPERSON, is_active=True).select_related("team")]
    managers = [
        u for u in User.objects.filter(role=User.Role.MANAGER, is_gm=False, is_active=True).select_related("team")
    ]
    served: dict[int, list[User]] = {}
    for through in User.serves.through.objects.select_related("from_user"):
        served.setdefault(through.to_user_id, []).append(through.from_user)
    team_assistants: dict[int | None, list[User]] = {}
    for a in User.objects.filter(role=User.Role.ASSISTANT, is_active=True):
        team_assistants.setdefault(a.team_id, []).append(a)
    gm = User.objects.filter(is_gm=True).first()
    return users, salespersons, managers, served, team_assistants, gm


def _seed_trips(ctx: SeedContext, rng: random.Random, count: int) -> int:
    _users, salespersons, managers, served, team_assistants, gm = _people(ctx)
    salespersons = [s for s in salespersons if served.get(s.pk)]
    if not salespersons:
        return 0
    customers: dict[int, list[int]] = {}
    for pk, owner in Company.objects.customers().values_list("pk", "owner_id").order_by("pk"):
        customers.setdefault(owner, []).append(pk)
    team_customers: dict[int | None, list[int]] = {}
    for s in salespersons:
        team_customers.setdefault(s.team_id, []).extend(customers.get(s.pk, [])[:200])
    today = timezone.localdate()
    numbers = reserve_numbers("TR", count)
    trips, plans = [], []
    for i in range(count):
        manager_trip = managers and rng.random() < 0.05
        traveller = rng.choice(managers) if manager_trip else salespersons[i % len(salespersons)]
        assistants = served.get(traveller.pk) or team_assistants.get(traveller.team_id) or []
        assistant = rng.choice(assistants) if assistants else None
        approver = traveller.team.manager if traveller.team and traveller.team.manager_id != traveller.pk else gm
        if assistant is None or approver is None:
            continue
        kind = _kind(rng)
        days = rng.randint(2, 5)
        if kind in ("draft", "returned", "submitted", "reviewed", "approved"):
            start = today + timedelta(days=rng.randint(3, 40))
        elif kind == "on_road":
            start = today - timedelta(days=rng.randint(0, days - 1))
        elif kind == "report_due":
            start = today - timedelta(days=days + rng.randint(1, 6))
        else:
            start = today - timedelta(days=days + rng.randint(1, 700))
        end = start + timedelta(days=days - 1)
        city, city_en = rng.choice(CITIES)
        home = HOME.get(traveller.team.name.split()[1] if traveller.team else "A", "上海")
        pool = (team_customers if manager_trip else customers).get(
            traveller.team_id if manager_trip else traveller.pk, []
        )
        stops = rng.sample(pool, k=min(len(pool), rng.randint(1, 3))) if pool else []
        est = {
            "est_transport": Decimal(rng.randint(300, 2500)),
            "est_hotel": Decimal(rng.randint(300, 700) * (days - 1)),
            "est_meals": Decimal(100 * days),
            "est_entertainment": Decimal(rng.choice([0, 0, 500, 1200])),
            "est_other": Decimal(rng.choice([0, 0, 0, 200])),
        }
        status = {
            "draft": S.DRAFT, "returned": S.DRAFT, "submitted": S.SUBMITTED, "reviewed": S.REVIEWED,
            "approved": S.APPROVED, "on_road": S.APPROVED, "report_due": S.APPROVED, "done": S.DONE,
            "cancelled": S.CANCELLED,
        }[kind]  # fmt: skip
        if manager_trip and status == S.REVIEWED:
            status = S.SUBMITTED
        created = _at(min(start, today) - timedelta(days=rng.randint(5, 20)))
        maker = assistant if rng.random() < 0.3 and not manager_trip else traveller
        trip = Trip(
            number=numbers[i],
            traveller=traveller,
            created_by=maker,
            purpose=rng.choice(PURPOSES),
            destination=f"{city} {city_en}",
            start_on=start,
            end_on=end,
            hotel_nights=days - 1,
            currency="CNY",
            status=status,
            returned=kind == "returned",
            created_at=created,
            submitted_at=created + timedelta(hours=2) if status != S.DRAFT or kind == "returned" else None,
            approved_at=created + timedelta(days=2) if status in (S.APPROVED, S.DONE) else None,
            reported_at=_at(end + timedelta(days=1), 17) if status == S.DONE else None,
            **est,
        )
        trip.compute_total()
        trips.append(trip)
        plans.append((trip, kind, traveller, assistant, approver, maker, stops, home, city, manager_trip))
    _bulk(Trip, trips)

    legs, stop_rows, events, bookings, check_ins, interactions = [], [], [], [], [], []
    checklist = {key: True for key, _label in REVIEW_CHECKLIST}
    for trip, kind, traveller, assistant, approver, maker, stops, home, city, manager_trip in plans:
        transport = rng.choice([TripLeg.Transport.TRAIN, TripLeg.Transport.TRAIN, TripLeg.Transport.PLANE])
        legs.append(TripLeg(trip=trip, day=trip.start_on, origin=home, destination=city, transport=transport))
        legs.append(TripLeg(trip=trip, day=trip.end_on, origin=city, destination=home, transport=transport))
        t = trip.created_at

        def event(action, actor, frm="", to="", comment="", check=None, hours=1, trip=trip):
            nonlocal t
            t = t + timedelta(hours=hours)
            events.append(
                TripEvent(trip=trip, action=action, actor=actor, at=t, from_status=frm, to_status=to,
                          comment=comment, checklist=check or {})
            )  # fmt: skip

        event(A.CREATED, maker, to=S.DRAFT)
        if kind == "returned":
            event(A.SUBMITTED, maker, S.DRAFT, S.SUBMITTED)
            event(A.REJECTED, assistant, S.SUBMITTED, S.DRAFT, comment="行程太长，请缩短一天并补充拜访理由",
                  check={**checklist, "dates_sensible": False})  # fmt: skip
        elif trip.status != S.DRAFT:
            event(A.SUBMITTED, maker, S.DRAFT, S.SUBMITTED)
            if trip.status == S.CANCELLED:
                event(A.CANCELLED, traveller, S.SUBMITTED, S.CANCELLED, comment="客户临时改期")
            if trip.status in (S.REVIEWED, S.APPROVED, S.DONE) and not manager_trip:
                event(A.REVIEWED, assistant, S.SUBMITTED, S.REVIEWED, comment="理由充分，路线合理", check=checklist)
            if trip.status in (S.APPROVED, S.DONE):
                frm = S.SUBMITTED if manager_trip else S.REVIEWED
                event(A.APPROVED, approver, frm, S.APPROVED, hours=20)
                kinds = [Booking.Kind.TICKET, Booking.Kind.TICKET] + ([Booking.Kind.HOTEL] if trip.hotel_nights else [])
                for n, booking_kind in enumerate(kinds):
                    day = trip.end_on if n == 1 else trip.start_on
                    bookings.append(
                        Booking(
                            trip=trip, kind=booking_kind, supplier=rng.choice(SUPPLIERS[booking_kind]),
                            reference=f"{'EH'[n % 2]}{rng.randint(10_000_000, 99_999_999)}", starts_on=day,
                            ends_on=trip.end_on if booking_kind == Booking.Kind.HOTEL else None,
                            details=f"{home} → {city}" if n == 0 else (f"{city} → {home}" if n == 1 else city),
                            cost=(trip.est_hotel if booking_kind == Booking.Kind.HOTEL else trip.est_transport / 2),
                            currency="CNY", booked_by=assistant,
                        )
                    )  # fmt: skip
        # Daily check-ins for the days on the road so far (today's left open on some, for the queue).
        if trip.status in (S.APPROVED, S.DONE) and trip.start_on <= timezone.localdate():
            last = min(trip.end_on, timezone.localdate())
            day = trip.start_on
            while day <= last:
                if not (day == timezone.localdate() and rng.random() < 0.6):
                    where, how, needs = rng.choice(CHECK_INS)
                    check_ins.append(
                        CheckIn(trip=trip, day=day, location=f"{city}{where}", progress=how, needs=needs,
                                by=assistant, at=_at(day, 11))
                    )  # fmt: skip
                day += timedelta(days=1)
        for n, company_id in enumerate(stops):
            stop = TripCustomer(trip=trip, customer_id=company_id, agenda=rng.choice(NEXT_STEPS))
            if trip.status == S.DONE:
                outcome, important = rng.choice(OUTCOMES)
                stop.visited = n < 2 or rng.random() < 0.7
                if stop.visited:
                    stop.visited_on = min(trip.start_on + timedelta(days=n), trip.end_on)
                    stop.outcome = outcome
                    stop.important = important and rng.random() < 0.5
                    stop.next_steps = rng.choice(NEXT_STEPS)
                    stop.next_follow_up_on = trip.end_on + timedelta(days=rng.randint(7, 30))
                    stop.reported_at = trip.reported_at
                    stop.interaction = Interaction(
                        company_id=company_id, kind=Interaction.Kind.VISIT, occurred_on=stop.visited_on,
                        user=traveller, summary=f"[{trip.number}] {outcome}", next_step=stop.next_steps,
                        next_step_on=stop.next_follow_up_on,
                    )  # fmt: skip
                    interactions.append(stop.interaction)
            stop_rows.append(stop)
        if trip.status == S.DONE:
            t = trip.reported_at - timedelta(hours=1)
            event(A.REPORTED, traveller, S.APPROVED, S.DONE, comment="拜访完成")
    _bulk(TripLeg, legs)
    _bulk(Interaction, interactions)
    for stop in stop_rows:
        if stop.interaction is not None:
            stop.interaction_id = stop.interaction.pk
    _bulk(TripCustomer, stop_rows)
    _bulk(TripEvent, events)
    _bulk(Booking, bookings)
    _bulk(CheckIn, check_ins)
    return len(trips)


def _seed_visits(ctx: SeedContext, rng: random.Random, count: int) -> None:
    customers = list(
        Company.objects.customers().filter(owner__role=User.Role.SALESPERSON).values_list("pk", "owner_id")[:2000]
    )
    if not customers:
        return
    _users, _s, _m, served, _ta, _gm = _people(ctx)
    owners = {u.pk: u for u in User.objects.filter(pk__in={o for _c, o in customers})}
    today = timezone.localdate()
    visitors = ["Mr. Smith (采购总监)", "Anna Schmidt, buyer; Tom Berg, QA", "田中先生 (品质部长)", "Mr. Lee 李先生"]
    hotels = ["锦江饭店", "浦东香格里拉", "全季酒店(虹桥店)", "希尔顿欢朋"]
    rows, attendees = [], []
    for i in range(count):
        company_id, owner_id = customers[(i * 7919) % len(customers)]
        day = today + timedelta(days=rng.randint(-30, 30))
        arrives = timezone.make_aware(datetime.combine(day, time(rng.randint(8, 18), rng.choice([0, 30]))))
        helper = (served.get(owner_id) or [owners[owner_id]])[0]
        rows.append(
            Visit(
                customer_id=company_id, visitors=rng.choice(visitors), arrives_at=arrives,
                departs_on=(arrives + timedelta(days=rng.randint(1, 3))).date(),
                arrival_details=rng.choice(["MU5101 浦东 T1", "G7 上海虹桥站", "CZ3523 虹桥 T2"]),
                pickup_by=str(helper), pickup_where=rng.choice(["浦东机场 T1 到达口", "上海虹桥站 南出口", "酒店大堂"]),
                hotel=rng.choice(hotels),
                programme="第一天：参观工厂、质量部座谈\n第二天：商务洽谈、签订年度框架协议\n晚上：欢迎晚宴",
                created_by=helper,
            )
        )  # fmt: skip
        attendees.append((owners[owner_id], helper))
    _bulk(Visit, rows)
    through = Visit.attendees.through
    _bulk(
        through,
        [through(visit_id=v.pk, user_id=p.pk) for v, people in zip(rows, attendees, strict=True) for p in {*people}],
    )

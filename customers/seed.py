"""Demo customers and factories for every salesperson, some assigned to each assistant,
with contacts, documents (some expiring), interactions, complaints and surveys.

Scale 1 gives 200 companies; --scale 100 gives 20,000.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from core.seed import SeedContext

from .models import Company, CompanyAssignment, CompanyDocument, Complaint, Contact, Interaction, SatisfactionSurvey

CITIES = ["上海", "苏州", "宁波", "深圳", "东莞", "广州", "杭州", "无锡", "佛山", "厦门"]
TRADES = [
    ("精密机械", "Precision Machinery"), ("电子科技", "Electronics"), ("纺织品", "Textiles"),
    ("五金制品", "Hardware"), ("包装材料", "Packaging"), ("照明电器", "Lighting"), ("家居用品", "Home Goods"),
    ("塑胶制品", "Plastics"), ("汽车配件", "Auto Parts"), ("医疗器械", "Medical Devices"),
]  # fmt: skip
FOREIGN = [
    ("Hamburg", "Germany", "德国", "EUR"), ("Lyon", "France", "法国", "EUR"), ("Osaka", "Japan", "日本", "JPY"),
    ("Chicago", "USA", "美国", "USD"), ("Milan", "Italy", "意大利", "EUR"), ("Busan", "Korea", "韩国", "USD"),
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛"]
PRODUCTS = ["LED 面板灯 600x600", "不锈钢合页", "PP 包装盒", "精密轴承 6204", "USB-C 数据线", "棉质T恤", "车灯总成"]
PER_SALESPERSON = {"sales1": 80, "sales2": 50, "sales3": 70}
# sales1's companies (by position in each block of 80): 0-39 assistant1's, 30-79 assistant2's.
ASSIGN = [
    ("assistant1", "sales1", range(0, 40)),
    ("assistant2", "sales1", range(30, 80)),
    ("assistant2", "sales2", range(0, 35)),
    ("assistant3", "sales3", range(0, 60)),
]
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def company_code(username: str, n: int) -> str:
    return f"{username[0].upper()}{username[-1]}-{n:05d}"


def seed(ctx: SeedContext) -> None:
    users = ctx.users
    rng = ctx.rng
    today = timezone.localdate()
    existing = set(Company.objects.values_list("code", flat=True))
    new: list[Company] = []
    plan: dict[str, list[str]] = {}
    for username, base in PER_SALESPERSON.items():
        owner = users[username]
        codes = []
        for n in range(base * ctx.scale):
            code = company_code(username, n + 1)
            codes.append(code)
            # Every random draw happens whether or not the row exists, so a re-run or a
            # larger scale produces the same rows for the same codes.
            city = CITIES[rng.randrange(len(CITIES))]
            trade_cn, trade_en = TRADES[rng.randrange(len(TRADES))]
            fcity, country_en, country_cn, fcurrency = FOREIGN[rng.randrange(len(FOREIGN))]
            grade = rng.choice(["key", "normal", "normal", "normal", "potential"])
            credit = Decimal(rng.randrange(5, 200) * 10_000)
            days = rng.choice([30, 45, 60, 90])
            factory = n % 4 == 3
            if code in existing:
                continue
            common = {
                "code": code, "owner": owner, "created_by": owner, "grade": "normal" if factory else grade,
                "industry": trade_cn, "payment_days": days, "credit_limit": credit,
                "follow_up_days": 30 if grade == "key" and not factory else None,
            }  # fmt: skip
            if not factory and n % 3 == 2:
                name_en = f"{fcity} {trade_en} {'GmbH' if country_en == 'Germany' else 'Ltd.'}"
                company = Company(
                    **common, kind=Company.Kind.CUSTOMER, name=name_en, name_en=name_en,
                    short_name=f"{fcity} {trade_en.split()[0]}", region=country_cn, currency=fcurrency,
                    settlement_method="tt", payment_terms=f"30% T/T deposit, 70% {days} days after B/L",
                    address=f"{n + 1} Harbour Street, {fcity}, {country_en}", source="Canton Fair",
                )  # fmt: skip
            else:
                name = f"{city}{'华' if n % 2 else '恒'}{'盛' if n % 5 else '达'}{trade_cn}有限公司"
                company = Company(
                    **common, kind=Company.Kind.FACTORY if factory else Company.Kind.CUSTOMER, name=name,
                    name_en=f"{city} {trade_en} Co., Ltd.", short_name=f"{city}{trade_cn[:2]}", region="中国",
                    currency="CNY", settlement_method="monthly", payment_terms=f"月结 {days} 天",
                    address=f"{city}市工业园区{n + 1}号", source="老客户介绍",
                    tax_id=f"91{n % 90 + 10:02d}0000MA{n:07d}X"[:18].ljust(18, "0"),
                    bank_name="中国银行" + city + "分行", bank_account=f"6216 6100 {n:04d} {n * 7 % 10000:04d}",
                )  # fmt: skip
            if company.follow_up_days:
                company.last_contact_on = today - timedelta(days=rng.randrange(5, 50))
                company.next_follow_up_on = company.last_contact_on + timedelta(days=company.follow_up_days)
            new.append(company)
        plan[username] = codes
    Company.objects.bulk_create(new, batch_size=1000)

    ids = dict(Company.objects.values_list("code", "pk"))
    have = set(CompanyAssignment.objects.values_list("company_id", "assistant_id"))
    assignments = []
    for assistant, owner, positions in ASSIGN:
        codes = plan[owner]
        block = PER_SALESPERSON[owner]
        for start in range(0, len(codes), block):
            for pos in positions:
                if start + pos < len(codes):
                    key = (ids[codes[start + pos]], users[assistant].pk)
                    if key not in have:
                        assignments.append(
                            CompanyAssignment(company_id=key[0], assistant_id=key[1], assigned_by=users[owner])
                        )
    CompanyAssignment.objects.bulk_create(assignments, batch_size=2000)

    created = [c for c in Company.objects.filter(code__in=[c.code for c in new]).order_by("pk")]
    _seed_children(ctx, created, today)
    ctx.say(f"{len(new)} companies, {len(assignments)} assignments added")


def _person(rng) -> str:
    return SURNAMES[rng.randrange(len(SURNAMES))] + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _seed_children(ctx: SeedContext, companies: list[Company], today: date) -> None:
    """Contacts, documents, interactions, complaints and surveys of newly created companies."""
    rng = ctx.rng
    users = ctx.users
    assistants_of = {"sales1": users["assistant1"], "sales2": users["assistant2"], "sales3": users["assistant3"]}
    by_pk = {u.pk: u for u in users.values()}
    contacts, documents, interactions, complaints, surveys = [], [], [], [], []
    for i, company in enumerate(companies):
        owner = by_pk[company.owner_id]
        assistant = assistants_of.get(owner.username, owner)
        for k in range(1 + i % 3):
            name = _person(rng)
            contacts.append(Contact(
                company=company, name=name, title=["采购经理", "总经理", "财务", "Buyer"][k % 4],
                phone=f"021-{5000_0000 + i * 3 + k}", mobile=f"139{(i * 37 + k) % 10**8:08d}",
                email=f"contact{k}.{company.code.lower()}@example.com", is_primary=k == 0,
                is_billing=k == 1 or (k == 0 and i % 3 == 0),
            ))  # fmt: skip
        if i % 5 == 0:
            # A fifth of the files carry a licence; some expire within 30 days, some already did.
            expires = today + timedelta(days=rng.choice([-10, 5, 20, 45, 200, 400]))
            documents.append(CompanyDocument(
                company=company, kind="licence", title="营业执照 Business licence", number=f"L{company.pk:08d}",
                issued_on=expires - timedelta(days=365 * 3), expires_on=expires,
                original_name=f"licence-{company.code}.pdf", content_type="application/pdf", size=len(PDF_BYTES),
                uploaded_by=owner,
            ))  # fmt: skip
        for _k in range(i % 4):
            interactions.append(Interaction(
                company=company, kind=rng.choice(["call", "call", "email", "visit", "meeting"]),
                occurred_on=today - timedelta(days=rng.randrange(1, 120)), user=rng.choice([owner, assistant]),
                summary=rng.choice(["确认新订单交期", "Discussed Q1 forecast", "催款：客户承诺月底付款", "回访样品"]),
                next_step=rng.choice(["", "发送报价", "Send revised quotation", "安排工厂参观"]),
            ))  # fmt: skip
        if company.kind == Company.Kind.CUSTOMER and i % 7 == 0:
            received = today - timedelta(days=rng.randrange(0, 330))
            closed = i % 14 == 0
            complaints.append(Complaint(
                company=company, received_on=received, channel=rng.choice(["phone", "email"]),
                category=rng.choice(["quality", "quality", "delivery", "service", "billing", "other"]),
                severity=rng.choice(["low", "medium", "medium", "high", "critical"]), product=rng.choice(PRODUCTS),
                description=rng.choice(["来货部分划伤", "Delivery two weeks late", "发票抬头错误", "包装破损"]),
                handler=assistant, status="closed" if closed else rng.choice(["open", "in_progress", "resolved"]),
                resolution="已补发并致歉" if closed else "",
                closed_on=received + timedelta(days=rng.randrange(2, 20)) if closed else None,
                created_by=assistant,
            ))  # fmt: skip
        if company.kind == Company.Kind.CUSTOMER and i % 3 == 0:
            for q in range(4):
                month = (today.replace(day=1) - timedelta(days=1 + 91 * q)).replace(day=1)
                surveys.append(SatisfactionSurvey(
                    company=company, period=month, score=rng.choice([3, 4, 4, 5, 5, 2]),
                    comments=rng.choice(["", "交期需改善", "Quality is stable", "服务响应快"]), surveyed_by=assistant,
                ))  # fmt: skip
    Contact.objects.bulk_create(contacts, batch_size=2000)
    # Documents need a file; the demo shares one small PDF per company saved once.
    for document in documents:
        document.file.save(f"licence-{document.company.code}.pdf", ContentFile(PDF_BYTES), save=False)
    CompanyDocument.objects.bulk_create(documents, batch_size=2000)
    Interaction.objects.bulk_create(interactions, batch_size=2000)
    Complaint.objects.bulk_create(complaints, batch_size=2000)
    SatisfactionSurvey.objects.bulk_create(surveys, batch_size=2000, ignore_conflicts=True)
    ctx.say(
        f"{len(contacts)} contacts, {len(documents)} documents, {len(interactions)} interactions, "
        f"{len(complaints)} complaints, {len(surveys)} surveys"
    )

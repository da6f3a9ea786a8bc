"""Demo customers and factories for every salesperson, some assigned to each assistant."""

from __future__ import annotations

from core.seed import SeedContext

from .models import Company, CompanyAssignment

CITIES = ["上海", "苏州", "宁波", "深圳", "东莞", "广州", "杭州", "无锡", "佛山", "厦门"]
TRADES = [
    ("精密机械", "Precision Machinery"),
    ("电子科技", "Electronics"),
    ("纺织品", "Textiles"),
    ("五金制品", "Hardware"),
    ("包装材料", "Packaging"),
    ("照明电器", "Lighting"),
    ("家居用品", "Home Goods"),
    ("塑胶制品", "Plastics"),
    ("汽车配件", "Auto Parts"),
    ("医疗器械", "Medical Devices"),
]
FOREIGN = [
    ("Hamburg", "Germany", "德国"),
    ("Lyon", "France", "法国"),
    ("Osaka", "Japan", "日本"),
    ("Chicago", "USA", "美国"),
    ("Milan", "Italy", "意大利"),
    ("Busan", "Korea", "韩国"),
]
PER_SALESPERSON = {"sales1": 12, "sales2": 8, "sales3": 10}
# Which of a salesperson's companies (by position) each assistant gets: realistic overlap.
# sales1's companies 8-11 are assistant2's only, 5-7 shared, 0-4 assistant1's only.
ASSIGN = [
    ("assistant1", "sales1", range(0, 8)),
    ("assistant2", "sales1", range(5, 12)),
    ("assistant2", "sales2", range(0, 6)),
    ("assistant3", "sales3", range(0, 10)),
]


def company_code(username: str, n: int) -> str:
    return f"{username[0].upper()}{username[-1]}-{n:05d}"


def seed(ctx: SeedContext) -> None:
    users = ctx.users
    existing = set(Company.objects.values_list("code", flat=True))
    new = []
    plan: dict[str, list[str]] = {}
    for username, base in PER_SALESPERSON.items():
        owner = users[username]
        codes = []
        rng = ctx.rng
        for n in range(base * ctx.scale):
            code = company_code(username, n + 1)
            codes.append(code)
            city = CITIES[rng.randrange(len(CITIES))]
            trade_cn, trade_en = TRADES[rng.randrange(len(TRADES))]
            factory = n % 4 == 3
            fcity, country_en, country_cn = FOREIGN[rng.randrange(len(FOREIGN))]
            grade = rng.choice(["key", "normal", "normal", "potential"])
            if code in existing:
                continue  # random draws above keep later rows the same on a re-run
            if not factory and n % 3 == 2:
                name_en = f"{fcity} {trade_en} {'GmbH' if country_en == 'Germany' else 'Ltd.'}"
                new.append(
                    Company(
                        code=code,
                        kind=Company.Kind.CUSTOMER,
                        name=name_en,
                        name_en=name_en,
                        short_name=f"{fcity} {trade_en.split()[0]}",
                        region=country_cn,
                        grade=grade,
                        owner=owner,
                    )
                )
                continue
            name = f"{city}{'华' if n % 2 else '恒'}{'盛' if n % 5 else '达'}{trade_cn}有限公司"
            new.append(
                Company(
                    code=code,
                    kind=Company.Kind.FACTORY if factory else Company.Kind.CUSTOMER,
                    name=name,
                    name_en=f"{city} {trade_en} Co., Ltd.",
                    short_name=f"{city}{trade_cn[:2]}",
                    region="中国",
                    grade=grade,
                    owner=owner,
                )
            )
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
    CompanyAssignment.objects.bulk_create(assignments, batch_size=1000)
    ctx.say(f"{len(new)} companies, {len(assignments)} assignments added")

"""Expense pages: every URL per role (outside scope: 404), bad input on the forms, query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from expenses import services
from expenses.models import Advance, Budget, Claim, ClaimLine
from tests.conftest import read_people

from .factories import approve_path, make_claim, png_bytes, receipt_png, yesterday

pytestmark = pytest.mark.django_db

IN_SCOPE = ["sales1", "assistant1", "assistant2", "manager1", "gm", "finance1"]
OUT_OF_SCOPE = ["sales2", "sales3", "assistant3", "manager2"]
EVERYONE = IN_SCOPE + OUT_OF_SCOPE


@pytest.fixture
def claim(cast):
    return make_claim(cast.sales1, lines=[{"receipt_file": receipt_png("taxi.png")}])


@pytest.fixture
def advance(cast):
    return services.advance_request(
        actor=cast.sales1, person=cast.sales1, purpose="Fair", amount=Decimal("500"), currency="CNY"
    )


@pytest.mark.parametrize("who", EVERYONE)
def test_claim_detail_and_receipt_scope(client, cast, claim, who):
    client.force_login(getattr(cast, who))
    line = claim.lines.get()
    expected = 200 if who in IN_SCOPE else 404
    assert client.get(claim.get_absolute_url()).status_code == expected
    response = client.get(reverse("expenses:receipt", args=[line.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_anonymous_is_sent_to_login(client, claim):
    for url in (reverse("expenses:list"), claim.get_absolute_url(), reverse("expenses:budgets")):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
@pytest.mark.parametrize(
    "name, args",
    [
        ("expenses:edit", ()),
        ("expenses:line-add", ()),
        ("expenses:action", ("submit",)),
        ("expenses:action", ("withdraw",)),
        ("expenses:action", ("review",)),
        ("expenses:action", ("approve",)),
        ("expenses:action", ("return",)),
        ("expenses:action", ("pay",)),
        ("expenses:action", ("settle",)),
    ],
)
def test_claim_posts_outside_scope_are_404_and_change_nothing(client, cast, claim, who, name, args):
    client.force_login(getattr(cast, who))
    response = client.post(reverse(name, args=[claim.pk, *args]), {"comment": "x", "date": "2026-01-01"})
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and claim.lines.count() == 1


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
def test_line_delete_outside_scope_is_404(client, cast, claim, who):
    client.force_login(getattr(cast, who))
    line = claim.lines.get()
    assert client.post(reverse("expenses:line-delete", args=[line.pk])).status_code == 404
    assert ClaimLine.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize("who, code", [("sales1", 200), ("assistant1", 200), ("assistant2", 200), ("manager1", 404),
                                       ("finance1", 404), ("sales3", 404)])  # fmt: skip
def test_edit_only_by_claimant_or_their_assistant(client, cast, claim, who, code):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("expenses:edit", args=[claim.pk])).status_code == code


@pytest.mark.parametrize("who", EVERYONE)
def test_list_shows_only_claims_in_scope(client, cast, claim, who):
    make_claim(cast.sales3, purpose="Team B fair")
    client.force_login(getattr(cast, who))
    response = client.get(reverse("expenses:list"))
    assert response.status_code == 200
    numbers = {c.number for c in response.context["claims"]}
    assert (claim.number in numbers) == (who in IN_SCOPE)


@pytest.mark.parametrize("who, code", [("sales1", 200), ("assistant1", 200), ("manager1", 200), ("gm", 200),
                                       ("finance1", 404)])  # fmt: skip
def test_create_pages(client, cast, who, code):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("expenses:create")).status_code == code
    assert client.get(reverse("expenses:advance-create")).status_code == code


@pytest.mark.parametrize("who", EVERYONE)
def test_advance_pages_scope(client, cast, advance, who):
    client.force_login(getattr(cast, who))
    expected = 200 if who in IN_SCOPE else 404
    assert client.get(reverse("expenses:advances")).status_code == 200
    assert client.get(advance.get_absolute_url()).status_code == expected
    if expected == 404:
        for action in ("approve", "reject", "pay", "repay", "cancel"):
            url = reverse("expenses:advance-action", args=[advance.pk, action])
            assert client.post(url, {"comment": "x", "amount": "1"}).status_code == 404
        advance.refresh_from_db()
        assert advance.status == Advance.Status.REQUESTED


@pytest.mark.parametrize("who", EVERYONE)
def test_budget_page_scope(client, cast, who):
    year = timezone.localdate().year
    Budget.objects.create(salesperson=cast.sales1, year=year, amount=Decimal("1000"))
    Budget.objects.create(team=cast.sales3.team, year=year, amount=Decimal("5000"))
    client.force_login(getattr(cast, who))
    response = client.get(reverse("expenses:budgets"))
    assert response.status_code == 200
    people = [u.budget.salesperson.username for u in response.context["person_rows"]]
    teams = [u.budget.team_id for u in response.context["team_rows"]]
    assert (people == ["sales1"]) == (who in IN_SCOPE)
    assert (teams == [cast.sales3.team_id]) == (who in ("gm", "finance1", "manager2"))


# --- the workflow through the pages -------------------------------------------------------------


def test_salesperson_cannot_review_or_approve_own_claim_through_the_page(client, cast):
    claim = make_claim(cast.sales1, submit=True)
    client.force_login(cast.sales1)
    page = client.get(claim.get_absolute_url())
    assert b'id="review-form"' not in page.content and b'id="approve-form"' not in page.content
    client.post(reverse("expenses:action", args=[claim.pk, "review"]),
                {"receipts_ok": "on", "content_ok": "on", "amounts_ok": "on"})  # fmt: skip
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED


def test_assistant_reviews_only_served_salespersons(client, cast):
    sales3_claim = make_claim(cast.sales3, submit=True)
    client.force_login(cast.assistant1)
    # Outside assistant1's scope altogether: 404.
    assert client.post(reverse("expenses:action", args=[sales3_claim.pk, "review"])).status_code == 404
    claim = make_claim(cast.sales1, submit=True)
    page = client.get(claim.get_absolute_url())
    assert b'id="review-form"' in page.content
    response = client.post(
        reverse("expenses:action", args=[claim.pk, "review"]),
        {"receipts_ok": "on", "content_ok": "on", "amounts_ok": "on", "comment": "OK"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED and claim.reviewed_by == cast.assistant1


def test_review_with_a_missing_check_keeps_the_form_and_says_why(client, cast):
    claim = make_claim(cast.sales1, submit=True)
    client.force_login(cast.assistant1)
    response = client.post(
        reverse("expenses:action", args=[claim.pk, "review"]),
        {"receipts_ok": "on", "amounts_ok": "on", "comment": "Hotel bill looks odd"},
    )
    assert response.status_code == 200
    assert "Every check must hold" in response.content.decode()
    assert "Hotel bill looks odd" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED


def test_return_without_comment_is_refused_with_a_message(client, cast):
    claim = approve_path(make_claim(cast.sales1, submit=True), cast, to="reviewed")
    client.force_login(cast.manager1)
    response = client.post(reverse("expenses:action", args=[claim.pk, "return"]), {"comment": ""})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED
    response = client.post(reverse("expenses:action", args=[claim.pk, "return"]), {"comment": "Missing hotel bill"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RETURNED
    page = client.get(claim.get_absolute_url())
    assert "Missing hotel bill" in page.content.decode()


def test_reused_receipt_shows_on_both_claims_and_approval_form_asks_for_reason(client, cast):
    other = make_claim(cast.sales2, lines=[{"receipt_number": "FP 777", "receipt_issuer": "Jinjiang"}], submit=True)
    claim = make_claim(cast.sales1, lines=[{"receipt_number": "fp777", "receipt_issuer": "JINJIANG"}], submit=True)
    claim = approve_path(claim, cast, to="reviewed")
    client.force_login(cast.manager1)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'id="reused-badge"' in page and other.number in page
    response = client.post(reverse("expenses:action", args=[claim.pk, "approve"]), {"override_reason": ""})
    assert response.status_code == 200 and "override" in response.content.decode().lower()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED
    client.post(reverse("expenses:action", args=[claim.pk, "approve"]), {"override_reason": "Split bill, checked"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    listing = client.get(reverse("expenses:list") + "?status=reused")
    assert {c.number for c in listing.context["claims"]} == {claim.number, other.number}


# --- bad input on the line form ----------------------------------------------------------------


def line_post(**overrides):
    data = {
        "date": yesterday().isoformat(),
        "category": "hotel",
        "description": "两晚 Jinjiang Inn Suzhou",
        "amount": "456.78",
        "currency": "CNY",
        "receipt_number": "0455 1234",
        "receipt_issuer": "锦江之星",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "overrides, field, text",
    [
        ({"date": (timezone.localdate() + timedelta(days=2)).isoformat()}, "date", "future"),
        ({"receipt_number": ""}, "receipt_number", "receipt"),
        ({"receipt_file": SimpleUploadedFile("r.pdf", b"<html>not a pdf</html>")}, "receipt_file", "PDF"),
        (
            {"receipt_file": SimpleUploadedFile("r.png", png_bytes() + b"0" * (10 * 1024 * 1024))},
            "receipt_file",
            "10 MB",
        ),
    ],
)
def test_bad_line_input_is_explained_and_typed_values_kept(client, cast, overrides, field, text):
    claim = make_claim(cast.sales1, lines=[])
    client.force_login(cast.sales1)
    response = client.post(reverse("expenses:line-add", args=[claim.pk]), line_post(**overrides))
    assert response.status_code == 200
    form = response.context["line_form"]
    assert field in form.errors and text.lower() in " ".join(form.errors[field]).lower()
    html = response.content.decode()
    assert "两晚 Jinjiang Inn Suzhou" in html and "456.78" in html
    assert claim.lines.count() == 0


def test_line_added_with_receipt_file_and_customer(client, cast):
    claim = make_claim(cast.sales1, lines=[])
    client.force_login(cast.assistant1)
    post = line_post(customer=cast.customer_of_assistant1.pk, receipt_file=receipt_png("hotel.png"))
    response = client.post(reverse("expenses:line-add", args=[claim.pk]), post)
    assert response.status_code == 302
    line = claim.lines.get()
    assert line.customer == cast.customer_of_assistant1 and line.receipt_name == "hotel.png"
    assert line.amount == Decimal("456.78")
    # A customer the assistant was not assigned is refused by the scoped picker.
    post = line_post(customer=cast.customer_of_assistant2.pk, receipt_number="other")
    response = client.post(reverse("expenses:line-add", args=[claim.pk]), post)
    assert response.status_code == 200 and "customer" in response.context["line_form"].errors


# --- query counts -------------------------------------------------------------------------------


def bulk_claims(cast, count: int) -> None:
    from core.sequences import reserve_numbers

    numbers = reserve_numbers("EX", count)
    claims = Claim.objects.bulk_create(
        [
            Claim(
                number=n,
                claimant=cast.sales1,
                created_by=cast.sales1,
                kind="sales",
                purpose="Bulk",
                status=Claim.Status.SUBMITTED,
            )
            for n in numbers
        ]  # fmt: skip
    )
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=c,
                date=yesterday(),
                category="meals",
                amount=Decimal("12.34"),
                currency=cur,
                receipt_number=f"B{c.pk}{cur}",
                receipt_key=f"b{c.pk}{cur}".lower(),
                receipt_issuer="X",
                issuer_key="x",
            )
            for c in claims
            for cur in ("CNY", "USD")
        ]  # fmt: skip
    )


@pytest.mark.parametrize("who", ["sales1", "assistant1", "manager1", "finance1"])
def test_claim_list_queries_do_not_grow_with_rows(client, cast, who, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(getattr(cast, who))
    bulk_claims(cast, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("expenses:list")).status_code == 200
    bulk_claims(cast, 40)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("expenses:list"))
    assert len(response.context["claims"]) == 43


def test_list_and_pages_have_a_fixed_query_budget(client, cast, django_assert_max_num_queries):
    bulk_claims(cast, 60)
    year = timezone.localdate().year
    for user in (cast.sales1, cast.sales2):
        Budget.objects.create(salesperson=user, year=year, amount=Decimal("1000"))
        Budget.objects.create(salesperson=user, year=year, category="meals", amount=Decimal("100"))
    Budget.objects.create(team=cast.sales1.team, year=year, amount=Decimal("5000"))
    for n in range(5):
        services.advance_request(actor=cast.sales1, person=cast.sales1, purpose=f"A{n}", amount=Decimal("10"),
                                 currency="CNY")  # fmt: skip
    client.force_login(cast.manager1)
    with django_assert_max_num_queries(16):
        client.get(reverse("expenses:list"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("expenses:budgets"))
    assert len(response.context["person_rows"]) == 4
    with django_assert_max_num_queries(16):
        client.get(reverse("expenses:advances"))
    claim = Claim.objects.first()
    with django_assert_max_num_queries(30):
        client.get(claim.get_absolute_url())


def test_budget_page_shows_the_levels(client, cast):
    year = yesterday().year
    Budget.objects.create(salesperson=cast.sales1, year=year, category="meals", amount=Decimal("125.00"))
    make_claim(cast.sales1, lines=[{"amount": Decimal("100.00")}], submit=True)
    client.force_login(cast.sales1)
    response = client.get(reverse("expenses:budgets") + f"?year={year}")
    (usage,) = response.context["person_rows"]
    assert usage.level == "warning" and usage.percent == 80
    assert 'data-level="warning"' in response.content.decode()


def test_home_queues_list_claims_for_the_next_person(client, cast):
    claim = make_claim(cast.sales1, submit=True)
    client.force_login(cast.assistant1)
    assert claim.number in client.get("/").content.decode()
    services.claim_review(claim=claim, actor=cast.assistant1, receipts_ok=True, content_ok=True, amounts_ok=True)
    client.force_login(cast.manager1)
    assert claim.number in client.get("/").content.decode()
    client.force_login(cast.manager2)
    assert claim.number not in client.get("/").content.decode()
    services.claim_approve(claim=claim, actor=cast.manager1)
    client.force_login(cast.finance1)
    assert claim.number in client.get("/").content.decode()


def bulk_advances_and_budgets(cast, count: int, *, first_year: int) -> None:
    from core.sequences import reserve_numbers

    Advance.objects.bulk_create(
        [Advance(number=n, person=cast.sales1, created_by=cast.sales1, purpose="Bulk", amount=Decimal("10.00"),
                 status=Advance.Status.PAID, settled_amount=Decimal("2.50")) for n in reserve_numbers("AD", count)]
    )  # fmt: skip
    for user in (cast.sales1, cast.sales2):
        Budget.objects.bulk_create(
            [
                Budget(salesperson=user, year=first_year, category=c, amount=Decimal("100"))
                for c in ("meals", "hotel", "transport", "gifts", "office")[: count // 5 + 1]
            ]  # fmt: skip
        )


@pytest.mark.parametrize("name", ["expenses:advances", "expenses:budgets"])
@pytest.mark.parametrize("who", ["sales1", "manager1", "finance1"])
def test_advance_and_budget_pages_queries_do_not_grow_with_rows(client, cast, name, who, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    year = timezone.localdate().year
    client.force_login(getattr(cast, who))
    bulk_advances_and_budgets(cast, 2, first_year=year)
    make_claim(cast.sales1, lines=[{"amount": Decimal("50.00")}], submit=True)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    Budget.objects.all().delete()
    bulk_advances_and_budgets(cast, 24, first_year=year)
    for _n in range(5):
        make_claim(cast.sales2, lines=[{"amount": Decimal("5.00"), "category": "hotel"}] * 3, submit=True)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse(name))
    if name == "expenses:advances":
        rows = {r["person__username"]: r["outstanding"] for r in response.context["outstanding"]}
        assert rows["sales1"] == Decimal("7.50") * 26


def test_budget_admin_pages(client, cast):
    from accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    Budget.objects.create(salesperson=cast.sales1, year=2026, amount=Decimal("1000"))
    client.force_login(admin)
    assert client.get(reverse("admin:expenses_budget_changelist")).status_code == 200
    assert client.get(reverse("admin:expenses_budget_add")).status_code == 200
    claim = make_claim(cast.sales1)
    assert client.get(reverse("admin:expenses_claim_change", args=[claim.pk])).status_code == 200


@pytest.mark.parametrize("who", IN_SCOPE)
def test_claim_and_advance_pages_link_only_to_what_the_reader_can_open(client, cast, who):
    # finance reads every claim and advance, but not the traveller's trip nor the customer file
    import re

    from tests.travel.factories import make_trip

    trip = make_trip(cast.sales1, cast.customer_of_assistant1)
    claim = make_claim(cast.sales1, trip=trip, lines=[{"customer": cast.customer_of_assistant1}])
    advance = services.advance_request(
        actor=cast.sales1, person=cast.sales1, purpose="Fair", amount=Decimal("500"), currency="CNY", trip=trip
    )
    client.force_login(getattr(cast, who))
    for record in (claim, advance):
        html = client.get(record.get_absolute_url()).content.decode()
        hrefs = {h for h in re.findall(r'href="(/[^"#?]*)', html) if not h.startswith(("/static/", "/media/"))}
        client.raise_request_exception = False  # another module's page failing is its own tests' business
        broken = sorted(h for h in hrefs if client.get(h).status_code == 404)
        client.raise_request_exception = True
        assert broken == [], (record, broken)
        assert trip.number in html  # still named, linked or not


def test_a_full_claims_section_with_more_is_one_query(cast, django_assert_num_queries):
    """Past the first ten the total comes with the rows (COUNT(*) OVER ()), not from a second COUNT."""
    from expenses.queues import claims_waiting_for

    for _ in range(12):
        make_claim(cast.sales1, submit=True)
    read_people(cast.assistant1)
    with django_assert_num_queries(1):
        items = claims_waiting_for(cast.assistant1, timezone.localdate())
    assert len(items) == 11 and "12" in items[-1].label


@pytest.mark.parametrize("who, count", [("sales1", 2), ("assistant1", 2), ("sales2", 0), ("finance1", 3)])
def test_claim_excel_keeps_scope_and_totals_per_currency(client, cast, settings, who, count):
    import io

    from openpyxl import load_workbook

    settings.EXPORT_INLINE_MAX_ROWS = 100
    first = make_claim(cast.sales1, lines=[{"amount": Decimal("12.34")}, {"amount": Decimal("0.66")}])
    make_claim(cast.sales1, lines=[{"amount": Decimal("5.00"), "currency": "USD"}])
    make_claim(cast.sales3)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("expenses:export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 1 + count
    if who == "sales1":
        assert (first.number, 2, "CNY", 13) in {(r[0], r[7], r[8], r[9]) for r in rows[1:]}


def test_big_claim_excel_runs_in_the_background_with_the_filters(
    client, cast, settings, django_capture_on_commit_callbacks
):
    import io

    from openpyxl import load_workbook

    from core.models import Export

    submitted = [make_claim(cast.sales1, submit=True) for _ in range(3)]
    make_claim(cast.sales1)  # a draft, filtered out
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.finance1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("expenses:export"), {"status": "submitted"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_total == 3
    content = b"".join(client.get(reverse("export-download", args=[export.pk])).streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == sorted(c.number for c in submitted)

"""In the browser, one path from request to payment (issue 7): sales1 requests a trip to visit a
customer, assistant1 reviews it and books a train ticket and a hotel, manager1 approves; the trip
begins (its dates are moved to cover today), assistant1 checks in from the home queue, sales1 files
the visit report (the itinerary PDF on the way), then files a claim against the trip with two
receipts (a line without its receipt number first: the form says why and keeps what was typed);
assistant1 reviews it with the checklist, manager1 approves, finance1 pays; the trip page compares
its estimate with the claimed cost."""

import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from customers.models import Contact, Interaction
from expenses.models import Claim
from tests.browser.conftest import ARTIFACTS, login, pick
from tests.expenses.factories import PDF_BYTES, png_bytes
from travel.models import Booking, CheckIn, Trip, TripLeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, DEMO_PASSWORD)
    page.wait_for_url("**/")


def add_line(page, *, day, category, amount, description, number, issuer, file=None):
    page.fill("#id_date", day.isoformat())
    page.select_option("#id_category", category)
    page.fill("#id_amount", amount)
    page.fill("#id_description", description)
    page.fill("#id_receipt_number", number)
    page.fill("#id_receipt_issuer", issuer)
    if file:
        page.set_input_files("#id_receipt_file", files=[file])


def test_trip_from_request_to_visit_report_and_paid_claim(page, cast, screenshot):
    customer = cast.customer_of_assistant1
    customer.follow_up_days = 30
    customer.address = "南京市江宁区将军大道 88 号"
    customer.save()
    Contact.objects.create(company=customer, name="陈经理", title="采购经理", mobile="139 0000 1234", is_primary=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    start = timezone.localdate() + timedelta(days=3)
    end = start + timedelta(days=1)

    # 1. sales1 requests the trip (a salesperson goes straight to the form: they travel themselves).
    as_user(page, "sales1")
    page.goto("/travel/")
    page.click("#new-trip")
    page.wait_for_selector("#order-form")
    page.fill("#id_destination", "南京 Nanjing")
    page.fill("#id_purpose", "拜访 T-A1，洽谈 2027 年框架订单并确认新品样品")
    page.fill("#id_hotel_nights", "1")
    page.fill("#id_est_transport", "280")
    page.fill("#id_est_hotel", "450")
    page.fill("#id_est_meals", "200")
    page.fill("#id_est_entertainment", "600")
    page.fill("#id_lines-0-day", start.isoformat())
    page.fill("#id_lines-0-origin", "上海")
    page.fill("#id_lines-0-destination", "南京")
    page.fill("#id_lines-1-day", end.isoformat())
    page.fill("#id_lines-1-origin", "南京")
    page.fill("#id_lines-1-destination", "上海")
    pick(page, "id_stops-0-customer", "T-A1", "T-A1")
    page.fill("#id_stops-0-agenda", "2027 框架订单、新品样品")
    screenshot(page, "travel-1-request")
    page.click("#save-trip")
    page.wait_for_selector("#submit-trip")
    trip = Trip.objects.get()
    assert (trip.traveller, trip.start_on, trip.end_on, trip.est_total) == (cast.sales1, start, end, Decimal("1530.00"))
    page.click("#submit-trip")
    page.wait_for_selector("#awaiting-note")
    screenshot(page, "travel-2-submitted")

    # 2. assistant1 reviews (the checklist) and books a train ticket and a hotel.
    as_user(page, "assistant1")
    assert trip.number in page.content()  # the home queue: trips waiting for you
    page.goto(trip.get_absolute_url())
    for key in ("reason_sufficient", "dates_sensible", "route_sensible", "estimate_reasonable"):
        page.check(f"#check-{key}")
    page.fill("#review-comment", "理由充分，路线合理")
    screenshot(page, "travel-3-review")
    page.click("#review-trip")
    page.wait_for_selector("#booking-form")
    page.select_option("#id_kind", "ticket")
    page.fill("#id_supplier", "12306 中国铁路")
    page.fill("#id_reference", "E98765432")
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_details", "G7 08:00 上海虹桥 → 南京南 5车 12A")
    page.fill("#id_cost", "139.50")
    page.click("#add-booking")
    page.wait_for_selector("text=E98765432")
    page.select_option("#id_kind", "hotel")
    page.fill("#id_supplier", "全季酒店 南京新街口店")
    page.fill("#id_reference", "QJ2027001")
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", end.isoformat())
    page.fill("#id_cost", "428.00")
    page.click("#add-booking")
    page.wait_for_selector("text=QJ2027001")
    assert Booking.objects.filter(trip=trip).count() == 2
    screenshot(page, "travel-4-booked")

    # 3. manager1 approves.
    as_user(page, "manager1")
    assert trip.number in page.content()
    page.goto(trip.get_absolute_url())
    page.click("#approve-trip")
    page.wait_for_selector("text=is approved")
    trip.refresh_from_db()
    assert trip.status == Trip.Status.APPROVED
    screenshot(page, "travel-5-approved")

    # Time passes: the trip is under way (its dates moved to yesterday and today).
    shift = start - (timezone.localdate() - timedelta(days=1))
    Trip.objects.filter(pk=trip.pk).update(start_on=F("start_on") - shift, end_on=F("end_on") - shift)
    TripLeg.objects.filter(trip=trip).update(day=F("day") - shift)
    Booking.objects.filter(trip=trip, ends_on__isnull=False).update(ends_on=F("ends_on") - shift)
    Booking.objects.filter(trip=trip).update(starts_on=F("starts_on") - shift)

    # 4. assistant1 sees sales1 on the road and checks in.
    as_user(page, "assistant1")
    assert "Call today" in page.content()
    screenshot(page, "travel-6-home-on-the-road")
    page.goto("/travel/on-the-road/")
    page.click(f"[data-check-in='{trip.number}']")
    page.fill("#id_location", "南京 客户 T-A1 处")
    page.fill("#id_progress", "上午见了陈经理，框架订单基本谈妥")
    page.fill("#id_needs", "请把新品报价单发给陈经理")
    page.click("#save-check-in")
    page.wait_for_selector("text=Checked in today.")
    assert CheckIn.objects.filter(trip=trip, day=timezone.localdate()).count() == 1
    screenshot(page, "travel-7-checked-in")

    # 5. sales1 files the visit report: it lands on the customer file.
    as_user(page, "sales1")
    page.goto(trip.get_absolute_url())
    page.click("#file-report")
    page.wait_for_selector("#report-form")
    page.fill("#id_report-0-visited_on", (timezone.localdate() - timedelta(days=1)).isoformat())
    page.fill("#id_report-0-outcome", "客户确认 2027 年框架订单，预计追加 20%")
    page.fill("#id_report-0-next_steps", "月底前寄正式报价")
    page.fill("#id_report-0-next_follow_up_on", (timezone.localdate() + timedelta(days=14)).isoformat())
    page.check("#id_report-0-important")
    screenshot(page, "travel-8-report")
    page.click("#save-report")
    page.wait_for_selector("text=The visit report was filed")
    trip.refresh_from_db()
    assert trip.status == Trip.Status.DONE
    interaction = Interaction.objects.get(company=customer)
    assert interaction.kind == "visit" and "追加 20%" in interaction.summary
    customer.refresh_from_db()
    assert customer.last_contact_on == timezone.localdate() - timedelta(days=1)
    actions = page.locator("#trip-timeline > li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions == ["created", "submitted", "reviewed", "booked", "booked", "approved", "checked_in", "reported"]
    screenshot(page, "travel-9-reported")

    # 6. The itinerary and its PDF.
    page.goto(f"/travel/{trip.pk}/itinerary/")
    assert "陈经理" in page.content() and "E98765432" in page.content()
    screenshot(page, "travel-10-itinerary")
    response = page.request.get(f"/travel/{trip.pk}/itinerary.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    pdf = ARTIFACTS / "travel-itinerary.pdf"
    pdf.write_bytes(response.body())
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # a PNG of page 1 to look at (Chinese glyphs, not boxes)
        subprocess.run(  # noqa: S603
            [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(ARTIFACTS / "travel-itinerary")],
            check=False,
        )

    # 7. sales1 files the trip's claim with two receipts.
    today = timezone.localdate()
    page.goto("/expenses/")
    page.locator("#new-claim").click()
    page.select_option("#id_kind", "travel")
    page.fill("#id_purpose", "南京客户拜访 Customer visit in Nanjing")
    page.select_option("#id_trip", str(trip.pk))
    page.locator("#save-claim").click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    claim = Claim.objects.get()
    assert claim.trip == trip and claim.status == Claim.Status.DRAFT
    # A hotel line without its receipt number: refused with the reason, the typed values stay.
    add_line(page, day=today - timedelta(days=1), category="hotel", amount="428.00",
             description="全季酒店 一晚 Ji Hotel", number="", issuer="全季酒店南京新街口店")  # fmt: skip
    page.locator("#add-line-button").click()
    page.wait_for_load_state()
    assert "receipt (invoice) number" in page.locator("#add-line").inner_text()
    assert page.input_value("#id_description") == "全季酒店 一晚 Ji Hotel"
    assert page.input_value("#id_amount") == "428.00"
    screenshot(page, "expenses-02-line-error")
    page.fill("#id_receipt_number", "0455 1234")
    page.set_input_files(
        "#id_receipt_file", files=[{"name": "hotel.png", "mimeType": "image/png", "buffer": png_bytes(40, 20)}]
    )
    page.locator("#add-line-button").click()
    page.wait_for_selector("#claim-lines tbody tr >> text=0455 1234")
    add_line(page, day=today - timedelta(days=1), category="meals", amount="341.28",
             description="客户晚餐 Dinner with 陈经理", number="FP-88120", issuer="南京大牌档餐饮有限公司",
             file={"name": "dinner.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})  # fmt: skip
    pick(page, "id_customer", "T-A1", "T-A1")
    page.locator("#add-line-button").click()
    page.wait_for_selector("#claim-lines tbody tr >> text=FP-88120")
    assert "769.28" in page.locator("[data-total=CNY]").inner_text()
    assert page.locator(".receipt-link").count() == 2
    screenshot(page, "expenses-03-draft-with-two-receipts")
    page.locator("#submit-claim").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert claim.lines.get(receipt_number="FP-88120").customer == customer
    assert any(m.to == ["assistant1@backdesk.example"] for m in mail.outbox)

    # 8. assistant1 finds it on her queue and reviews it with the checklist.
    as_user(page, "assistant1")
    page.locator("#queue-claims_waiting").get_by_text(claim.number).click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    with page.expect_popup() as popup:
        page.locator(".receipt-link").first.click()
    assert popup.value.url.endswith("/receipt/")
    popup.value.close()
    page.check("#id_receipts_ok")
    page.check("#id_content_ok")
    page.check("#id_amounts_ok")
    page.fill("#id_review_comment", "票据齐全，金额无误")
    screenshot(page, "expenses-04-first-review")
    page.locator("#pass-review").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED and claim.reviewed_by == cast.assistant1

    # 9. manager1 approves.
    as_user(page, "manager1")
    page.locator("#queue-claims_waiting").get_by_text(claim.number).click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    screenshot(page, "expenses-05-approval")
    page.locator("#approve-claim").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED

    # 10. finance1 pays it.
    as_user(page, "finance1")
    page.locator("#queue-claims_waiting").get_by_text(claim.number).click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    page.fill("#id_reference", "ICBC-20261124-01")
    screenshot(page, "expenses-06-payment")
    page.locator("#pay-claim").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID and claim.paid_by == cast.finance1
    timeline = page.locator("#claim-timeline").inner_text()
    for who in ("Wang Qiang", "Zhao Min", "Li Na", "Wu Fang"):
        assert who in timeline
    screenshot(page, "expenses-07-paid")

    # sales1 sees it paid in the list, and the trip's estimate against what was claimed.
    as_user(page, "sales1")
    page.goto("/expenses/")
    assert "Paid" in page.locator("#claim-table").inner_text()
    screenshot(page, "expenses-08-list")
    page.goto(trip.get_absolute_url())
    assert "769.28" in page.content() and "1,530.00" in page.content()
    screenshot(page, "travel-11-estimate-vs-claimed")
    assert errors == []


def test_travel_pages_with_demo_data(page, screenshot):
    """The list, on-the-road, visits and findings pages filled by seed_demo, as a manager and an assistant."""
    import random

    from accounts import seed as accounts_seed
    from core.seed import SeedContext
    from customers import seed as customers_seed
    from travel import seed as travel_seed

    ctx = SeedContext(scale=2, rng=random.Random(3))
    for module in (accounts_seed, customers_seed, travel_seed):
        module.seed(ctx)
    as_user(page, "manager1")
    page.goto("/travel/")
    assert page.locator("#trip-table tbody tr").count() > 10
    screenshot(page, "travel-list-manager1")
    page.goto("/travel/findings/")
    screenshot(page, "travel-findings-manager1")
    as_user(page, "assistant2")
    screenshot(page, "travel-home-assistant2")
    page.goto("/travel/on-the-road/")
    screenshot(page, "travel-on-the-road-assistant2")
    page.goto("/travel/visits/")
    screenshot(page, "travel-visits-assistant2")

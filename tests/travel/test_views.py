"""Every travel URL for every role: in scope it works, out of scope it is a 404 (never 403)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.travel.factories import make_trip
from travel.models import Booking, CheckIn, Trip, TripCustomer, Visit

S = Trip.Status
# sales1's trip: assistant2 serves sales1 too, so sees the trip (a trip is the traveller's record).
SEES = ["gm", "manager1", "sales1", "assistant1", "assistant2"]
BLIND = ["manager2", "sales2", "sales3", "assistant3", "finance1"]
ROLES = [(who, 200) for who in SEES] + [(who, 404) for who in BLIND]


@pytest.mark.parametrize("who, code", ROLES)
def test_detail(client, cast, trip_of, who, code):
    trip = trip_of()
    client.force_login(getattr(cast, who))
    response = client.get(trip.get_absolute_url())
    assert response.status_code == code
    if code == 200:
        assert trip.number in response.content.decode()


@pytest.mark.parametrize("who, code", ROLES)
def test_itinerary(client, cast, trip_of, who, code):
    trip = trip_of(S.APPROVED)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("travel:itinerary", args=[trip.pk]))
    assert response.status_code == code


@pytest.mark.parametrize("who, code", ROLES)
def test_itinerary_pdf(client, cast, trip_of, who, code):
    trip = trip_of(S.APPROVED)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("travel:itinerary-pdf", args=[trip.pk]))
    assert response.status_code == code
    if code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "who, code",
    [("sales1", 200), ("assistant1", 200), ("assistant2", 200), ("manager1", 302), ("gm", 302)]
    + [(who, 404) for who in BLIND],
)
def test_edit(client, cast, trip_of, who, code):
    """The traveller and their assistants edit a draft; the manager who sees it is sent back to the page."""
    trip = trip_of()
    client.force_login(getattr(cast, who))
    assert client.get(reverse("travel:edit", args=[trip.pk])).status_code == code


POSTS = ["submit", "review", "approve", "reject", "cancel", "booking-add", "check-in", "report"]


@pytest.mark.parametrize("name", POSTS)
@pytest.mark.parametrize("who", BLIND)
def test_actions_out_of_scope_are_404(client, cast, trip_of, name, who):
    trip = trip_of(S.SUBMITTED)
    client.force_login(getattr(cast, who))
    response = client.post(reverse(f"travel:{name}", args=[trip.pk]), {"comment": "x", "reason_sufficient": "on"})
    assert response.status_code == 404
    trip.refresh_from_db()
    assert trip.status == S.SUBMITTED


@pytest.mark.parametrize("who", BLIND)
def test_booking_remove_out_of_scope(client, cast, trip_of, who):
    trip = trip_of(S.REVIEWED)
    booking = Booking.objects.create(
        trip=trip, kind="ticket", supplier="12306", reference="E1", starts_on=trip.start_on, cost=100,
        booked_by=cast.assistant1,
    )  # fmt: skip
    client.force_login(getattr(cast, who))
    assert client.post(reverse("travel:booking-remove", args=[trip.pk, booking.pk])).status_code == 404
    assert Booking.objects.filter(pk=booking.pk).exists()


@pytest.mark.parametrize(
    "who, code", [("sales1", 200)] + [(w, 302) for w in SEES if w != "sales1"] + [(w, 404) for w in BLIND]
)
def test_report_page(client, cast, trip_of, who, code):
    """Only the traveller files the visit report; others in scope are sent back to the trip."""
    trip = trip_of(S.APPROVED, start=timezone.localdate() - timedelta(days=3))
    client.force_login(getattr(cast, who))
    assert client.get(reverse("travel:report", args=[trip.pk])).status_code == code


@pytest.mark.parametrize(
    "who", ["gm", "manager1", "manager2", "sales1", "sales3", "assistant1", "assistant3", "finance1"]
)
def test_list_pages_answer_everyone(client, cast, trip_of, who):
    trip = trip_of()
    client.force_login(getattr(cast, who))
    for name in ("list", "on-the-road", "findings", "visits"):
        assert client.get(reverse(f"travel:{name}")).status_code == 200, name
    # Recording a customer's visit needs a customer one works on: finance has none.
    assert client.get(reverse("travel:visit-create")).status_code == (404 if who == "finance1" else 200)
    listed = trip.number in client.get(reverse("travel:list")).content.decode()
    assert listed == (who in SEES)


@pytest.mark.parametrize(
    "who, code", [("sales1", 200), ("assistant1", 200), ("manager1", 200), ("sales3", 200), ("finance1", 404)]
)
def test_create_page(client, cast, who, code):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("travel:create")).status_code == code


def test_list_filters(client, cast, trip_of):
    draft = trip_of()
    approved = trip_of(S.APPROVED, start=timezone.localdate() - timedelta(days=1))
    client.force_login(cast.manager1)
    body = client.get(reverse("travel:list"), {"status": "on_the_road"}).content.decode()
    assert approved.number in body and draft.number not in body
    body = client.get(reverse("travel:list"), {"q": cast.customer_of_assistant1.code}).content.decode()
    assert approved.number in body and draft.number in body
    fragment = client.get(reverse("travel:list"), {"status": "draft"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and draft.number in fragment.content.decode()


def _visit(cast, customer=None):
    return Visit.objects.create(
        customer=customer or cast.customer_of_assistant1,
        visitors="Mr. Smith (buyer)",
        arrives_at=timezone.now() + timedelta(days=2),
        created_by=cast.sales1,
    )


VISIT_ROLES = [("gm", 200), ("manager1", 200), ("sales1", 200), ("assistant1", 200)] + [
    (w, 404) for w in ("assistant2", "manager2", "sales2", "sales3", "assistant3", "finance1")
]


@pytest.mark.parametrize("who, code", VISIT_ROLES)
def test_visit_detail_and_edit(client, cast, who, code):
    """A visit follows its customer: assistant2 serves sales1 but this customer is not assigned to them."""
    visit = _visit(cast)
    client.force_login(getattr(cast, who))
    assert client.get(visit.get_absolute_url()).status_code == code
    assert client.get(reverse("travel:visit-edit", args=[visit.pk])).status_code == code
    response = client.post(
        reverse("travel:visit-edit", args=[visit.pk]), {"customer": visit.customer.pk, "visitors": "X"}
    )
    assert response.status_code == code
    listed = "Mr. Smith" in client.get(reverse("travel:visits")).content.decode()
    assert listed == (code == 200)


def test_visit_create_and_list(client, cast):
    client.force_login(cast.assistant1)
    arrives = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=30)
    response = client.post(
        reverse("travel:visit-create"),
        {
            "customer": cast.customer_of_assistant1.pk,
            "visitors": "Anna Schmidt, buyer; Tom Berg, QA",
            "arrives_at": arrives.strftime("%Y-%m-%dT%H:%M"),
            "arrival_details": "MU5101 PVG T2",
            "pickup_by": "赵敏",
            "pickup_where": "浦东机场 T2",
            "hotel": "锦江饭店",
            "programme": "Day 1: factory tour\nDay 2: price talks",
            "attendees": [cast.sales1.pk, cast.assistant1.pk],
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert set(visit.attendees.all()) == {cast.sales1, cast.assistant1}
    assert "Anna Schmidt" in client.get(reverse("travel:visits")).content.decode()
    # On the assistant's home: customers visiting within two weeks.
    assert "Anna Schmidt" in client.get("/").content.decode()


def test_visit_create_refuses_a_customer_out_of_scope(client, cast):
    client.force_login(cast.assistant1)
    response = client.post(
        reverse("travel:visit-create"),
        {"customer": cast.customer_of_sales3.pk, "visitors": "X", "arrives_at": "2030-01-01T10:00"},
    )
    assert response.status_code == 200
    assert not Visit.objects.exists()
    assert "customer" in response.context["form"].errors


def test_create_two_steps_and_keeps_values_on_error(client, cast):
    client.force_login(cast.assistant1)
    step1 = client.get(reverse("travel:create"))
    assert step1.context["step"] == 1
    start = timezone.localdate() + timedelta(days=5)
    data = {
        "traveller": cast.sales1.pk,
        "destination": "苏州",
        "purpose": "回访重点客户",
        "hotel_nights": 1,
        "currency": "CNY",
        "est_transport": "200.00",
        "est_hotel": "450.00",
        "est_meals": "120.00",
        "est_entertainment": "0",
        "est_other": "0",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-day": start.isoformat(),
        "lines-0-origin": "上海",
        "lines-0-destination": "苏州",
        "lines-0-transport": "train",
        "stops-TOTAL_FORMS": "2",
        "stops-INITIAL_FORMS": "0",
        "stops-0-customer": cast.customer_of_sales3.pk,  # forged: not sales1's
        "stops-0-agenda": "x",
    }
    response = client.post(reverse("travel:create"), data)
    assert response.status_code == 200 and not Trip.objects.exists()
    assert 'value="苏州"' in response.content.decode()
    data["stops-0-customer"] = cast.customer_of_assistant1.pk
    response = client.post(reverse("travel:create"), data)
    trip = Trip.objects.get()
    assert response["Location"] == trip.get_absolute_url()
    assert trip.traveller == cast.sales1 and trip.created_by == cast.assistant1
    assert trip.number.startswith("TR-") and str(trip.est_total) == "770.00"
    assert trip.start_on == trip.end_on == start
    assert list(TripCustomer.objects.filter(trip=trip).values_list("customer", flat=True)) == [
        cast.customer_of_assistant1.pk
    ]


def test_assistant_cannot_draft_for_someone_they_do_not_serve(client, cast):
    client.force_login(cast.assistant1)
    assert client.get(reverse("travel:create"), {"traveller": cast.sales3.pk}).status_code == 404


def test_query_count_of_the_list_is_flat(client, cast, django_assert_max_num_queries):
    client.force_login(cast.manager1)
    make_trip(cast.sales1, cast.customer_of_assistant1)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("travel:list"))
    for i in range(15):
        make_trip(cast.sales2 if i % 2 else cast.sales1, start=timezone.localdate() + timedelta(days=i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("travel:list"))
    assert response.context["paginator"].count == 16


def test_query_count_of_on_the_road_is_flat(client, cast, django_assert_max_num_queries):
    today = timezone.localdate()
    kw = {
        "reviewer": cast.assistant1,
        "approver": cast.manager1,
        "status": S.APPROVED,
        "start": today - timedelta(days=1),
    }
    make_trip(cast.sales1, **kw)
    client.force_login(cast.assistant2)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("travel:on-the-road"))
    for _ in range(10):
        trip = make_trip(cast.sales1, **kw)
        CheckIn.objects.create(trip=trip, day=today, location="南京", progress="ok", by=cast.assistant1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("travel:on-the-road"))
    assert response.context["paginator"].count == 11


def test_query_count_of_visits_is_flat(client, cast, django_assert_max_num_queries):
    client.force_login(cast.sales1)
    _visit(cast)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("travel:visits"))
    for _ in range(10):
        _visit(cast).attendees.add(cast.assistant1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("travel:visits"))


def test_query_count_of_findings_is_flat(client, cast, django_assert_max_num_queries):
    def reported(n):
        for _ in range(n):
            trip = make_trip(cast.sales1, cast.customer_of_assistant1)
            TripCustomer.objects.filter(trip=trip).update(
                important=True, visited=True, outcome="降价要求", reported_at=timezone.now()
            )

    reported(1)
    client.force_login(cast.manager1)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("travel:findings"))
    reported(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("travel:findings"))
    assert response.context["paginator"].count == 11


def test_edit_keeps_customers_the_editor_does_not_work_on(client, cast):
    """assistant2 serves sales1 but T-A1 is assigned to assistant1 only: it stays on the trip when assistant2
    edits, and assistant2 may add a customer of sales1 assigned to them; a forged stranger is refused."""
    trip = make_trip(cast.sales1, cast.customer_of_assistant1)
    client.force_login(cast.assistant2)
    page = client.get(reverse("travel:edit", args=[trip.pk]))
    assert page.status_code == 200
    leg = trip.legs.first()
    data = {
        "destination": "南京", "purpose": trip.purpose, "hotel_nights": 1, "currency": "CNY",
        "est_transport": "100", "est_hotel": "0", "est_meals": "0", "est_entertainment": "0", "est_other": "0",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-day": leg.day.isoformat(), "lines-0-origin": "上海", "lines-0-destination": "南京",
        "lines-0-transport": "train",
        "stops-TOTAL_FORMS": "2", "stops-INITIAL_FORMS": "0",
        "stops-0-customer": cast.customer_of_assistant1.pk, "stops-1-customer": cast.customer_of_sales3.pk,
    }  # fmt: skip
    assert client.post(reverse("travel:edit", args=[trip.pk]), data).status_code == 200  # stranger refused
    data["stops-1-customer"] = cast.customer_of_assistant2.pk
    response = client.post(reverse("travel:edit", args=[trip.pk]), data)
    assert response.status_code == 302
    assert set(trip.stops.values_list("customer_id", flat=True)) == {
        cast.customer_of_assistant1.pk,
        cast.customer_of_assistant2.pk,
    }
    assert str(Trip.objects.get(pk=trip.pk).est_total) == "100.00"


@pytest.mark.parametrize("who", ["manager1", "manager2", "assistant3"])
def test_excel_follows_scope_and_filters(client, cast, trip_of, who):
    import io

    from openpyxl import load_workbook

    draft = trip_of()
    approved = trip_of(S.APPROVED)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("travel:export"), {"status": "approved"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    numbers = [row[0] for row in rows[1:]]
    if who == "manager1":
        assert numbers == [approved.number] and draft.number not in numbers
        estimate = rows[1][-1]
        assert estimate == approved.est_total and rows[1][8] == cast.customer_of_assistant1.code
    else:
        assert numbers == []


def test_findings_follow_the_customer_for_assistants(client, cast):
    """assistant2 serves sales1 but T-A1 is assigned to assistant1 only: its finding stays hidden from assistant2."""
    for customer in (cast.customer_of_assistant1, cast.customer_of_assistant2):
        trip = make_trip(cast.sales1, customer)
        TripCustomer.objects.filter(trip=trip).update(
            important=True, visited=True, outcome=f"finding at {customer.code}", reported_at=timezone.now()
        )
    seen = {}
    for who in ("assistant1", "assistant2", "manager1", "sales1", "sales3"):
        client.force_login(getattr(cast, who))
        body = client.get(reverse("travel:findings")).content.decode()
        seen[who] = {code for code in ("T-A1", "T-A2") if f"finding at {code}" in body}
    assert seen == {
        "assistant1": {"T-A1"},
        "assistant2": {"T-A2"},
        "manager1": {"T-A1", "T-A2"},
        "sales1": {"T-A1", "T-A2"},
        "sales3": set(),
    }


def test_trip_page_hides_outcomes_of_customers_not_assigned(client, cast):
    trip = make_trip(cast.sales1, cast.customer_of_assistant1)
    Trip.objects.filter(pk=trip.pk).update(status=S.DONE)
    TripCustomer.objects.filter(trip=trip).update(visited=True, outcome="秘密的拜访结果")
    client.force_login(cast.assistant1)
    assert "秘密的拜访结果" in client.get(trip.get_absolute_url()).content.decode()
    client.force_login(cast.assistant2)
    body = client.get(trip.get_absolute_url()).content.decode()
    assert "秘密的拜访结果" not in body and "Not assigned to you" in body


def test_big_trip_export_runs_in_the_background_with_the_filters(
    client, cast, trip_of, settings, django_capture_on_commit_callbacks
):
    import io

    from openpyxl import load_workbook

    from core.models import Export

    approved = [trip_of(S.APPROVED) for _ in range(3)]
    trip_of()  # a draft: filtered out
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.manager1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("travel:export"), {"status": "approved"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_total == 3 and export.rows_done == 3
    book = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("export-download", args=[export.pk])).streaming_content))
    )
    assert sorted(r[0] for r in list(book.worksheets[0].iter_rows(values_only=True))[1:]) == sorted(
        t.number for t in approved
    )


def test_trip_page_links_to_its_claims_the_reader_may_open(client, cast, trip_of):
    from tests.expenses.factories import make_claim

    trip = trip_of(S.APPROVED)
    claim = make_claim(cast.sales1, trip=trip, submit=True)
    for who, linked in (("sales1", True), ("manager1", True), ("assistant1", True)):
        client.force_login(getattr(cast, who))
        html = client.get(trip.get_absolute_url()).content.decode()
        assert (f'href="{claim.get_absolute_url()}"' in html) is linked, who

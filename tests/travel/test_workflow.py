"""The trip workflow: every allowed and refused move, who may make it, the timeline and the emails."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from customers.models import Interaction
from tests.conftest import read_people
from tests.travel.factories import ALL_OK, make_trip
from travel import services
from travel.models import CheckIn, Trip, TripEvent

S = Trip.Status


def moves(trip):
    return list(TripEvent.objects.filter(trip=trip).values_list("action", "actor__username"))


def test_full_path_records_every_step_and_mails_the_next_person(cast, trip_of, django_capture_on_commit_callbacks):
    trip = trip_of()
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_submit(trip=trip, actor=cast.sales1, comment="请审核")
    # Both assistants who serve sales1 may review: both are told.
    assert sorted(m.to[0] for m in mail.outbox) == ["assistant1@backdesk.example", "assistant2@backdesk.example"]
    assert trip.number in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_review(trip=trip, actor=cast.assistant1, checklist=ALL_OK, comment="路线合理")
    assert [m.to for m in mail.outbox] == [["manager1@backdesk.example"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_approve(trip=trip, actor=cast.manager1)
    assert [m.to for m in mail.outbox] == [["sales1@backdesk.example"]]
    trip.refresh_from_db()
    assert trip.status == S.APPROVED and trip.approved_at is not None
    assert moves(trip) == [
        ("created", "sales1"), ("submitted", "sales1"), ("reviewed", "assistant1"), ("approved", "manager1"),
    ]  # fmt: skip
    review = TripEvent.objects.get(trip=trip, action="reviewed")
    assert review.checklist == ALL_OK and review.comment == "路线合理"


def test_emails_are_rendered_in_the_recipients_language(cast, trip_of, django_capture_on_commit_callbacks, monkeypatch):
    from django.utils import translation

    from travel import emails

    cast.manager1.language = "zh-hans"
    cast.manager1.save(update_fields=["language"])
    cast.sales1.language = "en"
    cast.sales1.save(update_fields=["language"])
    rendered = []
    real = emails.render_to_string

    def spy(template, context):
        rendered.append((template, context["recipient"].username, translation.get_language()))
        return real(template, context)

    monkeypatch.setattr(emails, "render_to_string", spy)
    trip = trip_of(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_review(trip=trip, actor=cast.assistant1, checklist=ALL_OK)
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_approve(trip=trip, actor=cast.manager1)
    assert ("travel/email/to_approve.txt", "manager1", "zh-hans") in rendered
    assert ("travel/email/approved.txt", "sales1", "en") in rendered


def test_each_email_goes_once(cast, trip_of, django_capture_on_commit_callbacks):
    from travel.emails import notify_event

    trip = trip_of(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_review(trip=trip, actor=cast.assistant1, checklist=ALL_OK)
    assert len(mail.outbox) == 1
    event = TripEvent.objects.get(trip=trip, action="reviewed")
    assert notify_event(trip_id=trip.pk, event_id=event.pk) == 0  # sent already (core.notify.send_once)
    assert len(mail.outbox) == 1


def test_review_needs_every_point(cast, trip_of):
    trip = trip_of(S.SUBMITTED)
    with pytest.raises(ValidationError):
        services.trip_review(trip=trip, actor=cast.assistant1, checklist={**ALL_OK, "route_sensible": False})
    trip.refresh_from_db()
    assert trip.status == S.SUBMITTED


@pytest.mark.parametrize("who", ["sales1", "manager1", "assistant3", "gm"])
def test_only_an_assistant_serving_the_traveller_reviews(cast, trip_of, who):
    trip = trip_of(S.SUBMITTED)
    with pytest.raises(ValidationError):
        services.trip_review(trip=trip, actor=getattr(cast, who), checklist=ALL_OK)


def test_assistant2_serves_sales1_and_may_review(cast, trip_of):
    trip = services.trip_review(trip=trip_of(S.SUBMITTED), actor=cast.assistant2, checklist=ALL_OK)
    assert trip.status == S.REVIEWED


@pytest.mark.parametrize("who", ["sales1", "manager2", "assistant1"])
def test_approval_is_the_team_managers(cast, trip_of, who):
    trip = trip_of(S.REVIEWED)
    with pytest.raises(ValidationError):
        services.trip_approve(trip=trip, actor=getattr(cast, who))
    trip.refresh_from_db()
    assert trip.status == S.REVIEWED


def test_submitted_trip_cannot_be_approved_before_review(cast, trip_of):
    with pytest.raises(ValidationError):
        services.trip_approve(trip=trip_of(S.SUBMITTED), actor=cast.manager1)


def test_traveller_cannot_approve_their_own_trip(cast):
    """A manager's trip skips the assistant review and goes to the GM, never to the manager."""
    trip = make_trip(cast.manager1, status=S.SUBMITTED)
    assert services.approvers(trip) == [cast.gm]
    with pytest.raises(ValidationError, match="own trip"):
        services.trip_approve(trip=trip, actor=cast.manager1)
    assert services.trip_approve(trip=trip, actor=cast.gm).status == S.APPROVED


def test_gm_cannot_approve_own_trip_either(cast):
    trip = make_trip(cast.gm, status=S.SUBMITTED)
    with pytest.raises(ValidationError):
        services.trip_approve(trip=trip, actor=cast.gm)


@pytest.mark.parametrize("status, who", [(S.SUBMITTED, "assistant1"), (S.REVIEWED, "manager1")])
def test_rejection_needs_a_comment_and_returns_to_draft(cast, trip_of, status, who, django_capture_on_commit_callbacks):
    trip = trip_of(status)
    actor = getattr(cast, who)
    with pytest.raises(ValidationError, match="comment"):
        services.trip_reject(trip=trip, actor=actor, comment="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.trip_reject(trip=trip, actor=actor, comment="日期太长，请缩短为两天")
    trip.refresh_from_db()
    assert trip.status == S.DRAFT and trip.returned
    assert [m.to for m in mail.outbox] == [["sales1@backdesk.example"]]
    assert TripEvent.objects.filter(trip=trip, action="rejected", comment="日期太长，请缩短为两天").exists()
    # Back in draft it is edited and submitted again.
    services.trip_submit(trip=trip, actor=cast.sales1)
    trip.refresh_from_db()
    assert trip.status == S.SUBMITTED and not trip.returned


@pytest.mark.parametrize("who", ["sales1", "assistant2", "manager2"])
def test_rejection_refused_to_others(cast, trip_of, who):
    with pytest.raises(ValidationError):
        services.trip_reject(trip=trip_of(S.REVIEWED), actor=getattr(cast, who), comment="no")


@pytest.mark.parametrize(
    "status, allowed",
    [(S.DRAFT, {"edit", "submit", "cancel"}), (S.SUBMITTED, {"cancel"}), (S.APPROVED, {"cancel"})],
)
def test_traveller_actions(cast, trip_of, status, allowed):
    trip = trip_of(status)
    assert set(services.allowed_actions(cast.sales1, trip, timezone.localdate())) == allowed


def test_actions_offered_to_each_step(cast, trip_of):
    today = timezone.localdate()
    assert set(services.allowed_actions(cast.assistant1, trip_of(S.SUBMITTED), today)) == {"review", "reject", "cancel"}
    assert set(services.allowed_actions(cast.manager1, trip_of(S.REVIEWED), today)) == {"approve", "reject"}
    assert "approve" not in services.allowed_actions(cast.manager1, trip_of(S.SUBMITTED), today)


def test_submit_refused_when_not_draft(cast, trip_of):
    with pytest.raises(ValidationError):
        services.trip_submit(trip=trip_of(S.APPROVED), actor=cast.sales1)


def test_cancel_and_nothing_after(cast, trip_of):
    trip = services.trip_cancel(trip=trip_of(S.APPROVED), actor=cast.sales1)
    assert trip.status == S.CANCELLED
    for call in (services.trip_submit, services.trip_cancel):
        with pytest.raises(ValidationError):
            call(trip=trip, actor=cast.sales1)
    assert services.allowed_actions(cast.sales1, trip, timezone.localdate()) == []


def test_edit_refused_after_submit(cast, trip_of):
    trip = trip_of(S.SUBMITTED)
    with pytest.raises(ValidationError):
        services.trip_update(
            trip=trip, actor=cast.sales1, legs=[], stops=[], **{f: getattr(trip, f) for f in services.HEADER_FIELDS}
        )


def test_views_drive_the_workflow(client, cast, trip_of):
    trip = trip_of()
    client.force_login(cast.sales1)
    client.post(reverse("travel:submit", args=[trip.pk]))
    client.force_login(cast.assistant1)
    response = client.post(reverse("travel:review", args=[trip.pk]), {"reason_sufficient": "on", "comment": "x"})
    trip.refresh_from_db()
    assert trip.status == S.SUBMITTED  # a point missing: refused with a message
    client.post(reverse("travel:review", args=[trip.pk]), {k: "on" for k in ALL_OK})
    trip.refresh_from_db()
    assert trip.status == S.REVIEWED
    client.force_login(cast.sales1)
    response = client.post(reverse("travel:approve", args=[trip.pk]), follow=True)
    assert "cannot approve your own trip" in response.content.decode()
    client.force_login(cast.manager1)
    response = client.post(reverse("travel:reject", args=[trip.pk]), {"comment": ""}, follow=True)
    trip.refresh_from_db()
    assert trip.status == S.REVIEWED and "comment is required" in response.content.decode()
    client.post(reverse("travel:approve", args=[trip.pk]))
    trip.refresh_from_db()
    assert trip.status == S.APPROVED


# Bookings and check-ins ---------------------------------------------------------------------------


def test_booking_by_the_assistant_after_review(client, cast, trip_of):
    trip = trip_of(S.SUBMITTED)
    data = {
        "kind": "ticket", "supplier": "12306 铁路", "reference": "E12345678", "starts_on": trip.start_on.isoformat(),
        "details": "G7 08:00 上海虹桥 → 南京南", "cost": "139.50", "currency": "CNY",
    }  # fmt: skip
    client.force_login(cast.assistant1)
    client.post(reverse("travel:booking-add", args=[trip.pk]), data)
    assert not trip.bookings.exists()  # not reviewed yet
    services.trip_review(trip=trip, actor=cast.assistant1, checklist=ALL_OK)
    client.post(reverse("travel:booking-add", args=[trip.pk]), data)
    booking = trip.bookings.get()
    assert booking.cost == Decimal("139.50") and booking.booked_by == cast.assistant1
    client.force_login(cast.sales1)
    client.post(reverse("travel:booking-add", args=[trip.pk]), data)
    assert trip.bookings.count() == 1  # the traveller does not book
    body = client.get(reverse("travel:itinerary", args=[trip.pk])).content.decode()
    assert "E12345678" in body
    client.force_login(cast.assistant1)
    client.post(reverse("travel:booking-remove", args=[trip.pk, booking.pk]))
    assert not trip.bookings.exists()
    assert TripEvent.objects.filter(trip=trip, action="unbooked", comment__contains="E12345678").exists()


def test_booking_outside_the_trip_dates_refused(cast, trip_of):
    trip = trip_of(S.REVIEWED)
    with pytest.raises(ValidationError):
        services.booking_add(
            trip=trip, actor=cast.assistant1, kind="hotel", supplier="h", reference="r",
            starts_on=trip.end_on + timedelta(days=3), cost=Decimal("1"), currency="CNY",
        )  # fmt: skip


def test_check_in_once_a_day_while_on_the_road(cast, trip_of):
    today = timezone.localdate()
    trip = trip_of(S.APPROVED, start=today - timedelta(days=1))
    services.check_in(trip=trip, actor=cast.assistant1, location="南京", progress="顺利", needs="寄样品册")
    with pytest.raises(ValidationError, match="already"):
        services.check_in(trip=trip, actor=cast.assistant2, location="南京", progress="again")
    assert CheckIn.objects.filter(trip=trip).count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        services.check_in(trip=trip, actor=cast.assistant2, location="苏州", progress="ok")
    assert CheckIn.objects.filter(trip=trip).count() == 2


def test_check_in_refused_before_the_trip_and_by_others(cast, trip_of):
    trip = trip_of(S.APPROVED)  # starts next week
    with pytest.raises(ValidationError):
        services.check_in(trip=trip, actor=cast.assistant1, location="x", progress="y")
    running = trip_of(S.APPROVED, start=timezone.localdate())
    for who in ("sales1", "manager1", "assistant3"):
        with pytest.raises(ValidationError):
            services.check_in(trip=running, actor=getattr(cast, who), location="x", progress="y")


def test_home_lists_who_is_on_the_road_with_check_in(client, cast, trip_of):
    trip = trip_of(S.APPROVED, start=timezone.localdate())
    client.force_login(cast.assistant1)
    body = client.get("/").content.decode()
    assert trip.number in body and "Call today" in body
    client.post(reverse("travel:check-in", args=[trip.pk]), {"location": "南京", "progress": "顺利"})
    assert "Checked in" in client.get("/").content.decode()
    client.force_login(cast.manager1)
    assert trip.number in client.get("/").content.decode()
    client.force_login(cast.manager2)
    assert trip.number not in client.get("/").content.decode()


def test_home_queues_of_review_and_approval(client, cast, trip_of):
    submitted = trip_of(S.SUBMITTED)
    reviewed = trip_of(S.REVIEWED)
    client.force_login(cast.assistant1)
    body = client.get("/").content.decode()
    assert submitted.number in body and reviewed.number not in body
    client.force_login(cast.manager1)
    body = client.get("/").content.decode()
    assert reviewed.number in body and submitted.number not in body


# The visit report ----------------------------------------------------------------------------------


def test_visit_report_creates_interactions_and_moves_follow_up(client, cast, django_capture_on_commit_callbacks):
    customer = cast.customer_of_assistant1
    customer.follow_up_days = 30
    customer.save()
    other = cast.customer_shared
    today = timezone.localdate()
    trip = make_trip(
        cast.sales1, customer, other, start=today - timedelta(days=4), days=3,
        status=S.APPROVED, reviewer=cast.assistant1, approver=cast.manager1,
    )  # fmt: skip
    stops = list(trip.stops.order_by("pk"))
    client.force_login(cast.sales1)
    visited_on = trip.start_on + timedelta(days=1)
    data = {
        "report-TOTAL_FORMS": "2", "report-INITIAL_FORMS": "2",
        "report-0-visited": "on", "report-0-visited_on": visited_on.isoformat(),
        "report-0-outcome": "客户确认明年追加 20% 订单", "report-0-next_steps": "寄报价单",
        "report-0-next_follow_up_on": (today + timedelta(days=10)).isoformat(), "report-0-important": "on",
        "report-1-outcome": "",
        "comment": "顺利",
    }  # fmt: skip
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("travel:report", args=[trip.pk]), data)
    assert response.status_code == 302
    trip.refresh_from_db()
    assert trip.status == S.DONE
    interaction = Interaction.objects.get(company=customer)
    assert interaction.kind == "visit" and interaction.occurred_on == visited_on
    assert interaction.user == cast.sales1 and "追加 20%" in interaction.summary
    assert interaction.next_step_on == today + timedelta(days=10)
    customer.refresh_from_db()
    assert customer.last_contact_on == visited_on
    assert customer.next_follow_up_on == visited_on + timedelta(days=30)
    assert not Interaction.objects.filter(company=other).exists()  # not visited
    stops[0].refresh_from_db()
    assert stops[0].interaction == interaction and stops[0].important
    # The important finding goes to the manager by email and onto their list.
    assert [m.to for m in mail.outbox] == [["manager1@backdesk.example"]]
    assert "追加 20%" in mail.outbox[0].body
    client.force_login(cast.manager1)
    assert "追加 20%" in client.get(reverse("travel:findings")).content.decode()
    assert customer.code in client.get("/").content.decode()
    client.force_login(cast.manager2)
    assert "追加 20%" not in client.get(reverse("travel:findings")).content.decode()


def test_visit_report_needs_an_outcome_for_each_visit(client, cast):
    trip = make_trip(
        cast.sales1, cast.customer_of_assistant1, start=timezone.localdate() - timedelta(days=2),
        status=S.APPROVED, reviewer=cast.assistant1, approver=cast.manager1,
    )  # fmt: skip
    client.force_login(cast.sales1)
    data = {"report-TOTAL_FORMS": "1", "report-INITIAL_FORMS": "1", "report-0-visited": "on", "report-0-outcome": ""}
    response = client.post(reverse("travel:report", args=[trip.pk]), data, follow=True)
    trip.refresh_from_db()
    assert trip.status == S.APPROVED and not Interaction.objects.exists()
    assert "say what came of the visit" in response.content.decode()


def test_visit_report_only_by_the_traveller_once_started(cast, trip_of):
    future = trip_of(S.APPROVED)
    with pytest.raises(ValidationError):
        services.visit_report_file(trip=future, actor=cast.sales1, reports=[])
    started = trip_of(S.APPROVED, start=timezone.localdate())
    with pytest.raises(ValidationError):
        services.visit_report_file(trip=started, actor=cast.assistant1, reports=[])
    assert services.visit_report_file(trip=started, actor=cast.sales1, reports=[]).status == S.DONE


def test_reports_due_on_the_travellers_home(client, cast, trip_of):
    trip = trip_of(S.APPROVED, start=timezone.localdate() - timedelta(days=5))
    client.force_login(cast.sales1)
    body = client.get("/").content.decode()
    assert trip.number in body and "Report due" in body


def test_gm_queue_holds_only_what_no_other_manager_decides(client, cast, trip_of):
    from travel.queues import awaiting_decision_queryset

    team_trip = trip_of(S.REVIEWED)
    manager_trip = make_trip(cast.manager1, status=S.SUBMITTED)
    assert list(awaiting_decision_queryset(cast.gm)) == [manager_trip]
    assert list(awaiting_decision_queryset(cast.manager1)) == [team_trip]
    assert list(awaiting_decision_queryset(cast.manager2)) == []
    client.force_login(cast.gm)
    body = client.get("/").content.decode()
    assert manager_trip.number in body and team_trip.number not in body


@pytest.mark.parametrize("who", ["assistant1", "manager1", "sales1", "gm"])
def test_each_travel_home_section_is_one_query(cast, trip_of, who, django_assert_num_queries):
    """One query per section whatever the rows (a second one only to count past the first ten)."""
    from core import home

    today = timezone.localdate()
    for status in (S.SUBMITTED, S.REVIEWED):
        trip_of(status)
    for days_ago in (0, 1, 9):
        trip_of(S.APPROVED, start=today - timedelta(days=days_ago))
    user = getattr(cast, who)
    read_people(user)
    for key, section in home.SECTIONS.items():
        if key.startswith("travel_") and user.role in section.roles:
            with django_assert_num_queries(1):
                section.items(user, today)


def test_a_full_travel_section_with_more_is_still_one_query(cast, trip_of, django_assert_num_queries):
    """Past the first ten the total comes with the rows (COUNT(*) OVER ()), not from a second COUNT."""
    from travel.queues import awaiting_for

    for _ in range(12):
        trip_of(S.SUBMITTED)
    read_people(cast.assistant1)
    with django_assert_num_queries(1):
        items = awaiting_for(cast.assistant1, timezone.localdate())
    assert len(items) == 11 and "12" in items[-1].label and items[-1].url.endswith("?status=awaiting")


def test_returned_trips_wait_on_the_makers_home_in_the_same_one_query_section(cast, trip_of, django_assert_num_queries):
    from travel.models import Trip as TripModel
    from travel.queues import awaiting_for

    returned = trip_of()
    TripModel.objects.filter(pk=returned.pk).update(returned=True)
    to_review = trip_of(S.SUBMITTED)
    today = timezone.localdate()
    read_people(cast.assistant1)
    read_people(cast.sales1)
    with django_assert_num_queries(1):
        items = awaiting_for(cast.assistant1, today)
    assert [i.label.split()[0] for i in items] == [to_review.number]  # sales1 made the returned one
    with django_assert_num_queries(1):
        items = awaiting_for(cast.sales1, today)
    assert [(i.label.split()[0], str(i.badge)) for i in items] == [(returned.number, "Returned")]
    assert awaiting_for(cast.sales2, today) == []

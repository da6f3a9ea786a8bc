"""The samples demo data: every state, converted samples linked to real orders, overdue loans, idempotent."""

from __future__ import annotations

import random

from django.db.models import F
from django.utils import timezone

from core.seed import SeedContext
from samples.models import SampleEvent, SampleLoan, SampleRequest


def run_seeds(ctx: SeedContext) -> None:
    from accounts import seed as accounts_seed
    from customers import seed as customers_seed
    from orders import seed as orders_seed
    from samples import seed as samples_seed

    for module in (accounts_seed, customers_seed, orders_seed, samples_seed):
        module.seed(ctx)


def test_seed_gives_every_state_and_is_idempotent(db):
    run_seeds(SeedContext(scale=1, rng=random.Random(7)))
    samples = SampleRequest.objects.all()
    assert samples.count() == 40
    assert set(samples.values_list("status", flat=True)) == set(SampleRequest.Status.values)
    converted = samples.filter(status=SampleRequest.Status.CONVERTED)
    assert converted.exists()
    assert not converted.filter(order__isnull=True).exists()
    assert not converted.exclude(order__customer=F("customer")).exists()
    assert not converted.filter(order__received_on__lt=F("sent_on")).exists()
    sent = samples.filter(status__in=SampleRequest.SENT_STATUSES)
    assert not sent.filter(checked_by__isnull=True).exists()
    assert not sent.filter(checked_by=F("prepared_by")).exists()
    assert SampleLoan.objects.overdue(timezone.localdate()).count() >= 2
    assert SampleEvent.objects.filter(sample__in=sent, kind=SampleEvent.Kind.CHECKED).count() == sent.count()
    counts = (SampleRequest.objects.count(), SampleEvent.objects.count(), SampleLoan.objects.count())
    run_seeds(SeedContext(scale=1, rng=random.Random(7)))
    assert (SampleRequest.objects.count(), SampleEvent.objects.count(), SampleLoan.objects.count()) == counts

import pytest

from tests.travel.factories import make_trip
from travel.models import Trip


@pytest.fixture
def trip_of(cast):
    """trip_of(status, **kw): a trip of sales1 to customer_of_assistant1 (reviewer assistant1, approver manager1)."""

    def make(status=Trip.Status.DRAFT, **kw):
        kw.setdefault("reviewer", cast.assistant1)
        kw.setdefault("approver", cast.manager1)
        return make_trip(cast.sales1, cast.customer_of_assistant1, status=status, **kw)

    return make

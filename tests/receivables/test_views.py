"""Every receivables URL per role (out of scope → 404), the pages' actions, query counts, and
totals that agree to the cent on the page, the statement PDF and the Excel files."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from receivables.models import DunningPause, ExchangeRate, Invoice, Payment, PromiseToPay, StatementConfirmation
from receivables.services.payments import payment_allocate, payment_record

from .factories import make_invoice

D = Decimal
TODAY = date(2026, 7, 15)
VISIBLE = ["sales1", "assistant1", "manager1", "gm", "finance1"]
HIDDEN = ["sales2", "sales3", "assistant2", "assistant3", "manager2"]
ALL = VISIBLE + HIDDEN


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2026, 7, 15), tick=False):
        yield


@pytest.fixture
def data(cast):
    invoice = make_invoice(cast, amount=D("1000.00"), due_on=date(2026, 6, 1))
    draft = make_invoice(cast, amount=D("200.00"), issued=False)
    payment = payment_record(actor=cast.finance1, customer=invoice.customer, amount=D("300"), currency="CNY",
                             received_on=date(2026, 7, 1))  # fmt: skip
    return invoice, draft, payment


def object_urls(invoice, payment, customer):
    return [
        reverse("receivables:detail", args=[invoice.pk]),
        reverse("receivables:payment-detail", args=[payment.pk]),
        reverse("receivables:customer", args=[customer.pk]),
        reverse("receivables:statement", args=[customer.pk]),
        reverse("receivables:statement-xlsx", args=[customer.pk]),
        reverse("receivables:reminder-list") + f"?customer={customer.pk}",
    ]


@pytest.mark.parametrize("who", ALL)
def test_object_pages_per_role(client, cast, data, who):
    invoice, draft, payment = data
    client.force_login(getattr(cast, who))
    for url in object_urls(invoice, payment, invoice.customer):
        assert client.get(url).status_code == (200 if who in VISIBLE else 404), url


@pytest.mark.parametrize("who", ALL)
def test_object_actions_out_of_scope_are_404_and_change_nothing(client, cast, data, who):
    if who in VISIBLE:
        return
    invoice, draft, payment = data
    client.force_login(getattr(cast, who))
    posts = [
        (reverse("receivables:check", args=[draft.pk]), {}),
        (reverse("receivables:cancel", args=[draft.pk]), {"reason": "x"}),
        (reverse("receivables:promise", args=[invoice.pk]), {"promised_on": "2026-07-20", "amount": "10"}),
        (reverse("receivables:payment-allocate", args=[payment.pk]), {f"alloc_{invoice.pk}": "10"}),
        (reverse("receivables:payment-confirm", args=[payment.pk]), {}),
        (reverse("receivables:payment-reverse", args=[payment.pk]), {"reason": "x"}),
        (reverse("receivables:customer-pause", args=[invoice.customer_id]), {"reason": "x"}),
        (reverse("receivables:statement-confirm", args=[invoice.customer_id]), {"confirmed_on": "2026-07-15", "confirmed_by_name": "x"}),
    ]  # fmt: skip
    for url, body in posts:
        assert client.post(url, body).status_code == 404, url
    assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT
    assert not PromiseToPay.objects.exists() and not DunningPause.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.RECORDED
    assert not StatementConfirmation.objects.exists()


@pytest.mark.parametrize("who", ALL)
def test_list_pages_answer_every_role_with_their_scope(client, cast, data, who):
    invoice, draft, payment = data
    client.force_login(getattr(cast, who))
    for name in ["list", "payment-list", "aging", "reminder-list", "reconciliation"]:
        response = client.get(reverse(f"receivables:{name}"))
        assert response.status_code == 200, name
    page = client.get(reverse("receivables:list")).content.decode()
    assert (invoice.number in page) is (who in VISIBLE)
    for name in ["list", "payment-list"]:  # the old ?export=xlsx link goes to the download's own URL
        assert client.get(reverse(f"receivables:{name}") + "?export=xlsx").status_code == 302
    for name in ["export", "payment-export", "aging-export", "reconciliation-export"]:
        assert client.get(reverse(f"receivables:{name}")).status_code == 200


@pytest.mark.parametrize("who, code", [("sales1", 200), ("assistant1", 200), ("manager1", 200), ("finance1", 404)])
def test_new_invoice_page_for_operational_roles_only(client, cast, data, who, code):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("receivables:create")).status_code == code
    if code == 200:
        assert client.get(reverse("receivables:create") + f"?order={data[0].order_id}").status_code == 200


def test_new_invoice_for_an_order_out_of_scope_is_404(client, cast, data):
    client.force_login(cast.sales3)
    assert client.get(reverse("receivables:create") + f"?order={data[0].order_id}").status_code == 404


@pytest.mark.parametrize("who", ["sales1", "assistant1", "finance1"])
def test_payment_form_for_sales_side_and_finance(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("receivables:payment-create")).status_code == 200


def test_prepare_and_check_an_invoice_through_the_pages(client, cast):
    from orders.models import Order
    from tests.orders.factories import make_order

    order = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.CONFIRMED)
    line = order.lines.get()
    client.force_login(cast.assistant1)
    url = reverse("receivables:create") + f"?order={order.pk}"
    response = client.post(url, {"order": order.pk, "invoice_date": "2026-07-15", "terms": "net", "net_days": "30",
                                 f"qty_{line.pk}": "11"})  # fmt: skip
    assert response.status_code == 200 and "still open to invoice" in response.content.decode()
    response = client.post(url, {"order": order.pk, "invoice_date": "2026-07-15", "terms": "net", "net_days": "30",
                                 f"qty_{line.pk}": "10"})  # fmt: skip
    invoice = Invoice.objects.get(order=order)
    assert response.status_code == 302
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert 'id="check-invoice"' not in page  # the maker is not offered the check
    client.force_login(cast.sales1)
    assert 'id="check-invoice"' in client.get(invoice.get_absolute_url()).content.decode()
    client.post(reverse("receivables:check", args=[invoice.pk]))
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


def test_promise_pause_and_statement_confirmation(client, cast, data):
    invoice, _draft, _payment = data
    client.force_login(cast.assistant1)
    client.post(reverse("receivables:promise", args=[invoice.pk]), {"promised_on": "2026-07-20", "amount": "500"})
    assert PromiseToPay.objects.get().promised_on == date(2026, 7, 20)
    client.post(reverse("receivables:customer-pause", args=[invoice.customer_id]), {"reason": "质量争议"})
    assert "质量争议" in client.get(reverse("receivables:customer", args=[invoice.customer_id])).content.decode()
    client.post(reverse("receivables:customer-pause", args=[invoice.customer_id]), {"action": "resume"})
    assert not DunningPause.objects.filter(resumed_at__isnull=True).exists()
    scan = SimpleUploadedFile("盖章.pdf", b"%PDF-1.4 stamped", content_type="application/pdf")
    url = (
        reverse("receivables:statement-confirm", args=[invoice.customer_id])
        + "?start=2026-06-01&end=2026-07-15&currency=CNY"
    )
    client.post(url, {"confirmed_on": "2026-07-15", "confirmed_by_name": "陈会计", "scan": scan})
    record = StatementConfirmation.objects.get()
    assert record.closing_balance == D("700.00") and record.scan_name == "盖章.pdf"
    assert client.get(reverse("receivables:statement-scan", args=[record.pk])).status_code == 200
    client.force_login(cast.assistant3)
    assert client.get(reverse("receivables:statement-scan", args=[record.pk])).status_code == 404


def test_a_fake_pdf_is_refused(client, cast, data):
    invoice = data[0]
    client.force_login(cast.assistant1)
    fake = SimpleUploadedFile("scan.pdf", b"MZ not a pdf", content_type="application/pdf")
    client.post(reverse("receivables:statement-confirm", args=[invoice.customer_id]),
                {"confirmed_on": "2026-07-15", "confirmed_by_name": "x", "scan": fake})  # fmt: skip
    assert not StatementConfirmation.objects.exists()


def test_list_and_aging_queries_do_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from receivables.jobs import run_dunning

    def add(count, day):
        for _ in range(count):
            inv = make_invoice(cast, due_on=date(2026, 5, 1), customer=cast.customer_shared)
            p = payment_record(
                actor=cast.finance1, customer=inv.customer, amount=D("10"), currency="CNY", received_on=TODAY
            )
            payment_allocate(payment=p, actor=cast.finance1, amounts={inv.pk: D("10")})
        run_dunning(day=day)

    add(2, date(2026, 7, 14))
    client.force_login(cast.assistant1)
    pages = [reverse("receivables:list"), reverse("receivables:aging"), reverse("receivables:payment-list"),
             reverse("receivables:aging") + "?by=salesperson", reverse("receivables:reminder-list"),
             reverse("receivables:customer", args=[cast.customer_shared.pk])]  # fmt: skip
    counts = {}
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts[url] = len(ctx)
    add(15, date(2026, 7, 15))
    for url in pages:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
    assert max(counts.values()) <= 14, counts


def text_of_pdf(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_totals_agree_to_the_cent_on_page_pdf_and_excel(client, cast):
    invoices = [make_invoice(cast, amount=D(a), invoice_date=date(2026, 6, d), due_on=date(2026, 6, d + 20))
                for a, d in (("1234.56", 2), ("99.99", 3), ("10000.01", 5))]  # fmt: skip
    p = payment_record(actor=cast.finance1, customer=invoices[0].customer, amount=D("1500.00"), currency="CNY",
                       received_on=date(2026, 6, 20), bank_reference="ICBC-42")  # fmt: skip
    payment_allocate(payment=p, actor=cast.finance1, amounts={invoices[0].pk: D("1234.56"), invoices[1].pk: D("50.00")})
    expected_closing = D("1234.56") + D("99.99") + D("10000.01") - D("1500.00")  # 9834.56
    client.force_login(cast.finance1)
    query = "?start=2026-06-01&end=2026-07-15&currency=CNY"
    customer = invoices[0].customer
    page = client.get(reverse("receivables:statement", args=[customer.pk]) + query).content.decode()
    assert re.search(r'id="statement-closing">.*?9,834\.56', page)
    pdf = text_of_pdf(client.get(reverse("receivables:statement-pdf", args=[customer.pk]) + query).content)
    assert "9,834.56" in pdf and "11,334.56" in pdf and "1,500.00" in pdf and "对账单" in pdf
    workbook = load_workbook(
        io.BytesIO(
            b"".join(client.get(reverse("receivables:statement-xlsx", args=[customer.pk]) + query).streaming_content)
        )
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert D(str(rows[-1][5])) == expected_closing and D(str(rows[-1][3])) == D("11334.56")
    # aging: open 0 + 49.99 + 10000.01 − the 215.44 credit is not netted (it stays on the payment)
    aging = client.get(reverse("receivables:aging")).content.decode()
    assert "10,050.00" in aging
    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("receivables:aging-export")).streaming_content)))
    totals = list(workbook["Totals"].iter_rows(values_only=True))
    assert D(str(totals[1][7])) == D("10050.00")


def test_aging_buckets_and_base_currency(client, cast):
    make_invoice(cast, amount=D("100.00"), due_on=date(2026, 7, 20))  # current
    make_invoice(cast, amount=D("200.00"), due_on=date(2026, 7, 1))  # 14 days
    make_invoice(cast, amount=D("300.00"), due_on=date(2026, 5, 31))  # 45 days
    make_invoice(cast, amount=D("400.00"), due_on=date(2026, 4, 30))  # 76 days
    make_invoice(cast, amount=D("500.00"), due_on=date(2026, 1, 1))  # > 90
    make_invoice(cast, amount=D("1000.00"), due_on=date(2026, 1, 1), currency="USD")
    from receivables import reports
    from receivables.models import Instalment

    client.force_login(cast.gm)
    page = client.get(reverse("receivables:aging")).content.decode()
    assert "No exchange rate stored for USD" in page
    ExchangeRate.objects.create(currency="USD", valid_from=date(2026, 1, 1), rate=D("7.100000"))
    ExchangeRate.objects.create(currency="USD", valid_from=date(2026, 8, 1), rate=D("9"))  # not yet valid
    totals = reports.aging_totals(Instalment.objects.all(), TODAY)
    cny = next(c for c in totals["currencies"] if c["invoice__currency"] == "CNY")
    assert [cny[k] for k in ("current", "d30", "d60", "d90", "over90")] == [
        D("100"),
        D("200"),
        D("300"),
        D("400"),
        D("500"),
    ]
    assert totals["base"]["over90"] == D("7600.00") and totals["base"]["total"] == D("8600.00")
    rows = reports.aging_rows(reports.aging(Instalment.objects.all(), TODAY, "team"), "team")
    assert {r["currency"]: r["total_base"] for r in rows} == {"CNY": D("1500.00"), "USD": D("7100.00")}


def test_each_aging_bucket_links_to_the_invoices_open_in_it(client, cast):
    """The bucket totals on the aging page open the invoice list narrowed to that bucket (and to the
    page's salesperson or team); each invoice is listed under the bucket its open money is in."""
    by_bucket = {
        "current": make_invoice(cast, amount=D("100.00"), due_on=date(2026, 7, 20)),
        "d30": make_invoice(cast, amount=D("200.00"), due_on=date(2026, 7, 1)),  # 14 days
        "d60": make_invoice(cast, amount=D("300.00"), due_on=date(2026, 5, 31)),  # 45 days
        "d90": make_invoice(cast, amount=D("400.00"), due_on=date(2026, 4, 30)),  # 76 days
        "over90": make_invoice(cast, amount=D("500.00"), due_on=date(2026, 1, 1)),
    }
    of_sales2 = make_invoice(cast, salesperson=cast.sales2, customer=cast.customer_of_sales2, due_on=date(2026, 5, 31))
    paid = make_invoice(cast, amount=D("50.00"), due_on=date(2026, 5, 31))
    payment = payment_record(actor=cast.finance1, customer=paid.customer, amount=D("50"), currency="CNY",
                             received_on=date(2026, 7, 1))  # fmt: skip
    payment_allocate(payment=payment, actor=cast.finance1, amounts={paid.pk: D("50")})
    client.force_login(cast.gm)
    page = client.get(reverse("receivables:aging") + f"?salesperson={cast.sales1.pk}").content.decode()
    listed = {}
    for key in by_bucket:
        link = re.search(rf'id="bucket-{key}" href="([^"]+)"', page).group(1)
        assert link == reverse("receivables:list") + f"?aging={key}&amp;salesperson={cast.sales1.pk}"
        response = client.get(unescape(link))
        listed[key] = {invoice.pk for invoice in response.context["invoices"]}
    assert listed == {key: {invoice.pk} for key, invoice in by_bucket.items()}
    d60 = {i.pk for i in client.get(reverse("receivables:list") + "?aging=d60").context["invoices"]}
    assert d60 == {by_bucket["d60"].pk, of_sales2.pk}  # the paid one has nothing open
    response = client.get(reverse("receivables:list") + "?aging=d60")
    assert ("Aging", "31–60 days") in response.context["active_filters"]
    assert '<input type="hidden" name="aging" value="d60">' in response.content.decode()  # kept by the filters
    everything = client.get(reverse("receivables:list") + "?aging=nonsense").context["invoices"]
    assert len(everything) == 7  # an unknown bucket narrows nothing


def test_detail_pages_queries_do_not_grow_with_payments_and_reminders(client, cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from receivables.jobs import run_dunning

    invoice = make_invoice(cast, amount=D("1000.00"), due_on=date(2026, 6, 1))
    payment = payment_record(actor=cast.finance1, customer=invoice.customer, amount=D("500"), currency="CNY",
                             received_on=TODAY)  # fmt: skip
    payment_allocate(payment=payment, actor=cast.finance1, amounts={invoice.pk: D("1")})
    run_dunning(day=date(2026, 7, 13))
    client.force_login(cast.assistant1)
    urls = [invoice.get_absolute_url(), payment.get_absolute_url()]
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    for n in range(8):
        payment_allocate(payment=payment, actor=cast.finance1, amounts={invoice.pk: D("1")})
        other = payment_record(actor=cast.finance1, customer=invoice.customer, amount=D("5"), currency="CNY",
                               received_on=TODAY)  # fmt: skip
        payment_allocate(payment=other, actor=cast.finance1, amounts={invoice.pk: D("5")})
        run_dunning(day=date(2026, 7, 14 + n))
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)
    assert max(counts.values()) <= 20, counts


def test_invoice_list_search_filters_and_htmx_fragment(client, cast):
    overdue = make_invoice(cast, due_on=date(2026, 7, 1))
    current = make_invoice(cast, due_on=date(2026, 8, 1))
    draft = make_invoice(cast, due_on=date(2026, 7, 1), issued=False)  # not issued: nobody owes it yet
    assert draft.instalments.filter(stored_open__gt=0, due_on__lt=TODAY).exists()
    client.force_login(cast.sales1)
    page = client.get(reverse("receivables:list") + "?overdue=1").content.decode()
    assert overdue.number in page and current.number not in page and draft.number not in page
    page = client.get(reverse("receivables:list") + f"?q={current.order.customer_po}").content.decode()
    assert current.number in page and overdue.number not in page
    fragment = client.get(reverse("receivables:list") + "?q=INV", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and overdue.number in fragment


@pytest.mark.parametrize("sort", ["number", "-date", "customer", "salesperson", "status", "-total", "open", "-open"])
def test_invoice_list_sorts(client, cast, sort):
    small = make_invoice(cast, amount=D("10.00"))
    big = make_invoice(cast, amount=D("9000.00"))
    client.force_login(cast.gm)
    page = client.get(reverse("receivables:list") + f"?sort={sort}").content.decode()
    assert small.number in page and big.number in page
    if sort in ("open", "-open"):
        first, second = (small, big) if sort == "open" else (big, small)
        assert page.index(first.number) < page.index(second.number)


def _broken_links(client, url: str) -> list[str]:
    """Every same-site link on the page that answers 404 for this user."""
    html = client.get(url).content.decode()
    client.raise_request_exception = False  # another module's page failing is its own tests' business
    hrefs = {h for h in re.findall(r'href="(/[^"#?]*)', html) if not h.startswith(("/static/", "/media/"))}
    broken = sorted(h for h in hrefs if client.get(h).status_code == 404)
    client.raise_request_exception = True
    return broken


@pytest.mark.parametrize("who", VISIBLE)
def test_no_page_links_to_a_record_that_is_a_404_for_the_reader(client, cast, data, who):
    # finance reads every account and invoice, but not the customer file nor the order behind them
    invoice, draft, payment = data
    client.force_login(getattr(cast, who))
    for url in object_urls(invoice, payment, invoice.customer)[:3]:
        assert _broken_links(client, url) == [], url
    page = client.get(reverse("receivables:customer", args=[invoice.customer_id])).content.decode()
    assert (f'href="{invoice.customer.get_absolute_url()}"' in page) is (who != "finance1")
    page = client.get(reverse("receivables:detail", args=[invoice.pk])).content.decode()
    assert (f'href="{invoice.order.get_absolute_url()}"' in page) is (who != "finance1")


def test_assistant_records_payments_only_for_assigned_customers_and_for_their_owner(client, cast):
    """SPEC §1: an assistant works for a salesperson they serve, on the customers assigned to them. A
    payment's salesperson is its customer's owner, so the picker names the owner instead of a
    separate salesperson step; a customer of a served salesperson not assigned to them is refused."""
    client.force_login(cast.assistant2)  # serves sales1 and sales2
    found = client.get(reverse("receivables:customer-lookup"), {"q": "T-"}).json()["results"]
    texts = {r["id"]: r["text"] for r in found}
    assert set(texts) == {cast.customer_shared.pk, cast.customer_of_assistant2.pk, cast.customer_of_sales2.pk}
    assert str(cast.sales1) in texts[cast.customer_of_assistant2.pk]
    assert str(cast.sales2) in texts[cast.customer_of_sales2.pk]
    body = {"amount": "100", "currency": "CNY", "received_on": "2026-07-10", "method": "tt"}
    response = client.post(reverse("receivables:payment-create"), {**body, "customer": cast.customer_unassigned.pk})
    assert response.status_code == 200 and not Payment.objects.exists()
    client.post(reverse("receivables:payment-create"), {**body, "customer": cast.customer_of_sales2.pk})
    assert Payment.objects.get().salesperson == cast.sales2

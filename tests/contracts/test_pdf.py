"""The contract PDF: contract number, the customer's Chinese name and the amount in Chinese upper-case."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from django.urls import reverse
from pypdf import PdfReader

from contracts import services
from contracts.documents import amount_in_chinese
from contracts.models import Contract
from customers.models import Company
from tests.conftest import require
from tests.contracts.factories import make_contract

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "")


def test_amount_in_words():
    assert amount_in_chinese(Decimal("123456.78")) == "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"
    assert amount_in_chinese(Decimal("100000.00")) == "壹拾万元整"


def test_pdf_text(client, cast):
    customer = cast.customer_of_assistant1
    Company.objects.filter(pk=customer.pk).update(
        name="上海精密机械有限公司", name_en="Shanghai Precision Machinery Co., Ltd."
    )
    # 20 lines adding up to 123,456.78: 19 × 6,172.80 + 6,173.58
    lines = [(f"LED 面板灯 型号 {n}", 10, "617.28") for n in range(1, 20)] + [("运费及保险 Freight", 1, "6173.58")]
    contract = make_contract(cast.sales1, customer, maker=cast.assistant1, status=Contract.Status.SIGNED, lines=lines)
    assert contract.amount == Decimal("123456.78")
    services.amendment_create(contract=contract, actor=cast.sales1, changes="交货期改为 2027-01-15", reason="客户要求")
    client.force_login(cast.sales1)
    response = client.get(reverse("contracts:pdf", args=[contract.pk]))
    assert response.status_code == 200
    text = text_of(response.content)
    assert contract.number in text
    assert "上海精密机械有限公司" in text
    assert "壹拾贰万叁仟肆佰伍拾陆元柒角捌分" in text
    assert "第1次更改" in text and "AmendmentNo.1" in text
    assert "销售合同" in text and "SALESCONTRACT" in text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "contract.pdf").write_bytes(response.content)
    pdftoppm = shutil.which("pdftoppm")
    require(pdftoppm is not None, "pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(ARTIFACTS / "contract.pdf"),
         str(ARTIFACTS / "contract-page1")],
        check=True,
    )  # fmt: skip
    assert (ARTIFACTS / "contract-page1.png").stat().st_size > 10_000


def test_non_cny_has_figures_only(client, cast):
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, currency="USD", amount="5000.00")
    client.force_login(cast.sales1)
    text = text_of(client.get(reverse("contracts:pdf", args=[contract.pk])).content)
    assert "USD" in text and "5,000.00" in text and "大写" not in text

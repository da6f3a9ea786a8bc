"""Pages and exports of samples for manage.py bench (core/bench.py)."""

from django.urls import reverse

from core.bench import Page, _deep, _detail

PAGES: list = [
    Page("samples: list", lambda user: reverse("samples:list")),
    Page("samples: list, deep page", _deep("samples:list", "samples.SampleRequest")),
    Page("samples: list, search", lambda user: reverse("samples:list") + "?q=SF"),
    Page("samples: detail", _detail("samples:detail", "samples.SampleRequest")),
    Page("samples: feedback due", lambda user: reverse("samples:follow-ups")),
    Page("samples: conversion per customer", lambda user: reverse("samples:conversion") + "?by=customer"),
    Page("samples: conversion per product", lambda user: reverse("samples:conversion") + "?by=product"),
    Page("samples: courier reconciliation", lambda user: reverse("samples:couriers")),
    Page("samples: loans", lambda user: reverse("samples:loan-list")),
    Page("samples: sample register", lambda user: reverse("samples:item-list")),
]
EXPORTS: list = [
    ("samples: Excel of all sample requests", "gm", "samples:export"),
    ("samples: courier reconciliation Excel", "gm", "samples:couriers-export"),
]

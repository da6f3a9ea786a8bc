"""Walk every URL pattern of a URLconf and prove that records outside a user's scope stay hidden.

Nobody keeps a list of URLs here: the patterns come from the URL resolver, the model behind an
object URL from the view (its ``model``, or the model of its ``get_queryset()``), and what a user
may see from that model's own ``visible_to(user)`` (pinned by the scope tests). For each URL
with an object id and each user, a record the user may NOT see is requested by GET and by a
forged POST: the answer must be 404 (405 where the view does not take that method), never a page,
never a 500, and the POST must change nothing. A record the user may see must not give a 500.
Anonymous requests must be sent to the login page.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

SKIP_NAMESPACES = {"admin"}
# Public or session pages that hold no records: login, logout, password reset, language.
SKIP_PREFIXES = ("accounts/", "i18n/", "healthz", "_uploads")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str
    view_class: type | None
    kwargs: tuple[str, ...]


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    checked_objects: set[str] = field(default_factory=set)

    def add(self, problem: str) -> None:
        self.problems.append(problem)


def _panels() -> list[str]:
    from core.dashboard_exports import PANELS_BY_KIND

    return sorted({panel for panels in PANELS_BY_KIND.values() for panel in panels}) + ["no-such-panel"]


# Routes whose kwargs choose among named things, not records: each value is requested as every
# user and must never answer 5xx (who may have which one is tested with the view). A new route
# with a non-record kwarg fails the walk until it is declared here.
NAMED_VARIANTS: dict[str, dict[str, Callable[[], list[str]]]] = {
    "dashboard-export": {"panel": _panels},
}


def routes(urlconf: str | None = None) -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIP_NAMESPACES:
                    continue
                ns = ":".join(filter(None, [namespace, pattern.namespace])) or None
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if route.startswith(SKIP_PREFIXES):
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                kwargs = tuple(getattr(pattern.pattern, "converters", {}).keys())
                found.append(Route(name, route, getattr(pattern.callback, "view_class", None), kwargs))

    walk(get_resolver(urlconf).url_patterns, "", None)
    return found


def view_model(route: Route, user) -> type[models.Model] | None:
    """The model whose ``pk`` the URL names: the view's ``model``, else its queryset's model."""
    view_class = route.view_class
    if view_class is None:
        return None
    model = getattr(view_class, "model", None)
    if model is not None:
        return model
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    if hasattr(view_class, "get_queryset"):
        request = RequestFactory().get("/")
        request.user = user
        view = view_class()
        view.setup(request, **dict.fromkeys(route.kwargs, 0))
        with contextlib.suppress(Exception):
            return view.get_queryset().model
    return None


def child_id(parent_model, parent_pk, kwarg: str) -> int:
    """An id for a nested kwarg such as ``attachment_pk``: a child of the given parent if any."""
    stem = kwarg.removesuffix("_pk").removesuffix("_id").replace("_", "")
    for model in apps.get_models():
        if stem not in model._meta.model_name:
            continue
        for f in model._meta.get_fields():
            if isinstance(f, models.ForeignKey) and f.related_model is parent_model:
                pk = model.objects.filter(**{f.name: parent_pk}).values_list("pk", flat=True).first()
                if pk is None:
                    pk = model.objects.values_list("pk", flat=True).first()
                return pk or 1
    return 1


def url_for(route: Route, model, pk, urlconf: str | None) -> str:
    kwargs = {}
    for name in route.kwargs:
        kwargs[name] = pk if name == "pk" else child_id(model, pk, name)
    return reverse(route.name, kwargs=kwargs, urlconf=urlconf)


def snapshot(model, pk) -> tuple:
    row = model.objects.filter(pk=pk).values().first()
    counts = tuple(m.objects.count() for m in apps.get_models() if m._meta.app_label in PROJECT_APPS)
    return (row, counts)


PROJECT_APPS = {"customers", "orders", "contracts", "receivables", "expenses", "samples", "travel", "scoping"}


def pick_ids(model, user) -> tuple[object | None, object | None]:
    """One record the user may not see (another team's when there is one) and one they may see."""
    visible = model.objects.visible_to(user)
    hidden = model.objects.exclude(pk__in=visible.values("pk"))
    salesperson = next(
        (f.name for f in model._meta.get_fields() if f.name == "salesperson" and isinstance(f, models.ForeignKey)),
        None,
    )
    forbidden = None
    if salesperson and user.team_id:
        forbidden = hidden.exclude(**{f"{salesperson}__team": user.team_id}).values_list("pk", flat=True).first()
    if forbidden is None:
        forbidden = hidden.values_list("pk", flat=True).first()
    allowed = visible.values_list("pk", flat=True).first()
    return forbidden, allowed


def crawl(user, *, urlconf: str | None = None, only: set[str] | None = None) -> Findings:
    """Crawl as ``user`` (None: anonymous); ``only`` limits the walk to the named routes."""
    if urlconf is None:
        return _crawl(user, None, only)
    with override_settings(ROOT_URLCONF=urlconf):
        return _crawl(user, urlconf, only)


def _crawl(user, urlconf: str | None, only: set[str] | None) -> Findings:
    findings = Findings()
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    login_url = resolve_url(settings.LOGIN_URL)
    for route in routes(urlconf):
        if only is not None and route.name not in only:
            continue
        if user is None:
            url = reverse(route.name, kwargs=dict.fromkeys(route.kwargs, 1), urlconf=urlconf)
            response = client.get(url)
            findings.requests += 1
            if response.status_code != 302 or not response["Location"].startswith(login_url):
                findings.add(f"anonymous GET {url} ({route.name}) answered {response.status_code}, not the login page")
            continue
        if not route.kwargs or route.name in NAMED_VARIANTS:
            variants = NAMED_VARIANTS.get(route.name, {})
            choices = [{name: value for name, value in zip(variants, values, strict=True)}
                       for values in itertools.product(*(make() for make in variants.values()))]  # fmt: skip
            for kwargs in choices or [{}]:
                url = reverse(route.name, kwargs=kwargs, urlconf=urlconf)
                response = client.get(url)
                findings.requests += 1
                if response.status_code >= 500:
                    findings.add(f"{user} GET {url} ({route.name}) answered {response.status_code}")
            continue
        model = view_model(route, user)
        if model is None or not hasattr(model.objects, "visible_to"):
            findings.add(f"{route.name}: cannot tell which scoped model its id names (declare `model` on the view)")
            continue
        forbidden, allowed = pick_ids(model, user)
        if allowed is not None:
            url = url_for(route, model, allowed, urlconf)
            response = client.get(url)
            findings.requests += 1
            if response.status_code >= 500:
                findings.add(f"{user} GET {url} ({route.name}, in scope) answered {response.status_code}")
            role_refused = response.status_code in (403, 404)
        else:
            role_refused = False
        if forbidden is None:
            continue
        findings.checked_objects.add(f"{route.name}:{model._meta.label}")
        url = url_for(route, model, forbidden, urlconf)
        for method in ("get", "post"):
            before = snapshot(model, forbidden) if method == "post" else None
            response = getattr(client, method)(url)
            findings.requests += 1
            code = response.status_code
            # 403/404 for a role that may not use the view at all (the same answer for a record it
            # may see) reveals nothing; anything else for an out-of-scope record must be 404/405.
            if code not in (404, 405) and not (code == 403 and role_refused):
                findings.add(f"{user} {method.upper()} {url} ({route.name}, out of scope) answered {code}")
            if method == "post" and snapshot(model, forbidden) != before:
                findings.add(f"{user} POST {url} ({route.name}, out of scope) changed data")
    return findings


DEMO_USERS = [
    "gm",
    "manager1",
    "manager2",
    "sales1",
    "sales2",
    "sales3",
    "assistant1",
    "assistant2",
    "assistant3",
    "finance1",
]

"""Security headers on every response: a strict Content-Security-Policy (no inline scripts or
styles), X-Frame-Options, X-Content-Type-Options and Referrer-Policy; and templates that keep
to the policy (no inline scripts, no on<event>= handlers, no javascript: URLs, no style="").

The URL walk reuses the access crawler's resolver walk (tests/security/crawler.py): every URL
pattern of the project is fetched as the GM, with a record the GM may see, so a page added
tomorrow is checked without anyone listing it here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.seed import DEMO_PASSWORD, seed_all
from tests.security.crawler import pick_ids, routes, url_for, view_model

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
# WeasyPrint renders these to PDF on the server; no browser ever loads them as a page.
NOT_SERVED = ("pdf/", "reports/email/")


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def header_problems(response, label: str) -> list[str]:
    problems = []
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in expected.items():
        if response.headers.get(name) != value:
            problems.append(f"{label}: {name} is {response.headers.get(name)!r}, not {value!r}")
    if response.headers.get("Content-Type", "").startswith("application/pdf"):
        # Exempt on purpose (core/pdf.py): Chrome's PDF viewer is an <embed> that object-src 'none' blocks.
        return problems
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return [*problems, f"{label}: no Content-Security-Policy"]
    policy = directives(csp)
    want = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for directive, sources in want.items():
        if policy.get(directive) != sources:
            problems.append(f"{label}: {directive} is {policy.get(directive)}, not {sources} ({csp})")
    return problems


def test_the_policy_is_strict():
    response = Client().get(reverse("login"))
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"] and policy["font-src"] == ["'self'"]
    assert header_problems(response, "login") == []


@pytest.fixture
def demo(db):
    from core.models import Export

    seed_all(scale=1)
    Export.objects.create(owner=User.objects.get(username="gm"), view_name="orders:export", title="Orders")


@pytest.mark.walk
def test_every_url_carries_the_security_headers(demo):
    """GET every URL pattern as the GM (records the GM may see; 404 where there is none)."""
    gm = User.objects.get(username="gm")
    client = Client(raise_request_exception=False)
    client.force_login(gm)
    problems, statuses, pdfs = [], {}, []
    all_routes = routes()
    for route in all_routes:
        if route.kwargs:
            model = view_model(route, gm)
            pk = pick_ids(model, gm)[1] if model is not None and hasattr(model.objects, "visible_to") else None
            url = url_for(route, model, pk or 999999, None)
        else:
            url = reverse(route.name)
        response = client.get(url)
        statuses.setdefault(response.status_code, []).append(route.name)
        if response.status_code >= 500:
            problems.append(f"GET {url} ({route.name}) answered {response.status_code}")
        if response.headers.get("Content-Type") == "application/pdf":
            pdfs.append(route.name)
            if "Content-Security-Policy" in response:
                problems.append(f"GET {url}: a PDF with a Content-Security-Policy breaks Chrome's PDF viewer")
        problems += header_problems(response, f"GET {url} ({route.name}, {response.status_code})")
    assert not problems, "\n".join(problems)
    assert len(statuses.get(200, [])) > len(all_routes) // 2, statuses
    assert set(statuses) - {200, 302, 400, 404, 405} == set(), statuses
    assert "orders:quotation-pdf" in pdfs, pdfs  # PDFs are exempt from the policy (core/pdf.py)


@pytest.mark.walk
def test_error_redirect_and_admin_pages_carry_the_headers(demo, settings):
    problems = []
    anonymous = Client()
    response = anonymous.get(reverse("orders:list"))
    assert response.status_code == 302
    problems += header_problems(response, "anonymous redirect to login")
    response = anonymous.get("/no-such-page/")
    assert response.status_code == 404
    problems += header_problems(response, "404 page")
    response = anonymous.get(reverse("admin:login"))
    assert response.status_code == 200
    problems += header_problems(response, "admin login")

    strict = Client(enforce_csrf_checks=True)  # the CSRF failure page (403)
    response = strict.post(reverse("login"), {"username": "gm", "password": "x"})
    assert response.status_code == 403
    problems += header_problems(response, "CSRF failure 403")

    admin = User.objects.create_superuser("csp-admin", "csp-admin@example.com", DEMO_PASSWORD)
    staff = Client()
    staff.force_login(admin)
    company = User.objects.get(username="sales1")
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[company.pk]),
        reverse("admin:accounts_user_history", args=[company.pk]),
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
        problems += header_problems(response, f"admin {url}")

    settings.AXES_FAILURE_LIMIT = 2  # the 429 lock-out page
    for _ in range(2):
        response = anonymous.post(reverse("login"), {"username": "sales1", "password": "wrong"})
    assert response.status_code == 429
    problems += header_problems(response, "429 lock-out page")
    assert not problems, "\n".join(problems)


# --- Templates keep to the policy ---------------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""<[a-zA-Z][^<>]*?\s(on[a-z]+)\s*=\s*["'{]""", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""javascript\s*:""", re.IGNORECASE)
HTMX_EVAL = re.compile(r"""\shx-on[:-]|hx-vals\s*=\s*["']\s*js:|\shx-vars\s*=""", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""<[a-zA-Z][^<>]*?\sstyle\s*=""", re.IGNORECASE | re.DOTALL)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)


def served_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not path.relative_to(TEMPLATES).as_posix().startswith(NOT_SERVED)
    ]


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def inline_code_problems(text: str, where: str) -> list[str]:
    # {% ... %} tags hold comparisons such as `>=` that would end a tag too early for the regexes;
    # a tag of the same length keeps every offset (and so every line number) where it was.
    text = re.sub(r"{%.*?%}", lambda m: "{" + "x" * (len(m.group(0)) - 2) + "}", text, flags=re.DOTALL)
    problems = []
    for m in SCRIPT_TAG.finditer(text):
        attrs = m.group(1)
        if re.search(r"\ssrc\s*=", attrs) or re.search(r"""type\s*=\s*["']application/json["']""", attrs):
            continue
        problems.append(f"{where}:{line_of(text, m.start())}: inline <script> without src")
    for pattern, what in (
        (EVENT_HANDLER, "inline event handler"),
        (JS_URL, "javascript: URL"),
        (HTMX_EVAL, "htmx attribute that needs eval"),
        (STYLE_ATTR, 'style="" attribute (use a class in static/css)'),
        (STYLE_TAG, "inline <style>"),
    ):
        for m in pattern.finditer(text):
            problems.append(f"{where}:{line_of(text, m.start())}: {what}: {m.group(0)[:80]!r}")
    return problems


def test_no_template_has_inline_scripts_handlers_or_styles():
    paths = served_templates()
    assert len(paths) > 100
    problems = [
        problem
        for path in paths
        for problem in inline_code_problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">x()</script>',
        '<select onchange="this.form.submit()">',
        '<a href="javascript:void(0)">',
        '<button hx-on:click="alert(1)">',
        '<div class="x" style="width: 5%">',
        "<style>p{}</style>",
    ],
)
def test_the_template_scan_catches(snippet):
    problems = inline_code_problems(f"{{% load i18n %}}\n<div>\n{snippet}\n</div>\n", "probe.html")
    assert problems and all(problem.startswith("probe.html:3:") for problem in problems), problems


def test_the_template_scan_allows_external_scripts_and_json_data():
    text = (
        '<script src="/static/x.js"></script>\n<script id="d" type="application/json">{}</script>\n'
        '{% if a >= 1 %}<div class="{% if b > 2 %}x{% endif %}" data-autosubmit>{% endif %}\n'
    )
    assert inline_code_problems(text, "probe.html") == []


# --- Templates never mark user input safe --------------------------------------------------------

PROJECT_CODE_DIRS = [
    "accounts", "config", "contracts", "core", "customers", "expenses", "orders", "receivables",
    "reports", "samples", "travel",
]  # fmt: skip
UNSAFE_TEMPLATE = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off\s*%}")
# Every allowed use, each checked by hand. A new one fails the test until it is proven safe and added.
TEMPLATE_ALLOWLIST = {
    # Plain-text e-mail bodies and subjects (send_mail without html_message, and Django's
    # PasswordResetForm without html_email_template_name): no HTML is ever rendered, and escaping
    # would put &amp; and &#x27; into the mail.
    "templates/registration/password_reset_email.html",
    "templates/*/email/*.txt",
}
PYTHON_ALLOWLIST = {
    # money filter: format_html escapes both the currency and the formatted number.
    ("core/templatetags/backdesk.py", "format_html"): 1,
}
SAFE_MAKERS = {"mark_safe", "SafeString", "SafeText", "format_html", "html_safe"}


def allowed_template(relative: str) -> bool:
    return any(Path(relative).match(pattern) for pattern in TEMPLATE_ALLOWLIST)


def test_no_template_marks_output_safe():
    problems = []
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file() or path.suffix not in {".html", ".txt", ".xml"}:
            continue
        relative = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        for m in UNSAFE_TEMPLATE.finditer(text):
            if m.group(0).startswith("|") or not allowed_template(relative):
                problems.append(f"{relative}:{line_of(text, m.start())}: {m.group(0)}")
    assert not problems, "\n".join(problems)


def safe_maker_calls(source: str) -> list[tuple[str, int, str]]:
    """(name, line, problem or "") for each call that makes a SafeString."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in SAFE_MAKERS:
                continue
            problem = ""
            if name == "format_html":
                template = node.args[0] if node.args else None
                if not isinstance(template, ast.Constant) or not isinstance(template.value, str):
                    problem = "format_html's first argument must be a literal (else it is mark_safe in disguise)"
                elif len(node.args) + len(node.keywords) < 2:
                    problem = "format_html without arguments escapes nothing"
            found.append((name, node.lineno, problem))
        elif isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                if (getattr(decorator, "id", None) or getattr(decorator, "attr", None)) == "html_safe":
                    found.append(("html_safe", node.lineno, ""))
        elif isinstance(node, ast.keyword) and node.arg == "is_safe" and getattr(node.value, "value", None) is True:
            found.append(("is_safe", node.value.lineno, ""))
    return found


def test_no_python_code_marks_user_input_safe():
    problems, counts = [], {}
    files = [path for name in PROJECT_CODE_DIRS for path in sorted((ROOT / name).rglob("*.py"))]
    assert len(files) > 50
    for path in files:
        relative = str(path.relative_to(ROOT))
        if "/migrations/" in relative:
            continue
        for name, line, problem in safe_maker_calls(path.read_text(encoding="utf-8")):
            counts[(relative, name)] = counts.get((relative, name), 0) + 1
            if problem:
                problems.append(f"{relative}:{line}: {problem}")
            elif (relative, name) not in PYTHON_ALLOWLIST:
                problems.append(f"{relative}:{line}: {name} (prove it escapes user input, then allow it here)")
    for key, allowed in PYTHON_ALLOWLIST.items():
        if counts.get(key, 0) > allowed:
            problems.append(f"{key[0]}: {counts[key]} uses of {key[1]}, {allowed} checked")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from django.utils.safestring import mark_safe\nx = mark_safe(name)\n", [("mark_safe", 2, "")]),
        (
            'format_html(f"<b>{name}</b>")',
            [("format_html", 1, "format_html's first argument must be a literal (else it is mark_safe in disguise)")],
        ),
        (
            'format_html("<b>{}</b>".format(name))',
            [("format_html", 1, "format_html's first argument must be a literal (else it is mark_safe in disguise)")],
        ),
        ('format_html("<br>")', [("format_html", 1, "format_html without arguments escapes nothing")]),
        ('format_html("<b>{}</b>", name)', [("format_html", 1, "")]),
        ("@register.filter(is_safe=True)\ndef f(v):\n    return v\n", [("is_safe", 1, "")]),
    ],
)
def test_the_python_scan_catches(source, expected):
    assert safe_maker_calls(source) == expected


def test_a_company_name_with_markup_is_shown_escaped(cast, client):
    company = cast.customer_of_assistant1
    type(company).objects.filter(pk=company.pk).update(name="<script>alert(1)</script>")
    client.force_login(cast.gm)
    for url in (reverse("customers:list"), reverse("customers:detail", args=[company.pk])):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<script>alert(1)" not in html, url

"""PDF documents with WeasyPrint: templates/pdf/*.html rendered with local CJK fonts.

Needs Debian's libharfbuzz-subset0 and fonts-noto-cjk (README, 'PDF'); core.checks warns
when they are missing. Templates extend templates/pdf/base.html, which sets the fonts.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML  # imported late: loading pango takes a moment

    html = render_to_string(template_name, {"company_name": settings.COMPANY_NAME, **context}, request=request)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(
    template_name: str, context: dict, *, filename: str, request=None, inline: bool = True
) -> HttpResponse:
    content = render_pdf(template_name, context, request=request)
    response = HttpResponse(content, content_type="application/pdf")
    name = filename if filename.endswith(".pdf") else f"{slugify(filename) or 'document'}.pdf"
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    # No Content-Security-Policy on a PDF: Chrome shows an inline PDF in an internal <embed>
    # that object-src 'none' would block (crbug.com/271452). A PDF runs none of our scripts.
    response._csp_exempt = True
    return response

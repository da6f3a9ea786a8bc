"""A database error while saving a form is a clear message, never a 500, and nothing is kept.

Every POST runs its view in one transaction: when the database refuses a write (a unique or check
constraint, a value out of range, a lost connection), everything the view wrote is rolled back
and the user is sent back to the form with "could not be saved, nothing was changed". The forms
check what they can first (see core.forms); this is the net under them.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import DatabaseError, transaction
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger("backdesk.forms")


class DatabaseErrorMiddleware:
    """Last of the view middlewares: wraps each POST view in ``transaction.atomic``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        try:
            with transaction.atomic():
                return view_func(request, *view_args, **view_kwargs)
        except DatabaseError:
            request.database_error = True
            logger.exception("Database error on POST %s: rolled back", request.path)
            messages.error(
                request,
                _("The form could not be saved because the database refused it: nothing was changed. "
                  "Check the values (a number or a text may be too long) and try again."),
            )  # fmt: skip
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
                back = request.get_full_path()
            return redirect(back)

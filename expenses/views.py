"""Expenses: claim list, form, detail with the actions allowed now, receipt downloads, advances, budgets.

Every claim, line and advance is fetched through ``visible_to(user)`` (``ScopedMixin``), so one
outside the user's scope is a 404 on every URL; writes go through ``expenses.services``.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.audit import visible_history
from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column
from core.forms import add_error
from core.list_exports import ListExportMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.uploads import file_response
from customers.models import Company
from travel.models import Trip

from . import services
from .budgets import claim_budget_usage, usage_for
from .forms import (
    AdvanceForm,
    ApproveForm,
    ClaimFilterForm,
    ClaimForm,
    CommentForm,
    LineForm,
    PayForm,
    RepayForm,
    ReturnForm,
    ReviewForm,
    SettleForm,
)
from .models import Advance, Budget, Claim, ClaimLine, cents, totals_by_currency
from .queues import waiting_q

Status = Claim.Status
STATUS_RANK = Case(
    *[When(status=value, then=Value(rank)) for rank, value in enumerate(Status.values)], output_field=IntegerField()
)
SORTS = {
    "number": ("number",),
    "created": ("created_at", "pk"),
    "claimant": ("claimant__username", "pk"),
    "kind": ("kind", "pk"),
    "status": ("status_rank", "pk"),
    "submitted": ("submitted_at", "pk"),
}
DEFAULT_SORT = "-created"


def can_file(user) -> bool:
    return services.claimants_for(user).exists()


class ClaimListView(ScopedMixin, HtmxTemplateMixin, ListView):
    model = Claim
    template_name = "expenses/claim_list.html"
    fragment_template_name = "expenses/_claim_rows.html"
    paginate_by = 50
    context_object_name = "claims"

    def get_filter_form(self) -> ClaimFilterForm:
        if not hasattr(self, "_filter_form"):
            params = self.request.GET.copy()
            for key in ("page", "sort"):
                params.pop(key, None)
            self._filter_form = ClaimFilterForm(params or None, user=self.request.user)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def waiting_for(self, qs):
        """Claims on which the user is the next to act (the same rule as the home section)."""
        user = self.request.user
        return qs.filter(waiting_q(user)).exclude(~Q(status=Status.RETURNED), claimant=user)

    def get_queryset(self):
        qs = super().get_queryset().select_related("claimant", "trip")
        data = getattr(self.get_filter_form(), "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            qs = qs.filter(
                Q(number__icontains=text)
                | Q(purpose__icontains=text)
                | Q(claimant__username__icontains=text)
                | Q(claimant__display_name__icontains=text)
                | Q(pk__in=ClaimLine.objects.filter(receipt_number__icontains=text).values("claim_id"))
            )
        status = data.get("status")
        if status == "to_act":
            qs = self.waiting_for(qs)
        elif status == "open":
            qs = qs.filter(status__in=(Status.SUBMITTED, Status.REVIEWED, Status.APPROVED, Status.RETURNED))
        elif status == "reused":
            # Read once, as keys: few claims reuse a receipt, and as a subquery PostgreSQL re-ran the
            # grouping for every claim it walked in the page's order (17 s at 10,000 claims).
            reused = ClaimLine.objects.reused_anywhere().order_by().values_list("claim_id", flat=True)
            qs = qs.filter(pk__in=list(reused.distinct()))
        elif status:
            qs = qs.filter(status=status)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("claimant"):
            qs = qs.filter(claimant=data["claimant"])
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" for f in order)
        return qs.annotate(status_rank=STATUS_RANK).order_by(*order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claims = list(context["claims"])
        # Totals of the page's claims per currency: one grouped query for the page.
        totals: dict[int, list] = {}
        rows = (
            ClaimLine.objects.filter(claim__in=[c.pk for c in claims])
            .values("claim_id", "currency")
            .annotate(total=Sum("amount"), n=Count("pk"))
            .order_by("claim_id", "currency")
        )
        for row in rows:
            totals.setdefault(row["claim_id"], []).append((row["currency"], cents(row["total"])))
        # Reused receipts of the page's claims only: PostgreSQL plans a correlated EXISTS on the
        # whole list as one scan of every claim line (76 ms at 30,000 lines); this is an index probe
        # per line of the page.
        reused = set(
            ClaimLine.objects.filter(claim__in=[c.pk for c in claims]).reused().values_list("claim_id", flat=True)
        )
        for claim in claims:
            claim.page_totals = totals.get(claim.pk, [])
            claim.has_reused = claim.pk in reused
        form = self.get_filter_form()
        context.update(
            claims=claims,
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            can_create=can_file(self.request.user),
        )
        return context


class ClaimExportView(BackgroundExportMixin, ClaimListView):
    """The claim list as Excel: same scope, filters and sort; one row per claim and currency.
    Finance's list holds every claim: past settings.EXPORT_INLINE_MAX_ROWS a worker builds it."""

    export_title = gettext_lazy("Expense claims")

    def export_row_count(self, request) -> int:
        return self.get_queryset().order_by().count()

    def build_export(self, request):
        claims = self.get_queryset()
        order = [f"claim__{f}" if not f.startswith("-") else f"-claim__{f[1:]}" for f in claims.query.order_by]
        rows = (
            ClaimLine.objects.filter(claim__in=claims.values("pk"))
            .values(
                "claim_id", "claim__number", "claim__claimant__username", "claim__claimant__display_name",
                "claim__kind", "claim__status", "claim__purpose", "claim__trip__number", "claim__submitted_at",
                "currency",
            )
            .annotate(total=Sum("amount"), lines=Count("pk"))
            .order_by(*[o.replace("claim__status_rank", "claim__status") for o in order], "currency")
            .iterator(chunk_size=2000)
        )  # fmt: skip
        kinds, statuses = dict(Claim.Kind.choices), dict(Status.choices)
        tz = timezone.get_current_timezone()
        columns = [
            Column(_("Claim"), lambda r: r["claim__number"], 16),
            Column(_("Claimant"), lambda r: r["claim__claimant__display_name"] or r["claim__claimant__username"], 16),
            Column(_("Kind"), lambda r: str(kinds.get(r["claim__kind"], r["claim__kind"])), 12),
            Column(_("Status"), lambda r: str(statuses.get(r["claim__status"], r["claim__status"])), 12),
            Column(_("Purpose"), lambda r: r["claim__purpose"], 40),
            Column(_("Trip"), lambda r: r["claim__trip__number"] or "", 16),
            Column(
                _("Submitted"),
                lambda r: r["claim__submitted_at"].astimezone(tz).date() if r["claim__submitted_at"] else None,
                12,
                DATE_FORMAT,
            ),
            Column(_("Lines"), lambda r: r["lines"], 8, "0"),
            Column(_("Currency"), lambda r: r["currency"], 8),
            Column(_("Amount"), lambda r: r["total"], 14, MONEY_FORMAT),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"claims-{stamp}.xlsx", [(_("Expense claims"), columns, rows)]


class ClaimCreateView(LoginRequiredMixin, TemplateView):
    template_name = "expenses/claim_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_file(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ClaimForm(user=request.user)))

    def post(self, request, *args, **kwargs):
        form = ClaimForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = services.claim_create(
                    actor=request.user,
                    claimant=data["claimant"],
                    kind=data["kind"],
                    purpose=data["purpose"],
                    trip=data.get("trip"),
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(
                    request, _("Claim %(number)s is a draft: add its lines and receipts.") % {"number": claim.number}
                )
                return redirect(claim.get_absolute_url() + "#add-line")
        return self.render_to_response(self.get_context_data(form=form))


class ClaimEditView(ScopedMixin, SingleObjectMixin, TemplateView):
    model = Claim
    template_name = "expenses/claim_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not services.can_edit(request.user, self.object):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        form = ClaimForm(instance=self.object, user=request.user, claimant=self.object.claimant)
        return self.render_to_response(self.get_context_data(form=form, claim=self.object))

    def post(self, request, *args, **kwargs):
        form = ClaimForm(request.POST, instance=self.object, user=request.user, claimant=self.object.claimant)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.claim_update(
                    claim=self.object,
                    actor=request.user,
                    kind=data["kind"],
                    purpose=data["purpose"],
                    trip=data.get("trip"),
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Claim %(number)s was saved.") % {"number": self.object.number})
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(form=form, claim=self.object))


def history_line_label(line) -> str:
    """How the change history names a line (a historical ClaimLine; no query)."""
    return _("line %(date)s %(category)s %(amount)s %(currency)s") % {
        "date": date_format(line.date, "SHORT_DATE_FORMAT"),
        "category": line.get_category_display(),
        "amount": number_format(line.amount, 2),
        "currency": line.currency,
    }


class ClaimDetailView(ScopedMixin, DetailView):
    model = Claim
    template_name = "expenses/claim_detail.html"
    context_object_name = "claim"

    def get_queryset(self):
        return super().get_queryset().select_related("claimant", "claimant__team", "created_by", "trip", "reviewed_by",
                                                     "approved_by", "paid_by")  # fmt: skip

    def get_context_data(self, forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.object
        user = self.request.user
        forms = forms or {}
        lines = list(claim.lines.with_reuse().select_related("customer"))
        reused_keys = {(line.receipt_key, line.issuer_key) for line in lines if line.reused}
        elsewhere: dict[tuple, list[str]] = {}
        if reused_keys:
            others = (
                ClaimLine.objects.filter(receipt_key__in=[k for k, _i in reused_keys])
                .exclude(claim__status=Status.WITHDRAWN)
                .values_list("receipt_key", "issuer_key", "claim__number")
                .order_by("claim__number")
            )
            for key, issuer, number in others:
                if (key, issuer) in reused_keys:
                    elsewhere.setdefault((key, issuer), []).append(number)
        for line in lines:
            line.also_on = sorted(set(elsewhere.get((line.receipt_key, line.issuer_key), [])) - {claim.number}) or (
                [claim.number] if line.reused else []
            )
        can = {
            "edit": services.can_edit(user, claim),
            "review": services.can_review(user, claim),
            "approve": services.can_approve(user, claim),
            "pay": services.can_pay(user, claim),
            "return": services.can_return(user, claim),
        }
        settle_form = None
        if can["pay"]:
            settle_form = forms.get("settle") or SettleForm(claim=claim)
            if not settle_form.fields["advance"].queryset.exists():
                settle_form = None
        budgets = claim_budget_usage(claim) if claim.status not in (Status.PAID, Status.WITHDRAWN) else []
        pending = claim.status in (Status.SUBMITTED, Status.REVIEWED)
        # finance reads every claim but not every trip or customer file: link only what opens
        customer_ids = {line.customer_id for line in lines if line.customer_id}
        context.update(
            visible_customers=set(
                Company.objects.visible_to(user).filter(pk__in=customer_ids).values_list("pk", flat=True)
            )
            if customer_ids
            else set(),
            can_open_trip=bool(claim.trip_id) and Trip.objects.visible_to(user).filter(pk=claim.trip_id).exists(),
        )
        context.update(
            lines=lines,
            has_reused=any(line.reused for line in lines),
            totals=totals_by_currency((line.currency, line.amount) for line in lines),
            payable=services.claim_payable(claim),
            events=claim.events.select_related("actor"),
            audit_history=visible_history(
                user, claim, children=[(ClaimLine.history.filter(claim_id=claim.pk), history_line_label)]
            ),
            budgets=budgets,
            blockers=services.approval_blockers(claim, budgets) if pending else [],
            can=can,
            line_form=forms.get("line")
            or (LineForm(user=user, claim=claim, initial={"currency": "CNY"}) if can["edit"] else None),
            review_form=forms.get("review") or ReviewForm(),
            approve_form=forms.get("approve") or ApproveForm(),
            return_form=forms.get("return") or ReturnForm(),
            pay_form=forms.get("pay") or PayForm(),
            settle_form=settle_form,
            reviewers=claim.claimant.assistants.filter(is_active=True).order_by("username")
            if claim.status == Status.SUBMITTED
            else [],
            approver=services.approver_of(claim.claimant) if claim.status == Status.REVIEWED else None,
            show_checklist=claim.reviewed_by_id is not None,
            settlements=claim.settlements.select_related("advance"),
        )
        return context


class ClaimPostView(ScopedMixin, SingleObjectMixin, View):
    """Base for the POST actions on a claim: 404 outside scope, the detail page again on an error."""

    model = Claim
    http_method_names = ["post"]

    def rerender(self, **forms):
        view = ClaimDetailView()
        view.setup(self.request, pk=self.object.pk)
        view.object = self.object
        messages.error(self.request, _("Please correct the errors below."))
        return view.render_to_response(view.get_context_data(forms=forms, object=self.object))

    def post(self, request, pk):
        self.object = self.get_object()
        return self.act(request, self.object)


class LineAddView(ClaimPostView):
    def act(self, request, claim):
        if not services.can_edit(request.user, claim):
            raise Http404
        form = LineForm(request.POST, request.FILES, user=request.user, claim=claim)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.line_add(claim=claim, actor=request.user, **data)
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The line was added."))
                return redirect(claim.get_absolute_url() + "#add-line")
        if request.FILES.get("receipt_file") and not form.has_error("receipt_file"):
            form.add_error(None, _("Choose the receipt file again: a browser does not keep it after an error."))
        return self.rerender(line=form)


class LineDeleteView(ScopedMixin, SingleObjectMixin, View):
    model = ClaimLine
    http_method_names = ["post"]

    def post(self, request, pk):
        line = self.get_object()
        try:
            services.line_delete(line=line, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The line was removed."))
        return redirect(line.claim)


class ReceiptView(ScopedMixin, SingleObjectMixin, View):
    model = ClaimLine

    def get(self, request, pk):
        line = self.get_object()  # outside scope: 404
        if not line.receipt_file:
            raise Http404
        try:
            return file_response(
                line.receipt_file,
                filename=line.receipt_name or "receipt",
                content_type=line.receipt_type or None,
                inline=True,
            )
        except FileNotFoundError as error:
            raise Http404 from error


class ClaimActionView(ClaimPostView):
    """submit, withdraw, review, approve, return, pay, settle."""

    def post(self, request, pk, action):
        self.action = action
        return super().post(request, pk)

    def act(self, request, claim):
        user = request.user
        action = self.action
        try:
            if action == "submit":
                claim = services.claim_submit(claim=claim, actor=user)
                messages.success(request, _("Claim %(number)s was submitted.") % {"number": claim.number})
            elif action == "withdraw":
                services.claim_withdraw(claim=claim, actor=user)
                messages.success(request, _("Claim %(number)s was withdrawn.") % {"number": claim.number})
            elif action == "review":
                form = ReviewForm(request.POST)
                form.is_valid()
                try:
                    services.claim_review(claim=claim, actor=user, comment=form.cleaned_data.get("comment", ""),
                                          **form.checklist())  # fmt: skip
                except ValidationError as error:
                    add_error(form, error)
                    return self.rerender(review=form)
                messages.success(request, _("Review passed; the claim goes to the manager."))
            elif action == "approve":
                form = ApproveForm(request.POST)
                form.is_valid()
                try:
                    services.claim_approve(claim=claim, actor=user, **form.cleaned_data)
                except ValidationError as error:
                    add_error(form, error)
                    return self.rerender(approve=form)
                messages.success(
                    request, _("Claim %(number)s was approved; finance will pay it.") % {"number": claim.number}
                )
            elif action == "return":
                form = ReturnForm(request.POST)
                checklist = ReviewForm(request.POST)
                checklist.is_valid()
                if not form.is_valid():
                    return self.rerender(**{"return": form})
                try:
                    services.claim_return(
                        claim=claim,
                        actor=user,
                        comment=form.cleaned_data["comment"],
                        checklist=checklist.checklist() if services.can_review(user, claim) else None,
                    )
                except ValidationError as error:
                    add_error(form, error)
                    return self.rerender(**{"return": form})
                messages.success(
                    request, _("Claim %(number)s was returned to the claimant.") % {"number": claim.number}
                )
            elif action == "pay":
                form = PayForm(request.POST)
                form.is_valid()
                services.claim_pay(claim=claim, actor=user, reference=form.cleaned_data.get("reference", ""))
                messages.success(request, _("Claim %(number)s is marked paid.") % {"number": claim.number})
            elif action == "settle":
                if not services.can_pay(user, claim):
                    raise Http404
                form = SettleForm(request.POST, claim=claim)
                if not form.is_valid():
                    return self.rerender(settle=form)
                try:
                    settlement = services.advance_settle(
                        advance=form.cleaned_data["advance"],
                        claim=claim,
                        actor=user,
                        amount=form.cleaned_data["amount"],
                    )
                except ValidationError as error:
                    add_error(form, error)
                    return self.rerender(settle=form)
                messages.success(
                    request,
                    _("%(amount)s %(currency)s of the advance were settled against this claim.")
                    % {"amount": settlement.amount, "currency": settlement.currency},
                )
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(claim)


# --- advances -------------------------------------------------------------------------------


class AdvanceListView(ScopedMixin, ListView):
    model = Advance
    template_name = "expenses/advance_list.html"
    paginate_by = 50
    context_object_name = "advances"

    def get_queryset(self):
        qs = super().get_queryset().select_related("person")
        status = self.request.GET.get("status", "")
        if status in Advance.Status.values:
            qs = qs.filter(status=status)
        return qs.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scoped = Advance.objects.visible_to(self.request.user)
        context.update(
            outstanding=services.outstanding_by_person(scoped),
            status=self.request.GET.get("status", ""),
            statuses=Advance.Status.choices,
            can_create=can_file(self.request.user),
        )
        return context


class AdvanceExportView(ListExportMixin, AdvanceListView):
    """The advances as Excel: same scope, the same status choice and order."""

    export_title = gettext_lazy("Advances")
    export_name = "advances"

    def export_columns(self):
        return [
            Column(_("Number"), lambda a: a.number, 16),
            Column(_("Borrower"), lambda a: a.person, 16),
            Column(_("Purpose"), lambda a: a.purpose, 36),
            Column(_("Amount"), lambda a: a.amount, 14, MONEY_FORMAT),
            Column(_("Currency"), lambda a: a.currency, 9),
            Column(_("Settled"), lambda a: a.settled_amount, 14, MONEY_FORMAT),
            Column(_("Outstanding"), lambda a: a.outstanding, 14, MONEY_FORMAT),
            Column(_("Status"), lambda a: a.get_status_display(), 14),
            Column(_("Created"), lambda a: a.created_at, 17, "yyyy-mm-dd hh:mm"),
        ]


class AdvanceCreateView(LoginRequiredMixin, TemplateView):
    template_name = "expenses/advance_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_file(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=AdvanceForm(user=request.user, initial={"currency": "CNY"}))
        )

    def post(self, request, *args, **kwargs):
        form = AdvanceForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                advance = services.advance_request(actor=request.user, **data)
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Advance %(number)s was requested.") % {"number": advance.number})
                return redirect(advance)
        return self.render_to_response(self.get_context_data(form=form))


class AdvanceDetailView(ScopedMixin, DetailView):
    model = Advance
    template_name = "expenses/advance_detail.html"
    context_object_name = "advance"

    def get_queryset(self):
        return super().get_queryset().select_related("person", "created_by", "approved_by", "paid_by", "trip")

    def get_context_data(self, forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        advance = self.object
        user = self.request.user
        forms = forms or {}
        context.update(
            events=advance.events.select_related("actor"),
            settlements=advance.settlements.select_related("claim", "actor"),
            can_approve=services.can_approve_advance(user, advance),
            can_pay=advance.status == Advance.Status.APPROVED and services.can_pay_advance(user, advance),
            can_repay=advance.status == Advance.Status.PAID and services.can_pay_advance(user, advance),
            can_cancel=advance.status == Advance.Status.REQUESTED
            and services.claimants_for(user).filter(pk=advance.person_id).exists(),
            comment_form=forms.get("comment") or CommentForm(),
            repay_form=forms.get("repay") or RepayForm(initial={"amount": advance.outstanding or None}),
            can_open_trip=bool(advance.trip_id) and Trip.objects.visible_to(user).filter(pk=advance.trip_id).exists(),
        )
        return context


class AdvanceActionView(ScopedMixin, SingleObjectMixin, View):
    model = Advance
    http_method_names = ["post"]

    def rerender(self, **forms):
        view = AdvanceDetailView()
        view.setup(self.request, pk=self.object.pk)
        view.object = self.object
        messages.error(self.request, _("Please correct the errors below."))
        return view.render_to_response(view.get_context_data(forms=forms, object=self.object))

    def post(self, request, pk, action):
        advance = self.object = self.get_object()
        user = request.user
        try:
            if action in ("approve", "reject", "pay"):
                form = CommentForm(request.POST)
                form.is_valid()
                comment = form.cleaned_data.get("comment", "")
                try:
                    if action == "approve":
                        services.advance_approve(advance=advance, actor=user, comment=comment)
                        messages.success(request, _("Advance %(number)s was approved.") % {"number": advance.number})
                    elif action == "reject":
                        services.advance_reject(advance=advance, actor=user, comment=comment)
                        messages.success(request, _("Advance %(number)s was rejected.") % {"number": advance.number})
                    else:
                        services.advance_pay(advance=advance, actor=user, comment=comment)
                        messages.success(request, _("Advance %(number)s was paid out.") % {"number": advance.number})
                except ValidationError as error:
                    if hasattr(error, "error_dict"):
                        add_error(form, error)
                        return self.rerender(comment=form)
                    raise
            elif action == "repay":
                form = RepayForm(request.POST)
                if not form.is_valid():
                    return self.rerender(repay=form)
                try:
                    services.advance_repay(advance=advance, actor=user, **form.cleaned_data)
                except ValidationError as error:
                    if hasattr(error, "error_dict"):
                        add_error(form, error)
                        return self.rerender(repay=form)
                    raise
                messages.success(request, _("The repayment was recorded."))
            elif action == "cancel":
                services.advance_cancel(advance=advance, actor=user)
                messages.success(request, _("Advance %(number)s was cancelled.") % {"number": advance.number})
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(advance)


# --- budgets --------------------------------------------------------------------------------


class BudgetExportView(LoginRequiredMixin, View):
    """The budgets page of a year as Excel: the same budgets (scope, year, order) and their use,
    built as the dashboard's budget panel is (core.dashboard.budgets)."""

    def get(self, request):
        from core import dashboard
        from core.dashboard_exports import budget_sheet
        from core.exports import xlsx_response

        year = BudgetView(request=request).get_year()
        return xlsx_response(f"budgets-{year}.xlsx", [budget_sheet(dashboard.budgets(request.user, year, None))])


class BudgetView(LoginRequiredMixin, TemplateView):
    template_name = "expenses/budgets.html"

    def get_year(self) -> int:
        raw = self.request.GET.get("year", "")
        today = timezone.localdate()
        if raw.isdigit() and 2000 <= int(raw) <= today.year + 5:
            return int(raw)
        return today.year

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.get_year()
        budgets = (
            Budget.objects.visible_to(self.request.user)
            .filter(year=year)
            .select_related("salesperson", "team")
            .order_by("team__name", "salesperson__username", "category", "currency")
        )
        usages = usage_for(budgets)
        years = sorted(
            set(Budget.objects.visible_to(self.request.user).values_list("year", flat=True).distinct()) | {year},
            reverse=True,
        )
        context.update(
            year=year,
            years=years,
            team_rows=[u for u in usages if u.budget.team_id],
            person_rows=[u for u in usages if u.budget.salesperson_id],
            warnings=sum(1 for u in usages if u.level == "warning"),
            overs=sum(1 for u in usages if u.level == "over"),
            today=date.today(),
        )
        return context

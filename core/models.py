"""Records of background jobs, so a failed run is visible to an admin (SPEC section 5)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=100, db_index=True)
    via = models.CharField(_("started by"), max_length=20, help_text=_("task or command"))
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        indexes = [models.Index(fields=["job", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class Notice(models.Model):
    """An email that must be sent at most once (see core.notify.send_once)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    key = models.CharField(_("key"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    recipients = models.CharField(_("recipients"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class Sequence(models.Model):
    """Readable numbers (SO-2026-00042): one counter per prefix and year.

    Gap-tolerant: a number taken by a transaction that rolls back is not reused, which is
    fine for orders and contracts and keeps the counter safe under concurrent creation.
    """

    prefix = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_prefix_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class ExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(owner=user)  # a download is its owner's alone, whatever their role


class Export(models.Model):
    """A big Excel download built by a worker, so no request waits on it (SPEC section 6).

    The file is built from the same view, user and query string as the inline download, so it
    holds exactly what the list page shows that user. Only its owner can see or fetch it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="exports")
    view_name = models.CharField(_("export"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background export")
        verbose_name_plural = _("background exports")
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("export-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

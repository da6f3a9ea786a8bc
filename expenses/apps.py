from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpensesConfig(AppConfig):
    name = "expenses"
    verbose_name = _("Expenses")

    def ready(self) -> None:
        from . import queues  # noqa: F401  (registers the home queues)

from django.apps import AppConfig


class ScopingConfig(AppConfig):
    """A test-only app: a model with every scope feature, and views without a domain."""

    name = "tests.scoping"
    label = "scoping"

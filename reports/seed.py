"""Demo data for reports (filled in by the reports module)."""


def seed(ctx) -> None:
    return None

"""Demo data for receivables (filled in by the receivables module)."""


def seed(ctx) -> None:
    return None

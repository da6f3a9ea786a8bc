"""Demo data for travel (filled in by the travel module)."""


def seed(ctx) -> None:
    return None

"""Demo data for expenses (filled in by the expenses module)."""


def seed(ctx) -> None:
    return None

"""Demo data for contracts (filled in by the contracts module)."""


def seed(ctx) -> None:
    return None

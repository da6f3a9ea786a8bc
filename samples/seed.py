"""Demo data for samples (filled in by the samples module)."""


def seed(ctx) -> None:
    return None

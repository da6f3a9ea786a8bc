"""Home queue sections of production follow-up (written with the orders issue)."""

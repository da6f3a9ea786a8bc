"""Home queue sections of shipments (written with the orders issue)."""

"""State changes of sales orders, quotations, production and shipments: one function per action, with an ``actor``."""

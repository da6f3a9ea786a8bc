"""State changes of customer files: one function per action, with an ``actor``."""

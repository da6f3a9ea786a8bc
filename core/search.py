"""Searches across tables: a related table's matches, read once per request.

A list search asks "this table's columns, or a customer (or order) that matches", each table
searched on its own (core/trigram.py). Given as a subquery, the related table's search runs again
in every query the page makes: the page itself and its count, twice at least. A search of one or
two characters (精密, SF) cannot use a trigram index and reads the whole table each time: 100,000
orders took 107 ms a time on the bench's machine.

So the matches are read once, as a list of keys, when there are few; past ``KEYS_CAP`` (a word
common to many names) the subquery is kept, so the SQL never carries thousands of parameters.
"""

from __future__ import annotations

from django.db.models import QuerySet

KEYS_CAP = 2000


def matching_keys(queryset: QuerySet) -> list | QuerySet:
    """The primary keys of ``queryset``, for ``field__in``: a list of at most KEYS_CAP, else the subquery."""
    keys = list(queryset.order_by().values_list("pk", flat=True)[: KEYS_CAP + 1])
    return keys if len(keys) <= KEYS_CAP else queryset.values("pk")

"""Pagination that stays fast on deep pages.

A deep page (``?page=1000``) makes the database walk past every earlier row. With the list's
joins (customer, salesperson) and scope subqueries on each of those rows that walk is the
slow part, so this paginator walks with the primary keys alone and then loads the page's 50
rows, joins and all, by key (a "deferred join").
"""

from __future__ import annotations

from django.core.paginator import Paginator


class DeferredJoinPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)

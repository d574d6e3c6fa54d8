"""The call list use case: one page of calls as this user may see them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tiexin.adapters.storage.call_list import CallListRow
from tiexin.domain.access import Principal, call_scope, mask_msisdn
from tiexin.domain.call_list import CallListQuery
from tiexin.features.search_text import query_tokens
from tiexin.services.ingest import UnitOfWorkFactory

# Counting stops here: "10,000+" is as useful to a reader as an exact figure and stays cheap
# on a million calls.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class CallListPage:
    rows: list[CallListRow]  # customer numbers masked for this user
    page: int
    page_size: int
    total: int | None  # matching calls, at most COUNT_CAP; None for a text search
    total_capped: bool  # True when more than `total` calls match
    has_more: bool

    @property
    def pages(self) -> int:
        """Pages to offer: all of them when counted, else up to the next one."""
        if self.total is None:
            return self.page + 1 if self.has_more else self.page
        return max(1, -(-self.total // self.page_size))


def masked(row: CallListRow, principal: Principal) -> CallListRow:
    return replace(row, customer_msisdn=mask_msisdn(row.customer_msisdn, principal))


def list_calls(
    uow_factory: UnitOfWorkFactory, principal: Principal, query: CallListQuery
) -> CallListPage:
    """The query's page; an agent only ever gets their own calls (`call_scope`).

    A text search is not counted: its matches are only known by reading them (a common word
    is in most calls), while its page stops at the first matches in sort order.
    """
    scope = call_scope(principal)
    searching = bool(query_tokens(query.filters.text or ""))
    with uow_factory() as uow:
        rows, has_more = uow.call_list.page(query, scope)
        total = None if searching else uow.call_list.count(query.filters, scope, cap=COUNT_CAP + 1)
    return CallListPage(
        rows=[masked(row, principal) for row in rows],
        page=query.page,
        page_size=query.page_size,
        total=None if total is None else min(total, COUNT_CAP),
        total_capped=total is not None and total > COUNT_CAP,
        has_more=has_more,
    )

"""Subscription and payment lists (E1, E2, E10, E11): one Query per page on a GSI per filter, totals from counters."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from paykit.auth import Principal
from paykit.models.config import MODES
from paykit.models.lists import (
    AggregatedPaymentList,
    AggregatedPaymentOut,
    AggregatedSubscriptionList,
    AggregatedSubscriptionOut,
    PaymentList,
    PaymentOut,
    SubscriptionList,
    SubscriptionOut,
)
from paykit.services.projects import owned_project
from paykit.store import keys
from paykit.store import projects as project_store
from paykit.store.paging import ListPage, index_page
from paykit.store.table import Table, batch_get, default_table

@dataclass(frozen=True)
class ListQuery:
    kind: str  # "subscription" or "payment"
    project_id: str | None
    mode: str | None  # None: both modes
    status: str | None
    page: int
    page_size: int
    cursor: str | None


def mode_of(test_mode: bool | None) -> str | None:
    return None if test_mode is None else ("test" if test_mode else "live")


# ---------------------------------------------------------------------- endpoints


def project_subscriptions(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                          cursor: str | None, table: Table | None = None) -> SubscriptionList:
    """E10: the owner's project (403/404 otherwise), one mode (strict `test_mode`), newest first."""
    result = _project_list(caller, "subscription", project_id, test_mode, page, page_size, cursor, table)
    return SubscriptionList(subscriptions=[SubscriptionOut.model_validate(i) for i in result.items],
                            total=result.total, page=result.page, page_size=page_size, next_cursor=result.next_cursor)


def project_payments(caller: Principal, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                     cursor: str | None, table: Table | None = None) -> PaymentList:
    """E11: as E10, for payments."""
    result = _project_list(caller, "payment", project_id, test_mode, page, page_size, cursor, table)
    return PaymentList(payments=[PaymentOut.model_validate(i) for i in result.items],
                       total=result.total, page=result.page, page_size=page_size, next_cursor=result.next_cursor)


def developer_subscriptions(caller: Principal, project_id: uuid.UUID | None, test_mode: bool | None,
                            status: str | None, page: int, page_size: int, cursor: str | None,
                            table: Table | None = None) -> AggregatedSubscriptionList:
    """E1: across the caller's projects; another developer's project_id gives an empty list (decisions.md)."""
    result, names = _developer_list(caller, "subscription", project_id, test_mode, status, page, page_size, cursor,
                                    table)
    rows = [AggregatedSubscriptionOut.model_validate({**i, "project_name": names[i["project_id"]]})
            for i in result.items]
    return AggregatedSubscriptionList(subscriptions=rows, total=result.total, page=result.page, page_size=page_size,
                                      next_cursor=result.next_cursor)


def developer_payments(caller: Principal, project_id: uuid.UUID | None, test_mode: bool | None,
                       status: str | None, page: int, page_size: int, cursor: str | None,
                       table: Table | None = None) -> AggregatedPaymentList:
    """E2: as E1, for payments."""
    result, names = _developer_list(caller, "payment", project_id, test_mode, status, page, page_size, cursor, table)
    rows = [AggregatedPaymentOut.model_validate({**i, "project_name": names[i["project_id"]]}) for i in result.items]
    return AggregatedPaymentList(payments=rows, total=result.total, page=result.page, page_size=page_size,
                                 next_cursor=result.next_cursor)


def _project_list(caller: Principal, kind: str, project_id: uuid.UUID, test_mode: bool, page: int, page_size: int,
                  cursor: str | None, table: Table | None) -> ListPage:
    table = table or default_table()
    project = owned_project(caller, project_id, table)
    query = ListQuery(kind, project["id"], mode_of(test_mode), None, page, page_size, cursor)
    return list_page(table, caller.sub, query, [(project["id"], query.mode or "test")])


def _developer_list(caller: Principal, kind: str, project_id: uuid.UUID | None, test_mode: bool | None,
                    status: str | None, page: int, page_size: int, cursor: str | None,
                    table: Table | None) -> tuple[ListPage, dict[str, str]]:
    table = table or default_table()
    names = {p["id"]: p["name"] for p in project_store.list_for_developer(table, caller.sub)}
    wanted = str(project_id) if project_id else None
    if wanted is not None and wanted not in names:
        # Someone else's (or no) project: the developer's own view of it is empty, and nothing says it exists.
        return ListPage([], 0, page, None), names
    query = ListQuery(kind, wanted, mode_of(test_mode), status, page, page_size, cursor)
    scopes = [(p, m) for p in ([wanted] if wanted else names) for m in ([query.mode] if query.mode else MODES)]
    return list_page(table, caller.sub, query, scopes), names


# ---------------------------------------------------------------------- one page


def list_page(table: Table, owner_id: str, query: ListQuery, scopes: list[tuple[str, str]]) -> ListPage:
    """One page of a subscription or payment list; `total` from the scopes' counters."""
    index, partition = keys.list_partition(query.kind, owner_id, query.project_id, query.mode, query.status)
    counter = f"{_TAG[query.kind]}#{query.status}" if query.status else _TAG[query.kind]
    total = sum(int(c.get(counter) or 0) for c in batch_get(table, [keys.counters(p, m) for p, m in scopes]))
    return index_page(table, query.kind, index, partition, query.page, query.page_size, query.cursor, total)


_TAG = {"subscription": "subscriptions", "payment": "payments"}

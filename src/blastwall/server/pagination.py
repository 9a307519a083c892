"""The API side of list pagination (blastwall.db.pagination): the query parameters every
list takes and the response shape every list returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from blastwall.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageQuery

T = TypeVar("T")
U = TypeVar("U")


class ItemsPage(BaseModel, Generic[T]):
    """One page of a list; follow ``next_cursor`` until it is null to read the whole list."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )

    @classmethod
    def of(cls, page: Page[U], convert: Callable[[U], T]) -> ItemsPage[T]:
        """The API shape of a service's ``page``, each row converted by ``convert``."""
        return ItemsPage[T](items=[convert(i) for i in page.items], next_cursor=page.next_cursor)


def _page_query(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, description="`next_cursor` of the previous page, unchanged."),
    ] = None,
) -> PageQuery:
    return PageQuery(limit=limit, cursor=cursor or None)


Paging = Annotated[PageQuery, Depends(_page_query)]
"""``?limit=&cursor=`` for a list route."""

"""The ``Idempotency-Key`` request header, shared by the routes that create."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from blastwall.idempotency.service import MAX_KEY_LENGTH

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "A key made once per logical request (a UUID) and sent again on every retry: "
            "a repeat returns the resource the first request created instead of a second "
            "one. Reusing a key with a different body is refused (422)."
        ),
    ),
]

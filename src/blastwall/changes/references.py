"""Questions a lower domain asks about records a higher one owns, without importing it.

A lever change or a release may be made "for incident 12", and must refuse an incident
that does not exist before it writes anything; a system that incidents still name must not
be deleted. ``levers`` and ``registry`` sit below ``incidents`` in the house, so they ask
here and ``incidents`` answers: it registers its answers in ``blastwall.wiring``, next to
its subscribers. An unanswered question fails loudly rather than passing silently.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from blastwall.changes.record import ensure_wired

Require = Callable[[Session, int, "str | None"], object]
"""Raise ``NotFound`` (naming ``field`` when given) unless the record with this id exists."""
Count = Callable[[Session, int], int]
"""How many records of the answering domain refer to the record with this id."""
Names = Callable[[Session, int], "set[str]"]
"""The names of the answering domain's records that belong to the record with this id."""

_REQUIRE: dict[str, Require] = {}
_HOLDERS: dict[str, list[tuple[str, Count]]] = {}
_NAMES: dict[str, Names] = {}


def answer_require(kind: str, check: Require) -> None:
    """Let ``check`` answer :func:`require` for ``kind`` (``"incident"``)."""
    _REQUIRE[kind] = check


def answer_holders(kind: str, label: str, count: Count) -> None:
    """Let ``count`` say how many ``label`` (``"incident(s)"``) refer to a ``kind`` record."""
    _HOLDERS.setdefault(kind, []).append((label, count))


def answer_names(kind: str, list_names: Names) -> None:
    """Let ``list_names`` answer :func:`names` for ``kind`` (``"monitor"`` of a system)."""
    _NAMES[kind] = list_names


def require(session: Session, kind: str, ident: int, *, field: str | None = None) -> None:
    """Refuse an id of ``kind`` that does not exist (``NotFound``), before anything is written."""
    ensure_wired()
    try:
        check = _REQUIRE[kind]
    except KeyError:
        raise LookupError(f"no domain answers for {kind!r} ids; register one in wiring") from None
    check(session, ident, field)


def holders(session: Session, kind: str, ident: int) -> dict[str, int]:
    """Label -> count of the records higher domains keep that refer to this ``kind`` record."""
    ensure_wired()
    return {label: count(session, ident) for label, count in _HOLDERS.get(kind, [])}


def names(session: Session, kind: str, owner_id: int) -> set[str]:
    """The names of the ``kind`` records (``"monitor"``) that belong to record ``owner_id``."""
    ensure_wired()
    try:
        list_names = _NAMES[kind]
    except KeyError:
        raise LookupError(f"no domain answers for {kind!r} names; register one in wiring") from None
    return list_names(session, owner_id)

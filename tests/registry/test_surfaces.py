"""Surface versions (R1) are immutable: same content, same version; new content, next number."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session

from blastwall.exceptions import InvalidInput, NotFound
from blastwall.registry import surfaces
from blastwall.registry.surfaces import canonical_hash
from tests.registry.factories import ADMIN, SYSTEM, make_system


def test_same_content_is_the_same_version_and_new_content_the_next_number(
    session: Session,
) -> None:
    make_system(session)
    first, created = surfaces.add_surface_version(
        session, SYSTEM, "settings", {"temperature": 0.2, "max_tokens": 512}, ADMIN
    )
    assert (first.number, created) == (1, True)
    # Key order does not matter: the hash is over canonical JSON.
    again, created = surfaces.add_surface_version(
        session, SYSTEM, "settings", {"max_tokens": 512, "temperature": 0.2}, ADMIN
    )
    assert (again.id, again.number, created) == (first.id, 1, False)
    second, created = surfaces.add_surface_version(
        session, SYSTEM, "settings", {"temperature": 0.9, "max_tokens": 512}, ADMIN
    )
    assert (second.number, created) == (2, True)
    other, _ = surfaces.add_surface_version(session, SYSTEM, "prompt", {"t": "x"}, ADMIN)
    assert other.number == 1
    listed = surfaces.list_surface_versions(session, SYSTEM, "settings").items
    assert [(v.number, v.content) for v in listed] == [
        (2, {"temperature": 0.9, "max_tokens": 512}),
        (1, {"temperature": 0.2, "max_tokens": 512}),
    ]
    assert first.content_hash == canonical_hash({"max_tokens": 512, "temperature": 0.2})


def test_canonical_hash_is_sha256_of_sorted_compact_json() -> None:
    # sha256 of '{"a":1,"b":"é"}' (UTF-8, no spaces, keys sorted)
    assert canonical_hash({"b": "é", "a": 1}) == (
        "09ad9fd2fb648cb2f62141215828ea00a62c299db05d20aa9ade2f527a301cc6"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (["gpt-4o"], "surfaces.model: content must be a JSON object .* got list"),
        ("gpt-4o", "surfaces.model: content must be a JSON object .* got str"),
        ({"temperature": math.nan}, "surfaces.model: content must be plain JSON"),
        ({"at": object()}, "surfaces.model: content must be plain JSON"),
    ],
)
def test_content_must_be_a_json_object(session: Session, content: object, message: str) -> None:
    make_system(session)
    with pytest.raises(InvalidInput, match=message):
        surfaces.add_surface_version(session, SYSTEM, "model", content, ADMIN)


def test_unknown_surface_lists_the_known_ones(session: Session) -> None:
    make_system(session)
    with pytest.raises(NotFound) as caught:
        surfaces.add_surface_version(session, SYSTEM, "tools", {}, ADMIN)
    assert caught.value.detail == (
        "support-agent has no surface 'tools' (its surfaces: kb, model, prompt, settings); "
        "declare them under the system's 'surfaces:' in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`"
    )

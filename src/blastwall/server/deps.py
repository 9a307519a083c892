"""Request dependencies: one unit of work per request, and the authenticated actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.access.schemas import Actor

READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _factory(request: Request, *, read_only: bool = False) -> sessionmaker[Session]:
    name = "read_session_factory" if read_only else "session_factory"
    factory: sessionmaker[Session] = getattr(request.app.state, name)
    return factory


def _session(request: Request) -> Iterator[Session]:
    # GET routes only read, so their transaction never waits for SQLite's write lock.
    # scope="function" below: the commit happens before the response is sent, so a client
    # never sees success for a change that failed to commit.
    with _factory(request, read_only=request.method in READS)() as session, session.begin():
        yield session


DbSession = Annotated[Session, Depends(_session, scope="function")]


# Declares the bearer scheme in the OpenAPI; auto_error=False so a missing or malformed
# header reaches access.authenticate, whose 401 says how to get a token.
_bearer = HTTPBearer(auto_error=False, description="An API token: `blastwall token create`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _actor(request: Request, credentials: Credentials) -> Actor:
    # The edge middleware authenticated the request before its body was read (edge.py).
    actor = getattr(request.state, "actor", None)
    if isinstance(actor, Actor):
        return actor
    # Otherwise, in a short read of its own so the request's unit of work stays clean.
    token = credentials.credentials if credentials else None
    with _factory(request, read_only=True)() as session:
        return access.authenticate(session, token)


def _role(role: Role) -> object:
    def check(actor: Annotated[Actor, Depends(_actor)]) -> Actor:
        access.require_role(actor, role)
        return actor

    return Depends(check)


CurrentActor = Annotated[Actor, Depends(_actor)]
Viewer = Annotated[Actor, _role(Role.viewer)]
Responder = Annotated[Actor, _role(Role.responder)]
Commander = Annotated[Actor, _role(Role.commander)]
Admin = Annotated[Actor, _role(Role.admin)]

"""`blastwall token ...` and `blastwall whoami`: API tokens and the caller's identity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from blastwall.access.enums import Role
from blastwall.cli import local
from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.errors import CliError
from blastwall.cli.options import AsJson, Server

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer()
token = typer.Typer(
    name="token", help="Create (on the database), list and revoke API tokens.", no_args_is_help=True
)
app.add_typer(token, rich_help_panel="Audit and admin")

Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: BLASTWALL_DATABASE_URL, else local SQLite)."),
]


@token.command("create")
def create(
    holder: Annotated[
        str | None, typer.Argument(metavar="NAME", help="The name, as an argument or --name.")
    ] = None,
    *,
    name: Annotated[
        str | None, typer.Option("--name", help="Who holds it, e.g. alice or ci-bot.")
    ] = None,
    role: Annotated[Role, typer.Option("--role", help="What it may do.")],
    db: Db = None,
    as_json: AsJson = False,
) -> None:
    """Create a token directly in the database (works before any server runs, e.g. the first
    admin). The secret is printed once; the audit log names you as local:<user>."""
    if (holder is None) == (name is None):
        raise typer.BadParameter(
            "give the token's name once: `blastwall token create NAME --role ROLE` (or --name NAME)"
        )
    name = holder or name
    assert name is not None
    from blastwall.access import service  # noqa: PLC0415  (server extras; see local.py)
    from blastwall.access.schemas import TokenCreated, TokenRead  # noqa: PLC0415
    from blastwall.db.session import make_session_factory, unit_of_work  # noqa: PLC0415
    from blastwall.exceptions import BlastwallError  # noqa: PLC0415

    config = local.settings(database_url=db)
    with local.migrated_engine(config) as engine:
        try:
            factory = make_session_factory(engine, audit_key=config.audit_key())
            with unit_of_work(factory) as session:
                _refuse_a_key_mismatch(session, config.audit_key())
                row, secret = service.create(
                    session, name=name, role=role, actor=local.local_actor()
                )
                created = TokenCreated(**TokenRead.model_validate(row).model_dump(), token=secret)
        except BlastwallError as exc:
            raise CliError(exc.detail) from None
    if as_json:
        out.print_json(created.model_dump(mode="json"))
        return
    out.success(
        f"Created {role.value} token {name!r}. Store the secret now; it is not shown again:"
    )
    out.line(secret)


def _refuse_a_key_mismatch(session: Session, key: bytes | None) -> None:
    """Refuse to write an entry the keyed audit log would report as broken."""
    from blastwall.changes.audit import key_problem  # noqa: PLC0415  (server extras)

    problem = key_problem(session, key)
    if problem is not None:
        raise CliError(
            f"{problem}: set BLASTWALL_AUDIT_HMAC_KEY to the server's key and run again "
            "(a token created without it would break `blastwall audit verify`)"
        )


@token.command("list")
def list_(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """List API tokens (admin); secrets are never shown, only their first characters."""
    out.show(connect(server).list(path("tokens")), as_json, _render)


@token.command("revoke")
def revoke(
    *,
    name: Annotated[str, typer.Argument(help="The token's name.")],
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Revoke a token (admin): it stops working at once."""
    revoked = connect(server).delete(path("tokens", name))
    out.show(revoked, as_json, lambda _: out.success(f"Revoked token {name!r}."))


@app.command(rich_help_panel="Audit and admin")
def whoami(*, server: Server = DEFAULT_SERVER, as_json: AsJson = False) -> None:
    """Show the name and role of the token in BLASTWALL_TOKEN."""
    me = connect(server).get(path("whoami"))
    out.show(me, as_json, lambda m: out.line(f"{m['name']} ({m['role']}) at {server}"))


def _render(items: list[dict[str, Any]]) -> None:
    out.table(
        ["NAME", "ROLE", "PREFIX", "CREATED", "REVOKED"],
        (
            [
                t["name"],
                t["role"],
                t["prefix"] + "...",
                out.when(t.get("created_at")),
                out.when(t.get("revoked_at")),
            ]
            for t in items
        ),
        empty="No tokens.",
    )

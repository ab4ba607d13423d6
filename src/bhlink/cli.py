"""The `bhlink` command line: serve, migrate, administer tenants, load the demo, verify the audit log."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from bhlink.config import Settings, get_settings
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import DomainError
from bhlink.services import audit as audit_service
from bhlink.services import demo, synthetic, tenancy
from bhlink.services.crypto import SecretBox, totp_code
from bhlink.store import migrate
from bhlink.store.db import Database

app = typer.Typer(
    help="bhlink: integration hub for behavioral-health practices.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
integrations_app = typer.Typer(help="Integrations (tenants).", no_args_is_help=True)
clients_app = typer.Typer(help="API clients (HTTP Basic credentials).", no_args_is_help=True)
users_app = typer.Typer(help="Users.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo practice.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (integrations_app, "integrations"),
    (clients_app, "clients"),
    (users_app, "users"),
    (demo_app, "demo"),
    (audit_app, "audit"),
):
    app.add_typer(sub, name=name)

console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    return get_settings()


def _db() -> Database:
    return Database(_settings().database_url)


def _fail(exc: DomainError) -> None:
    err.print(f"[red]error:[/red] {exc.detail}")
    for problem in exc.errors:
        err.print(f"  {problem.field}: {problem.message}")
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Log each request line (paths carry ids only).")
    ] = False,
) -> None:
    """Serve the API (migrate first with `bhlink db upgrade`)."""
    import uvicorn

    db = _db()
    if migrate.current_revision(db) != migrate.head_revision(db):
        err.print("[red]the database schema is not current; run `bhlink db upgrade`[/red]")
        raise typer.Exit(code=1)
    db.dispose()
    _settings().resolved_secret_key()  # create the key file before workers race to do it
    uvicorn.run(
        "bhlink.server:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=True,
        server_header=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (safe to repeat)."""
    db = _db()
    migrate.upgrade(db)
    console.print(f"schema at revision {migrate.current_revision(db)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision."""
    console.print(str(migrate.current_revision(_db())))


@integrations_app.command("create")
def integrations_create(
    name: Annotated[str, typer.Option(help="Practice name.")],
    vendor: Annotated[
        str, typer.Option(help="native, icanotes, valant, echo, pimsy or therapynotes.")
    ] = "native",
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "America/New_York",
    require_mfa: Annotated[bool, typer.Option(help="Refuse logins of users without TOTP.")] = True,
) -> None:
    """Create an integration (tenant)."""
    with _db().unit_of_work() as uow:
        try:
            integration = tenancy.create_integration(
                uow, name=name, vendor=vendor, timezone=timezone, require_mfa=require_mfa
            )
        except DomainError as exc:
            _fail(exc)
        uow.commit()
        console.print(integration.id)


@clients_app.command("create")
def clients_create(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    name: Annotated[str, typer.Option(help="What the client is for.")] = "api client",
) -> None:
    """Create an API client; the secret is printed once and never stored in clear."""
    with _db().unit_of_work() as uow:
        try:
            created = tenancy.create_client(uow, integration, name)
        except DomainError as exc:
            _fail(exc)
        uow.commit()
        console.print_json(
            json.dumps({"clientId": created.client.id, "clientSecret": created.secret})
        )


@users_app.command("create")
def users_create(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    username: Annotated[str, typer.Option(help="Login name.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[list[str], typer.Option(help="Role (repeat for several).")],
    provider: Annotated[str | None, typer.Option(help="Linked provider id (clinicians).")] = None,
    password_env: Annotated[
        str | None,
        typer.Option(help="Read the password from this environment variable instead of a prompt."),
    ] = None,
) -> None:
    """Create a user (the password is prompted for, never taken from the command line)."""
    password = os.environ.get(password_env, "") if password_env else getpass.getpass("password: ")
    with _db().unit_of_work() as uow:
        try:
            user = tenancy.create_user(
                uow,
                integration,
                username=username,
                name=name,
                password=password,
                roles=role,
                provider_id=provider,
            )
        except DomainError as exc:
            _fail(exc)
        uow.commit()
        console.print(user.id)


@users_app.command("enroll-totp")
def users_enroll_totp(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    username: Annotated[str, typer.Option(help="Login name.")],
) -> None:
    """Enrol a user in TOTP and print the otpauth URI (show it to the user once, as a QR code)."""
    settings = _settings()
    with _db().unit_of_work() as uow:
        user = uow.tenancy.user_by_username(integration, username)
        if user is None:
            err.print("[red]no such user[/red]")
            raise typer.Exit(code=2)
        uri = tenancy.begin_totp(
            uow, SecretBox(settings.resolved_secret_key()), user, confirmed=True
        )
        uow.commit()
        console.print(uri)


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when any integration exists.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same practice).")] = 7,
    patients: Annotated[int, typer.Option(help="How many patients.")] = 300,
    history_days: Annotated[int, typer.Option(help="Days of past appointments.")] = 182,
    future_days: Annotated[int, typer.Option(help="Days of future appointments.")] = 61,
) -> None:
    """Load the demo practice and save its credentials for `bhlink demo credentials`."""
    settings = _settings()
    db = _db()
    with db.unit_of_work() as uow:
        if uow.tenancy.integration(demo.DEMO_INTEGRATION_ID) is not None or (
            if_empty and uow.tenancy.count_integrations()
        ):
            console.print(
                "demo practice already loaded"
                if if_empty
                else "[red]the demo integration exists already[/red]"
            )
            if not if_empty:
                raise typer.Exit(code=1)
            return
        with console.status("loading the demo practice…"):
            creds = demo.load(
                uow,
                SecretBox(settings.resolved_secret_key()),
                seed=seed,
                patients_count=patients,
                history_days=history_days,
                future_days=future_days,
            )
            uow.commit()
    path = settings.demo_credentials_file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(creds.as_json(), option=orjson.OPT_INDENT_2))
    console.print(f"demo practice loaded: integration {creds.integration_id}")


@demo_app.command("generate")
def demo_generate(
    patients: Annotated[int, typer.Option(help="How many patients.", min=1)] = 1000,
    appointments: Annotated[int, typer.Option(help="How many appointments.", min=0)] = 10000,
    notes: Annotated[
        int, typer.Option(help="How many clinical notes (needs the notes module).", min=0)
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same practice).")] = 1,
    today: Annotated[
        str | None, typer.Option(help="The practice's today, YYYY-MM-DD (default: today).")
    ] = None,
    credentials_file: Annotated[
        Path, typer.Option(help="Where to write the practice's logins (mode 0600).")
    ] = Path("var/synthetic-credentials.json"),
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Bulk-load a synthetic practice network into a new integration (benchmarks, load tests)."""
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        err.print("[red]--today must be a date such as 2026-03-02[/red]")
        raise typer.Exit(code=2) from None
    settings = _settings()
    with _db().unit_of_work() as uow:
        try:
            result = synthetic.generate(
                uow,
                patients=patients,
                appointments=appointments,
                notes=notes,
                seed=seed,
                today=day,
                telehealth_base_url=settings.telehealth_base_url,
            )
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(code=2) from None
        uow.commit()
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(result.credentials.as_json(), option=orjson.OPT_INDENT_2))
    if result.notes_skipped:
        err.print(f"[yellow]notes:[/yellow] {result.notes_skipped}")
    if as_json:
        summary = {k: v for k, v in result.as_json().items() if k != "credentials"}
        summary["credentialsFile"] = str(credentials_file)
        sys.stdout.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    rows = ", ".join(f"{count} {name}" for name, count in result.rows.items())
    console.print(f"integration {result.credentials.integration_id}: {rows}")
    console.print(
        f"{result.seconds['total']:.1f} s in all; appointments at "
        f"{result.appointments_per_second:,.0f}/s; logins in {credentials_file}"
    )


def _load_credentials() -> demo.DemoCredentials:
    path = _settings().demo_credentials_file
    if not path.exists():
        err.print("[red]no demo credentials; run `bhlink demo load` first[/red]")
        raise typer.Exit(code=1)
    return demo.DemoCredentials.from_json(orjson.loads(path.read_bytes()))


@demo_app.command("credentials")
def demo_credentials(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the demo integration, API client and user credentials."""
    creds = _load_credentials()
    if as_json:
        sys.stdout.write(orjson.dumps(creds.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    lines = [
        f"integrationId  {creds.integration_id}",
        f"clientId       {creds.client_id}",
        f"clientSecret   {creds.client_secret}",
        "",
        f"{'username':<30} {'password':<20} {'roles':<12} TOTP",
    ]
    for user in creds.users:
        totp = "yes: bhlink demo totp USERNAME" if user.totp_secret else "-"
        lines.append(f"{user.username:<30} {user.password:<20} {','.join(user.roles):<12} {totp}")
    # Plain text, not a Rich table: a narrow terminal must not truncate a credential.
    sys.stdout.write("\n".join(lines) + "\n")


@demo_app.command("totp")
def demo_totp(username: Annotated[str, typer.Argument(help="A demo username with TOTP.")]) -> None:
    """Print the current TOTP code of a demo user."""
    for user in _load_credentials().users:
        if user.username == username and user.totp_secret:
            console.print(totp_code(user.totp_secret, utcnow()))
            return
    err.print("[red]no such demo user with TOTP[/red]")
    raise typer.Exit(code=1)


@audit_app.command("verify")
def audit_verify(
    integration: Annotated[str | None, typer.Option(help="One integration (default: all).")] = None,
) -> None:
    """Recompute the audit hash chains; exit 1 naming the first bad row of each broken chain."""
    broken = False
    with _db().unit_of_work() as uow:
        ids = [integration] if integration else [i.id for i in uow.tenancy.integrations()]
        for integration_id in ids:
            result = audit_service.verify(uow, integration_id)
            if result.ok:
                console.print(f"{integration_id}: ok ({result.rows_checked} rows)")
                continue
            broken = True
            for b in result.breaks:
                console.print(
                    f"[red]{integration_id}: chain {b.chain} broken at row {b.row_id or '(end of chain)'} (seq {b.chain_seq}): {b.reason}[/red]"
                )
    raise typer.Exit(code=1 if broken else 0)


def main() -> None:
    """Entry point of the `bhlink` script."""
    app()

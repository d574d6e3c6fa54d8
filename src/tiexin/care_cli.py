"""Command line of the care engine: imports, `care run/assign/outcome`, `care rules`,
`sms send`, exports and `synth world`. Registered on the main app by `tiexin.cli`."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tiexin.adapters.sms import HttpGatewaySender, OutboxFileSender, SmsSender
from tiexin.bootstrap import care_cache, open_storage
from tiexin.config import Settings
from tiexin.domain.errors import TiexinError
from tiexin.domain.operator_time import UTC_OFFSET_HOURS, local_minute, operator_today
from tiexin.services.care_data import read_rules
from tiexin.services.care_export import export_care_tasks, export_customers, export_sms
from tiexin.services.care_import import (
    ImportReport,
    import_customers,
    import_risk_flags,
    import_staff,
    import_usage,
)
from tiexin.services.care_privileges import privilege_catalog, redeem
from tiexin.services.care_rules_admin import bundled_rules_text, resolve_care_rules
from tiexin.services.care_run import (
    CareRunReport,
    Planner,
    assign_managers,
    plan_locally,
    run_care,
)
from tiexin.services.care_sms import send_due_sms
from tiexin.services.care_tasks import OUTCOMES, record_outcome
from tiexin.services.care_visits import add_trip
from tiexin.services.care_world import write_world
from tiexin.services.export import EXPORT_FORMATS
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.rules_data import configured_catalog
from tiexin.terminal import make_console, user_errors

care_app = typer.Typer(help="Proactive care of VIP customers.", no_args_is_help=True)
trip_app = typer.Typer(help="Planned trips that can carry visits.", no_args_is_help=True)
care_app.add_typer(trip_app, name="trip")
rules_app = typer.Typer(help="Check care rules files, or start one.", no_args_is_help=True)
care_app.add_typer(rules_app, name="rules")
sms_app = typer.Typer(help="The SMS outbox.", no_args_is_help=True)
synth_app = typer.Typer(help="Synthetic data for demos and benchmarks.", no_args_is_help=True)

console = make_console()
SHOWN_ERRORS = 50

OutputOption = Annotated[Path, typer.Option("--output", help="File to write.")]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: jsonl.")]
CareRunner = Literal["local", "ray"]
RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Care rules YAML (default: TIEXIN_CARE_RULES_FILE, the newest saved, the bundled).",
    ),
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who records it (default: the login name).")
]


def _day(text: str | None, option: str = "--as-of") -> date:
    if text is None:
        return operator_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TiexinError(f"{option} {text!r}: expected a date YYYY-MM-DD") from None


def _storage() -> tuple[Settings, UnitOfWorkFactory]:
    settings = Settings()
    return settings, open_storage(settings)


def _print_import(report: ImportReport) -> None:
    console.print(
        f"{report.file}: {report.rows} {report.kind} rows read, {report.imported} imported, "
        f"{report.error_count} rejected"
    )
    if report.managers_changed:
        console.print(f"Account manager changed for {report.managers_changed} customers")
    for error in report.errors[:SHOWN_ERRORS]:
        console.print(f"[red]Rejected[/]: {error}", highlight=False, soft_wrap=True)
    if report.error_count > SHOWN_ERRORS:
        console.print(f"… and {report.error_count - SHOWN_ERRORS} more rejected rows")


# ---- imports (registered under `tiexin import`) ----

CsvArgument = Annotated[Path, typer.Argument(help="CSV file (docs/care.md).")]


@user_errors
def import_customers_command(file: CsvArgument) -> None:
    """Import customers from the CRM export; re-importing updates them."""
    _print_import(import_customers(_storage()[1], file))


@user_errors
def import_usage_command(file: CsvArgument) -> None:
    """Import monthly usage from the billing export; re-importing updates it."""
    _print_import(import_usage(_storage()[1], file))


@user_errors
def import_staff_command(file: CsvArgument) -> None:
    """Import the staff list (phone and account managers); it replaces the previous one."""
    _print_import(import_staff(_storage()[1], file))


@user_errors
def import_risk_flags_command(file: CsvArgument) -> None:
    """Import the customers at risk of leaving, with reasons; it replaces the previous list."""
    _print_import(import_risk_flags(_storage()[1], file))


def register_imports(import_app: typer.Typer) -> None:
    import_app.command("customers")(import_customers_command)
    import_app.command("usage")(import_usage_command)
    import_app.command("staff")(import_staff_command)
    import_app.command("risk-flags")(import_risk_flags_command)


# ---- exports (registered under `tiexin export`) ----


def _check_format(format: str) -> None:
    if format not in EXPORT_FORMATS:
        raise TiexinError(f"--format {format}: supported formats are {', '.join(EXPORT_FORMATS)}")


@user_errors
def export_customers_command(output: OutputOption, format: FormatOption = "jsonl") -> None:
    """Write every customer, with the account manager, as JSON Lines."""
    _check_format(format)
    console.print(f"Wrote {export_customers(_storage()[1], output)} customers to {output}")


@user_errors
def export_care_tasks_command(output: OutputOption, format: FormatOption = "jsonl") -> None:
    """Write every care task (facts, explanation, script, status) as JSON Lines."""
    _check_format(format)
    console.print(f"Wrote {export_care_tasks(_storage()[1], output)} care tasks to {output}")


@user_errors
def export_sms_command(output: OutputOption, format: FormatOption = "jsonl") -> None:
    """Write the SMS outbox (queued and sent messages) as JSON Lines."""
    _check_format(format)
    console.print(f"Wrote {export_sms(_storage()[1], output)} messages to {output}")


def register_exports(export_app: typer.Typer) -> None:
    export_app.command("customers")(export_customers_command)
    export_app.command("care-tasks")(export_care_tasks_command)
    export_app.command("sms")(export_sms_command)


# ---- care ----


@care_app.command("run")
@user_errors
def care_run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Plan for this day, YYYY-MM-DD (default today).")
    ] = None,
    rules: RulesOption = None,
    runner: Annotated[
        CareRunner,
        typer.Option("--runner", help="Plan in this process (local) or in Ray tasks (ray)."),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            "--address", help="Ray cluster address (default TIEXIN_RAY_ADDRESS or local)."
        ),
    ] = None,
) -> None:
    """Assign account managers, then plan, assign and store the day's care tasks."""
    settings, uow_factory = _storage()
    care_rules = resolve_care_rules(uow_factory, rules or settings.care_rules_file)
    catalog = configured_catalog(settings, uow_factory)
    if catalog is None:
        raise TiexinError(
            "no tariff catalogue: import one with `tiexin import catalog FILE.yaml` "
            "or set TIEXIN_CATALOG_FILE"
        )
    columns = (TextColumn("storing tasks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("store", total=None)
        report = run_care(
            uow_factory,
            as_of=_day(as_of),
            rules=care_rules,
            catalog=catalog,
            after_chunk=lambda done, total: progress.update(bar, completed=done, total=total),
            planner=_planner(runner, address or settings.ray_address),
            cache=care_cache(settings),
        )
    _print_run(report)


def _planner(runner: CareRunner, address: str | None) -> Planner:
    if runner == "local":
        return plan_locally
    from tiexin.services.care_ray import RayPlanner  # Ray loads only when asked for

    return RayPlanner(address=address)


def _print_run(report: CareRunReport) -> None:
    console.print(
        f"Care run {report.as_of}: {report.planned} tasks planned, {report.stored} stored, "
        f"{report.already_stored} already stored; {report.managers_assigned} account managers "
        f"assigned; {report.sms_queued} SMS queued; {report.grace_credits} grace credits"
    )
    for rule_id, count in sorted(report.by_rule.items()):
        console.print(f"  {rule_id}: {count}")
    if report.unassigned:
        console.print(
            f"[yellow]{report.unassigned} calls unassigned[/]: every phone manager is full"
        )
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    console.print(f"Time by stage: {stages}")


def _recorder(by: str | None) -> str:
    """Who a command records a change as: `--by`, else the login name."""
    return (by or "").strip() or getpass.getuser()


@rules_app.command("check")
@user_errors
def care_rules_check(
    file: Annotated[Path, typer.Argument(help="Care rules YAML (docs/care-rules.md).")],
) -> None:
    """Validate a care rules file the way `care run` loads it; errors name the file and line."""
    rules = read_rules(file)
    count = f"{len(rules.rules)} rule" + ("" if len(rules.rules) == 1 else "s")
    # markup off: paths and rule ids are the user's text, and "[x]" in them is not a style
    console.print(f"{file}: valid care rules, version {rules.version}, {count}", markup=False)
    for rule in rules.rules:
        console.print(
            f"  {rule.id}: type {rule.type}, channel {rule.channel}, tiers {'/'.join(rule.tiers)}",
            markup=False,
        )


@rules_app.command("bundled")
def care_rules_bundled() -> None:
    """Print the bundled care rules (YAML), to copy and edit: `... > my-rules.yaml`."""
    typer.echo(bundled_rules_text(), nl=False)


@care_app.command("assign")
@user_errors
def care_assign() -> None:
    """Give every VIP without a current account manager one (history kept)."""
    count = assign_managers(_storage()[1])
    console.print(f"Assigned an account manager to {count} customers")


@care_app.command("outcome")
@user_errors
def care_outcome(
    task_id: Annotated[str, typer.Argument(help="Care task id (see `tiexin export care-tasks`).")],
    outcome: Annotated[str, typer.Argument(help=f"One of: {', '.join(OUTCOMES)}.")],
    note: Annotated[str | None, typer.Option("--note", help="What happened.")] = None,
    by: ByOption = None,
) -> None:
    """Record what happened to a care task; an illegal change is refused."""
    result = record_outcome(_storage()[1], task_id, outcome, _recorder(by), note)
    console.print(f"Task {result.task_id}: {result.from_status} → {result.to_status}")
    if result.plan_changed_to:
        console.print(f"Customer moved to plan {result.plan_changed_to}")


@trip_app.command("add")
@user_errors
def care_trip_add(
    staff_id: Annotated[str, typer.Argument(help="Staff id of whoever makes the trip.")],
    day: Annotated[str, typer.Option("--date", help="Day of the trip, YYYY-MM-DD.")],
    areas: Annotated[
        list[str], typer.Option("--area", help="A county or county/township passed (repeat).")
    ],
    note: Annotated[str | None, typer.Option("--note", help="What colleagues should know.")] = None,
    by: ByOption = None,
) -> None:
    """Post a planned trip, so visits in the places it passes can ride along."""
    trip_id = add_trip(
        _storage()[1],
        None,
        staff_id=staff_id,
        day=_day(day, "--date"),
        areas=areas,
        note=note,
        by=_recorder(by),
    )
    console.print(f"Trip {trip_id}: {staff_id} on {day} through {', '.join(areas)}")


@care_app.command("redeem")
@user_errors
def care_redeem(
    customer_id: Annotated[str, typer.Argument(help="Customer id.")],
    privilege: Annotated[str, typer.Argument(help="Privilege id (docs/care.md#vip-privileges).")],
    on: Annotated[
        str | None, typer.Option("--date", help="Day of the redemption (default today).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Where, what, by whom.")] = None,
    by: ByOption = None,
) -> None:
    """Record that a VIP used a privilege; refused when the year's balance is used up."""
    settings, uow_factory = _storage()
    catalog = privilege_catalog(settings.care_privileges_file)
    result = redeem(
        uow_factory,
        catalog,
        None,
        customer_id,
        privilege,
        on=_day(on, "--date"),
        note=note,
        by=_recorder(by),
    )
    console.print(
        f"Redeemed {result.privilege_id} for {result.customer_id} on {result.redeemed_on}: "
        f"{result.left} left in {result.redeemed_on.year}"
    )


# ---- sms ----


def _sender(settings: Settings) -> SmsSender:
    if settings.sms_gateway_url:
        return HttpGatewaySender(settings.sms_gateway_url, sender=settings.sms_sender)
    return OutboxFileSender(settings.sms_outbox_file or settings.data_dir / "sms-outbox.jsonl")


@sms_app.command("send")
@user_errors
def sms_send(rules: RulesOption = None) -> None:
    """Send the queued SMS that are due (never in the rules' quiet hours)."""
    settings, uow_factory = _storage()
    quiet = resolve_care_rules(uow_factory, rules or settings.care_rules_file).quiet_hours
    report = send_due_sms(uow_factory, _sender(settings), quiet=quiet)
    if report.quiet_until is not None:
        until = local_minute(report.quiet_until)
        console.print(f"Quiet hours: nothing sent before {until} (UTC+{UTC_OFFSET_HOURS})")
        return
    console.print(
        f"Sent {report.sent} SMS, {len(report.failed)} failed (retried later), "
        f"{report.withdrawn} withdrawn (their tasks had moved on)"
    )
    for line in report.failed[:SHOWN_ERRORS]:
        console.print(f"[red]Failed[/]: {line}", highlight=False, soft_wrap=True)


# ---- synth ----


@synth_app.command("world")
@user_errors
def synth_world(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")],
    customers: Annotated[int, typer.Option("--customers", min=1)] = 1000,
    months: Annotated[int, typer.Option("--months", min=1, max=24)] = 3,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day the usage leads up to (default today).")
    ] = None,
) -> None:
    """Write an invented customer base: catalog.yaml, customers.csv, usage.csv, staff.csv."""
    written = write_world(out, customers=customers, months=months, seed=seed, as_of=_day(as_of))
    console.print(f"Wrote {', '.join(str(p) for p in written.values())}")

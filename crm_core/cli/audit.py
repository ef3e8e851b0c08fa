"""`crm audit`: the audit log, newest first."""

from __future__ import annotations

import click

from crm_core.api.audit import AuditRecord, ProbeRecord
from crm_core.api.common import MAX_LIMIT
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option


@click.command("audit")
@click.option("--entity", help="Table name, e.g. crm_customer.")
@click.option("--id", "entity_id", help="Record id within the entity.")
@click.option(
    "--probes",
    "probe_days",
    type=click.IntRange(1, 366),
    help="Instead: per day and person, the last N days' registrations that named customers "
    "held by others (managers: their people).",
)
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=50, show_default=True)
@format_option
@pass_app
def audit(
    app: App,
    entity: str | None,
    entity_id: str | None,
    probe_days: int | None,
    limit: int,
    fmt: str,
) -> None:
    """The audit log, newest first (admins, or holders of audit-reader); with --probes, who
    named customers held by others (managers too, for their people).  审计日志。"""
    if probe_days is not None:
        with app.desk() as desk:
            probes = desk.audit.probes(probe_days)
        emit_records(probes, fmt, ProbeRecord)
        return
    with app.desk() as desk:
        found = desk.audit.entries(entity=entity, entity_id=entity_id, limit=limit)
    emit_records(found, fmt, AuditRecord)


def command() -> click.Command:
    return audit

"""The outbox feature: reminder digests written as text files to a folder (setting
`reminders_outbox`), the core's one way of delivering them; plugins send them by mail or chat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crm_core import __version__
from crm_core.foundation.errors import CrmError
from crm_core.foundation.files import replace_file
from crm_core.hooks.context import Context
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.reminders import Digest
from crm_core.hooks.settings import SettingSpec, parse_text

plugin = PluginSpec(
    name="outbox",
    title="Reminder outbox",
    title_zh="提醒发件箱",
    version=__version__,
    description="Reminder digests as text files in a folder.",
)


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    register(
        SettingSpec(
            "reminders_outbox",
            "",
            "folder where `crm reminders --send` writes digests (empty: the core sends none)",
            parse_text,
        )
    )


@hookimpl
def crm_deliver_reminder_digest(ctx: Context, digest: Digest) -> str | None:
    """The core's only delivery: a text file in the `reminders_outbox` folder, if one is set."""
    folder = str(ctx.settings.get("reminders_outbox") or "").strip()
    if not folder:
        return None
    outbox = Path(folder)
    if not outbox.is_dir():
        raise CrmError(f"reminders_outbox {folder!r} is not a folder")
    target = outbox / f"{digest.on.isoformat()}-{digest.login}.txt"
    replace_file(target, f"Subject: {digest.subject}\n\n{digest.text}")
    return str(target)

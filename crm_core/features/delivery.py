"""The delivery feature: reminder digests by e-mail (SMTP) to each person's address, and to a
chat group through its robot's webhook (WeCom and DingTalk take the same text message JSON).
Both are off until their settings name a server or an address."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from urllib.parse import urlparse

from crm_core import __version__
from crm_core.foundation.errors import CrmError
from crm_core.hooks.context import Context
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.reminders import Digest
from crm_core.hooks.settings import SettingSpec, parse_positive_int

plugin = PluginSpec(
    name="delivery",
    title="Mail and chat delivery",
    title_zh="邮件与群机器人推送",
    version=__version__,
    description="Reminder digests by e-mail (SMTP) and to a WeCom or DingTalk group robot.",
)

#: Seconds a mail server or a webhook may take before the delivery counts as failed.
TIMEOUT = 20


def _parse_security(text: str) -> str:
    if text not in {"none", "starttls", "tls"}:
        raise ValueError("none, starttls or tls")
    return text


def _parse_webhook(text: str) -> str:
    if text and urlparse(text).scheme not in {"http", "https"}:
        raise ValueError("an http(s) address, or empty")
    return text


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    register(SettingSpec("mail.smtp_host", "", "SMTP server for reminder mail (empty: no mail)"))
    register(SettingSpec("mail.smtp_port", 25, "SMTP port", parse_positive_int))
    register(SettingSpec("mail.security", "none", "none, starttls or tls", _parse_security))
    register(SettingSpec("mail.sender", "crm@localhost", "From: address of reminder mail"))
    register(
        SettingSpec(
            "chat.webhook_url",
            "",
            "a WeCom/DingTalk group robot's webhook for everyone's digests (empty: none)",
            _parse_webhook,
        )
    )


def _setting(ctx: Context, key: str) -> str:
    return str(ctx.settings.get(key) or "").strip()


@hookimpl
def crm_deliver_reminder_digest(ctx: Context, digest: Digest) -> str | None:
    """Mail the digest to its person and post it to the group robot, each where set up."""
    places = [place for place in (mail(ctx, digest), post_to_chat(ctx, digest)) if place]
    return ", ".join(places) or None


def mail(ctx: Context, digest: Digest) -> str | None:
    """Mail the digest to its person, if mail is set up and they have an address."""
    host = _setting(ctx, "mail.smtp_host")
    if not host or not digest.email or not digest.items:
        return None
    message = EmailMessage()
    message["From"] = _setting(ctx, "mail.sender") or "crm@localhost"
    message["To"] = digest.email
    message["Subject"] = digest.subject
    message.set_content(digest.text)
    port = int(ctx.settings.get("mail.smtp_port") or 25)
    security = _setting(ctx, "mail.security") or "none"
    try:
        if security == "tls":
            with smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT, context=ssl.create_default_context()
            ) as smtp:
                smtp.send_message(message)
        else:
            with smtplib.SMTP(host, port, timeout=TIMEOUT) as smtp:
                if security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise CrmError(f"mail to {digest.login} failed: {type(exc).__name__}") from None
    return f"mail:{digest.login}"


def post_to_chat(ctx: Context, digest: Digest) -> str | None:
    """Post the digest to the group robot, if one is set and there is something to say."""
    url = _setting(ctx, "chat.webhook_url")
    if not url or not digest.items:
        return None
    body = json.dumps(
        {"msgtype": "text", "text": {"content": f"{digest.subject}\n{digest.text}"}},
        ensure_ascii=False,
    ).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            answer.read(65536)
    except OSError as exc:
        raise CrmError(f"chat delivery for {digest.login} failed: {type(exc).__name__}") from None
    return f"chat:{digest.login}"

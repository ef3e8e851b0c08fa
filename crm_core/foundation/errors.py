"""Errors a user may cause. The CLI prints their message on one line and exits non-zero."""

from __future__ import annotations


class CrmError(Exception):
    """A refusal or a problem the user can fix; never shown with a traceback."""

    exit_code = 1
    #: The plugin whose rule raised this, when a hook raised it.
    plugin: str | None = None

    def __str__(self) -> str:
        message = super().__str__()
        return f"[{self.plugin}] {message}" if self.plugin else message


class NotFound(CrmError):
    """A named record does not exist, or the acting user may not see it."""


class ValidationError(CrmError):
    """Input breaks a rule; nothing was written."""


class DuplicateError(ValidationError):
    """A record with the same identity is already registered (possibly by someone else)."""


class PermissionDenied(CrmError):
    """The acting user may not do this."""


class PluginError(CrmError):
    """A plugin is missing, broken, or its requirements cannot be met."""


class PluginHookError(CrmError):
    """A plugin's hook implementation raised an unexpected exception; the write was rolled back."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"plugin {plugin!r} failed in {hook}: {type(error).__name__}: {error}")
        self.hook = hook
        self.error = error
        self.failed_plugin = plugin


class ConflictError(CrmError):
    """Someone else changed the same records at the same time; try again."""


def one_line(message: str) -> str:
    """`message` as one line: control characters a user typed into it (a newline in a name, a
    NUL) are shown escaped, so a refusal never spans lines or moves a terminal's cursor."""
    if message.isprintable():
        return message
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in message
    )

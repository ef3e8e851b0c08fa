"""Signing in to the server: the one part of the API used before anyone is known.

The server asks the Gate who a cookie or a bearer token acts as, and opens every unit of work
as that actor: visibility and rights are then the same code as for the CLI and scripts.
"""

from __future__ import annotations

from crm_core.foundation.errors import CrmError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.deployment import Deployment
from crm_core.services import credentials
from crm_core.services.credentials import Bearer, Issued

__all__ = ["Bearer", "Gate", "Issued", "SignInRefused"]


class SignInRefused(CrmError):
    """A sign-in that did not succeed; the reason never says whether the login exists."""

    def __init__(self, reason: str, locked: bool) -> None:
        super().__init__(reason)
        self.locked = locked


class Gate:
    """Sign-in, sign-out, and who a session or token is, for one deployment."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        """The deployment's signing key (made the first time any worker needs it)."""
        if self._key is None:
            with self.deployment.work(SYSTEM) as ctx:
                found = credentials.server_key(ctx)
            if found is None:
                try:
                    with self.deployment.work(SYSTEM, write=True) as ctx:
                        found = credentials.make_server_key(ctx)
                except Exception:  # another worker made it in the meantime
                    with self.deployment.work(SYSTEM) as ctx:
                        found = credentials.server_key(ctx)
            assert found is not None
            self._key = found
        return self._key

    def sign_in(
        self, login: str, password: str, client: str | None = None, language: str | None = None
    ) -> Issued:
        """A new session for `login`; SignInRefused (after the failure is counted and
        audited) otherwise."""
        with self.deployment.work(SYSTEM, write=True, language=language) as ctx:
            result = credentials.sign_in(ctx, login, password, client)
        if isinstance(result, credentials.Refused):
            raise SignInRefused(result.reason, result.locked)
        return result

    def sign_out(self, token: str) -> bool:
        with self.deployment.work(SYSTEM, write=True) as ctx:
            return credentials.sign_out(ctx, token)

    def session(self, token: str) -> Bearer | None:
        """Who the session `token` acts as, or None when it is not (or no longer) valid."""
        with self.deployment.work(SYSTEM) as ctx:
            found = credentials.session_bearer(ctx, token)
        return self._touched(found)

    def token(self, secret: str) -> Bearer | None:
        """Who the API token `secret` acts as, or None."""
        with self.deployment.work(SYSTEM) as ctx:
            found = credentials.token_bearer(ctx, secret)
        return self._touched(found)

    def _touched(self, found: Bearer | None) -> Bearer | None:
        if found is not None and found.stale:
            with self.deployment.work(SYSTEM, write=True) as ctx:
                credentials.touch(ctx, found)
        return found

    def sign(self, text: str) -> str:
        return credentials.sign(self.key, text)

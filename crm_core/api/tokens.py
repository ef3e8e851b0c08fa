"""API tokens through the API: integrations (an ERP, a website form, a script) act as a user."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from crm_core.hooks.context import Context
from crm_core.services import credentials
from crm_core.services.credentials import NewToken, TokenRecord

__all__ = ["NewToken", "TokenRecord", "Tokens"]


class Tokens:
    """`desk.tokens`: create, list and revoke API tokens (admins for anyone; a user for
    themselves). A token acts as its user with that user's visibility; `read` tokens may not
    change anything."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self, login: str, name: str, scope: str = "read", expires_on: date | None = None
    ) -> NewToken:
        """A new token; its `secret` is in the result only, never stored or shown again. It
        works through `expires_on` (in the deployment's time zone), or until revoked."""
        expires_at = None
        if expires_on is not None:
            end = datetime.combine(expires_on, time.max, self._ctx.zone)
            expires_at = end.astimezone(UTC)
        return credentials.create_token(self._ctx, login, name, scope, expires_at)

    def list(self, login: str | None = None) -> list[TokenRecord]:
        return credentials.list_tokens(self._ctx, login)

    def revoke(self, token_id: int) -> TokenRecord:
        return credentials.revoke_token(self._ctx, token_id)

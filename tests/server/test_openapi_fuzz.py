"""Schemathesis reads /api/openapi.json and sends every operation generated requests, both
within the document and outside it, as an administrator's write token would (the widest
reach): whatever it sends, the server answers with a 2xx or a 4xx problem document that gives
one line of reason, never a 5xx. PATCH and DELETE carry `If-Match: *`, so the writes behind
them are reached rather than stopped at the precondition."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.server.conftest import Company

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

#: Generated requests per operation and mode: enough to reach each parameter's refusals while
#: the whole document (about 200 operations) stays within a couple of minutes.
EXAMPLES = 5


def _problem_document(ctx: Any, response: Any, case: Any) -> None:
    """A refusal is an RFC 9457 problem document with a one-line reason."""
    if not 400 <= response.status_code < 500:
        return
    kind = response.headers.get("content-type", [""])
    kind = kind[0] if isinstance(kind, list) else kind
    assert kind.startswith("application/problem+json"), (response.status_code, kind)
    body = response.json()
    assert body["status"] == response.status_code, body
    assert body["detail"].strip() and "\n" not in body["detail"].strip(), body
    assert "Traceback" not in body["detail"], body


def _fuzz(operation: Any, token: str, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Any) -> None:
        headers = {"authorization": f"Bearer {token}", "accept-language": "zh"}
        if case.method.upper() in {"PATCH", "DELETE"}:
            headers["if-match"] = "*"
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error], additional_checks=[_problem_document]
        )

    check()


def test_no_generated_request_gets_a_server_error(
    company: Company, crm_backend: str, subtests: Any
) -> None:
    if crm_backend != "sqlite":
        pytest.skip("the document is fuzzed once; each backend's answers are asserted elsewhere")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", company.app)
    token = company.token("admin", "write")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50, "the document lists the command table"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                _fuzz(operation, token, mode)

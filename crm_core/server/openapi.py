"""The OpenAPI 3.1 document of the current route table, and a page that shows it without any
script from elsewhere."""

from __future__ import annotations

import html
from typing import Any

from crm_core import __version__
from crm_core.server.command_routes import CommandRoute, Param
from crm_core.server.plugin_routes import PluginRoute

PROBLEM = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["title", "status", "detail"],
}


def _schema(param: Param) -> dict[str, Any]:
    kinds = {"integer": "integer", "number": "number", "boolean": "boolean"}
    one: dict[str, Any] = {"type": kinds.get(param.kind, "string")}
    if param.kind == "date":
        one["format"] = "date"
    if param.choices:
        one["enum"] = list(param.choices)
    if param.file is not None:
        one = (
            {"type": "string", "format": "binary"} if param.file == "upload" else {"type": "string"}
        )
    if param.multiple:
        return {"type": "array", "items": one}
    return one


def _describe(param: Param) -> str:
    text = param.help
    if param.file == "output":
        text = (text + " A file name: its suffix picks the format; the file is the answer.").strip()
    if param.folder and param.file == "upload":
        text = (text + " A folder, uploaded as a .zip.").strip()
    return text


def _responses(route: CommandRoute | PluginRoute) -> dict[str, Any]:
    ok = "201" if route.creates else "200"
    problems = {
        code: {"description": text, "content": {"application/problem+json": {"schema": PROBLEM}}}
        for code, text in (
            ("400", "The request does not fit the route"),
            ("401", "Not signed in, or the token is not valid"),
            ("403", "Not allowed for this user, token or without the CSRF token"),
            ("404", "No such record, or one this user may not see"),
            ("409", "Already registered, or changed by someone at the same time"),
            ("412", "If-Match names an older version of the record"),
            ("422", "Refused: the one-line reason the CLI gives"),
        )
    }
    return {ok: {"description": "The answer, shaped like `--format json`"}, **problems}


def _operation(route: CommandRoute) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": "_".join(route.command).replace("-", "_") + "_" + route.method.lower(),
        "summary": route.summary,
        "description": route.description + f"\n\nRuns `crm {' '.join(route.command)}`.",
        "tags": [route.command[0]],
        "responses": _responses(route),
    }
    parameters: list[dict[str, Any]] = [
        {"name": p.name, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in route.in_path
    ]
    if route.reads:
        for param in route.params:
            entry: dict[str, Any] = {
                "name": param.name,
                "in": "query",
                "required": param.required and param.file is None,
                "schema": _schema(param),
            }
            if _describe(param):
                entry["description"] = _describe(param)
            if param.multiple:
                entry["explode"] = True
            parameters.append(entry)
    elif route.params:
        properties = {p.name: {**_schema(p), "description": _describe(p)} for p in route.params}
        required = [p.name for p in route.params if p.required]
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
        kind = "multipart/form-data" if route.uploads else "application/json"
        op["requestBody"] = {"required": bool(required), "content": {kind: {"schema": schema}}}
    if route.method in {"PATCH", "DELETE"}:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "The ETag of the record's GET; required where the record has one.",
            }
        )
    if route.method == "POST":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "A retry with the same key gets the first answer instead of acting twice.",
            }
        )
    if parameters:
        op["parameters"] = parameters
    return op


def _plugin_operation(route: PluginRoute) -> dict[str, Any]:
    names = [part[1:-1] for part in route.path.split("/") if part.startswith("{")]
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]
    parameters += [
        {
            "name": n,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": d,
        }
        for n, d in route.parameters.items()
        if n not in names and route.reads
    ]
    op: dict[str, Any] = {
        "operationId": route.path.strip("/")
        .replace("/", "_")
        .replace("{", "")
        .replace("}", "")
        .replace("-", "_")
        + "_"
        + route.method.lower(),
        "summary": route.summary,
        "tags": ["plugins"],
        "responses": _responses(route),
    }
    if parameters:
        op["parameters"] = parameters
    if not route.reads:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return op


def document(table: Any) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in table.commands:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    for route in table.plugins:
        paths.setdefault(route.path, {})[route.method.lower()] = _plugin_operation(route)
    paths["/api/v1/session"] = {
        "post": {
            "operationId": "sign_in",
            "summary": "Sign in: sets the session cookie; answers the CSRF token",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["login", "password"],
                            "properties": {
                                "login": {"type": "string"},
                                "password": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": {"description": "Signed in"},
                "401": {
                    "description": "Refused",
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                },
                "422": {
                    "description": "Missing login or password",
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                },
                "429": {"description": "Too many failures from this address"},
            },
        },
        "get": {
            "operationId": "whoami",
            "summary": "Who is signed in",
            "responses": {
                "200": {"description": "The user"},
                "401": {"description": "Not signed in"},
            },
        },
        "delete": {
            "operationId": "sign_out",
            "summary": "Sign out: the session ends on the server",
            "responses": {
                "204": {"description": "Signed out"},
                "401": {"description": "Not signed in"},
            },
        },
    }
    paths["/api/v1/session/password"] = {
        "post": {
            "operationId": "change_password",
            "summary": "Choose your own password",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["current", "new"],
                            "properties": {
                                "current": {"type": "string"},
                                "new": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "204": {"description": "Changed"},
                "401": {"description": "Not signed in"},
                "422": {
                    "description": "Refused",
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                },
            },
        }
    }
    paths["/api/v1/users/{login}/password"] = {
        "post": {
            "operationId": "set_password",
            "summary": "Set a user's password (admins); they choose their own at sign-in",
            "parameters": [
                {"name": "login", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "password": {"type": "string"},
                                "generate": {"type": "boolean"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "Set"},
                "403": {"description": "Not an admin"},
                "404": {"description": "No such user"},
                "422": {
                    "description": "Refused",
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                },
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "crm REST API",
            "version": __version__,
            "description": "Every `crm` command of the enabled plugins as a route, run as the signed-in user (docs/server.md).",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Problem": _PROBLEM_SCHEMA},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "crm_session"},
                "token": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"session": []}, {"token": []}],
    }


def html_page(doc: dict[str, Any]) -> str:
    rows = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            params = ", ".join(
                [p["name"] for p in op.get("parameters", []) if p["in"] != "header"]
                + list(
                    op.get("requestBody", {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema", {})
                    .get("properties", {})
                )
                + list(
                    op.get("requestBody", {})
                    .get("content", {})
                    .get("multipart/form-data", {})
                    .get("schema", {})
                    .get("properties", {})
                )
            )
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(params)}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>crm REST API</title>"
        "<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em}"
        "table{border-collapse:collapse}td{border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top}</style>"
        f"<h1>crm REST API {html.escape(doc['info']['version'])}</h1>"
        "<p>The machine-readable document: <a href='/api/openapi.json'>/api/openapi.json</a>.</p>"
        "<table><tr><th>Method</th><th>Path</th><th>What</th><th>Parameters</th></tr>"
        + "".join(rows)
        + "</table></html>"
    )

"""The server: `crm serve` runs an ASGI application (Starlette under uvicorn) through which the
company's people sign in and work: the REST API under /api/v1, generated from the `crm`
command table so that every command is one route with the same rules (decision 0034)."""

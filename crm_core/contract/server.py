"""Adding routes to the REST API (`crm_register_routes`): an `ApiRoute` whose handler gets a
`RouteRequest` (the parameters, and `request.desk()` as the signed-in user) and returns what
becomes the JSON answer.

    @hookimpl
    def crm_register_routes(register):
        register(ApiRoute("GET", "/api/v1/dealers/{customer}/credit", credit, "A dealer's credit"))

    def credit(request: RouteRequest) -> dict:
        with request.desk() as desk:
            return desk.dealers.credit(request.value("customer"))

Every command a plugin registers is a route already (docs/server.md); a route of its own is for
an answer no command gives.
"""

from crm_core.hooks.routes import ApiRoute
from crm_core.server.plugin_routes import RouteRequest

__all__ = ["ApiRoute", "RouteRequest"]

"""Adding web pages (`crm_register_pages`): a `WebPage` whose handler gets a `PageRequest` (the
parameters and form fields, uploaded files, `request.desk()` as the signed-in person) and
answers with `request.show(template, **values)` or `request.moved(path)`.

    @hookimpl
    def crm_register_pages(register):
        register(WebPage("/projects", "Projects", board, title_zh="项目",
                         menu=("admin", "manager", "sales"), package="crm_project_sales"))

    def board(request: PageRequest):
        with request.desk() as desk:
            return request.show("crm_project_sales/board.html", projects=desk.projects.list())

Templates live in the package's `templates/` folder, extend "base.html" and put their content
in `{% block main %}`; `_` in a template translates with the plugin's catalogue. A form that changes
data is a POST carrying `<input type="hidden" name="csrf" value="{{ csrf }}">`.
"""

from crm_core.hooks.pages import WebPage
from crm_core.server.web.plugin_pages import Moved, PageRequest, Shown, Upload

__all__ = ["Moved", "PageRequest", "Shown", "Upload", "WebPage"]

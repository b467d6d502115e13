"""The OpenAPI schema and the interactive docs (/openapi.json, /docs, /redoc), for signed-in users.

FastAPI serves these to anyone by default; here they need a signed-in user of any role (the
schema is the same for every role, and every user's pages already call the API it describes)
unless ``[server] public_docs = true``. The docs pages fetch /openapi.json without a token, so in
a browser they work with ``public_docs`` on (a development server); tools fetch the schema with
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse

from agentassist.api.deps import current_user, get_store
from agentassist.api.headers import docs_policy
from agentassist.store.db import Store

OPENAPI = "/openapi.json"
DOCS = "/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC = "/redoc"


def docs_reader(request: Request, store: Annotated[Store, Depends(get_store)]) -> None:
    """Lets anyone through with ``public_docs``, else a signed-in user (401 as every route answers)."""
    if not request.app.state.settings.server.public_docs:
        current_user(request, store)


def pages(title: str) -> dict[str, str]:
    """The HTML of each docs page by path (made once: they are the same for every request)."""
    swagger = get_swagger_ui_html(
        openapi_url=OPENAPI, title=f"{title} - Swagger UI", oauth2_redirect_url=OAUTH2_REDIRECT
    )
    return {
        DOCS: bytes(swagger.body).decode(),
        OAUTH2_REDIRECT: bytes(get_swagger_ui_oauth2_redirect_html().body).decode(),
        REDOC: bytes(get_redoc_html(openapi_url=OPENAPI, title=f"{title} - ReDoc").body).decode(),
    }


def policies(html: dict[str, str]) -> dict[str, str]:
    """The Content-Security-Policy of each docs page (headers.py gives every other path the pages' one)."""
    policy = docs_policy(*html.values())
    return dict.fromkeys(html, policy)


def router(html: dict[str, str]) -> APIRouter:
    r = APIRouter(dependencies=[Depends(docs_reader)], include_in_schema=False)

    @r.get(OPENAPI)
    def openapi(request: Request) -> JSONResponse:
        schema: dict[str, Any] = request.app.openapi()
        return JSONResponse(schema)

    def page(path: str) -> None:
        def serve() -> HTMLResponse:
            return HTMLResponse(html[path])

        r.add_api_route(path, serve, methods=["GET"], name=f"docs:{path}")

    for path in html:
        page(path)
    return r

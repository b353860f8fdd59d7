"""Swagger UI and Redoc from the sidecar package: offline, and within the site's CSP.

The UIs inject their own styles (so these two pages allow inline styles) and
start from a script: Swagger UI's comes from its own URL (the split view),
Redoc's carries the request's nonce. Nothing is loaded from outside.
"""

from __future__ import annotations

from typing import Any

from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

DOCS_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


@method_decorator(csp_override(DOCS_CSP), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    pass


@method_decorator(csp_override(DOCS_CSP), name="dispatch")
class RedocView(SpectacularRedocView):
    template_name = "integrations/docs/redoc.html"


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. The API has one version (v1): a ``?version=`` in the
    address is ignored rather than written into the answer's Content-Disposition
    header (a newline there made the header refused, a 500)."""

    def _get_version_parameter(self, request: Any) -> None:
        return None

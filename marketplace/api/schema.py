"""What drf-spectacular cannot guess about the API: the bearer token scheme.

Imported by ``ApiConfig.ready`` so the extension is registered before a schema is built.
The committed schema is ``docs/openapi.yaml`` (``make openapi`` regenerates it; enum names are in settings; a test
fails when it is stale or when generation warns).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A signed user id from POST /api/token/: "
            "`Authorization: Bearer <token>`.",
        }

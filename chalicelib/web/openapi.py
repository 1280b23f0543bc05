"""The OpenAPI 3.1 document for /api/, built from the route registry so it cannot drift from the code."""

from __future__ import annotations

import re
from typing import Any

from chalicelib import __version__
from chalicelib.web.routing import ROUTES

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                            "field": {"type": "string"},
                                            # Several inputs wrong at once: all of them (the first is also above).
                                            "errors": {"type": "array", "items": {
                                                "type": "object", "required": ["code", "message"],
                                                "properties": {"code": {"type": "string"},
                                                               "message": {"type": "string"},
                                                               "field": {"type": "string"}}}}}}},
}
_AUTH_ERRORS = {
    "401": {"description": "Not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "403": {"description": "Signed in but not allowed (or a failed anti-forgery check)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "404": {"description": "Not found, or not yours", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


_OK_WORDS = {200: "OK", 201: "Created"}


def document() -> dict[str, Any]:
    """Build the OpenAPI document for every ``kind="api"`` route."""
    paths: dict[str, Any] = {}
    for spec in ROUTES:
        if spec.kind != "api":
            continue
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", spec.path)]
        params += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in spec.query]
        for method in spec.methods:
            success = {"content": {"application/json": {"schema": spec.response_schema or {"type": "object"}}}}
            responses: dict[str, Any] = {str(code): {"description": _OK_WORDS.get(code, "OK"), **success}
                                         for code in spec.ok}
            responses["400"] = {"description": "Invalid input",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            operation: dict[str, Any] = {
                "summary": spec.summary,
                "operationId": f"{method.lower()}_{re.sub(r'[^a-zA-Z0-9]+', '_', spec.path).strip('_')}",
                "responses": responses,
            }
            if spec.auth != "public":
                operation["security"] = [{"session": []}]
                operation["responses"].update(_AUTH_ERRORS)
            if params:
                operation["parameters"] = params
            if method in ("POST", "PUT", "PATCH"):
                operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": spec.request_schema or {"type": "object"}}}}
                operation["parameters"] = [*operation.get("parameters", []),
                                           {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}]
            paths.setdefault(spec.path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Teamline API", "version": __version__,
                 "description": "Messaging between young people and their NHS clinical team. Not for emergencies."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "__Host-teamline"}},
        },
    }

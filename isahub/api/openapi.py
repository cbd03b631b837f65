"""Answers every operation can give, added to the OpenAPI document in one place.

Handlers declare their own answers; these come from the machinery around them and would
otherwise be undocumented: no or a bad token (401), a policy refusal (403), an unknown
record (404, where the path names one), invalid input (422, where there is input), the
database being unavailable (503) and, for writes, storage being full (507), both from
`core.views.server_error`.
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERRORS = {
    "type": "object",
    "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
    "required": ["detail"],
}
SERVICE_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "request_id": {"type": "string"}},
    "required": ["detail", "request_id"],
}
METHODS = {"get", "put", "post", "delete", "patch"}


def _response(description: str, schema_name: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{schema_name}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_common_responses(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationErrors", VALIDATION_ERRORS)
    schemas.setdefault("ServiceError", SERVICE_ERROR)
    secured_by_default = bool(document.get("security"))
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            secured = bool(operation.get("security", document.get("security") if secured_by_default else None))
            if secured:
                responses.setdefault("401", _response("No token, or one that is unknown or revoked", "Error"))
                responses.setdefault("403", _response("Refused by vetting, role or policy (the reason in words)", "Error"))
            if "{" in path:
                responses.setdefault("404", _response("No such record", "Error"))
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("422", _response("The input is not valid", "ValidationErrors"))
            responses.setdefault("503", _response("The database is unavailable; try again later", "ServiceError"))
            if method != "get":
                responses.setdefault("507", _response("Storage is full; nothing was saved", "ServiceError"))
    return document

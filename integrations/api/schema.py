"""Completes the generated schema with the error answers every operation can give."""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "Bad input: `errors` maps each field to its messages.",
    "401": "Not logged in, or the token is wrong or revoked.",
    "404": "Not found, or not visible to this viewer.",
    "405": "Method not allowed.",
    "406": "Not acceptable: this API answers JSON.",
    "409": "Not allowed in the current state, or lost to a concurrent change.",
    "413": "File too large.",
    "415": "Unsupported media type (or file type refused).",
    "422": "This Idempotency-Key was used with another request.",
    "429": "Throttled: retry after the Retry-After header.",
}
ALWAYS = ("400", "401", "404", "405", "406", "429")
ON_POST = ("409", "413", "415", "422")


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = list(ALWAYS) + (list(ON_POST) if method == "post" else [])
            if path.endswith("/auth/token/"):
                codes = [c for c in codes if c not in ("401", "404", "409")]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result

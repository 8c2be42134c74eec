"""The error responses every API route documents (one body shape with a stable code)."""

from __future__ import annotations

from typing import Any

from serving.models import ApiErrorBody

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ApiErrorBody, "description": description}
    for code, description in (
        (400, "Body is not UTF-8 JSON"),
        (401, "No or invalid credentials"),
        (403, "Role not allowed"),
        (413, "Note, body or batch too large"),
        (422, "Invalid body or unknown codes"),
        (429, "Rate limit"),
        (503, "Model not loaded"),
        (504, "Timeout"),
    )
}

"""Stable error codes of the service (``API0xx``): every error body is ``{"detail", "code"}`` and never quotes PHI.

Each message says what to do next. ``ApiError`` carries the HTTP status; the app turns it into a JSON response.
A unit test checks that no two codes collide.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import status


@dataclass(frozen=True)
class ErrorSpec:
    """One stable error: its code, HTTP status and message template (``str.format`` fields)."""

    code: str
    status: int
    message: str


E = ErrorSpec
ERRORS: dict[str, ErrorSpec] = {
    spec.code: spec
    for spec in (
        E("API001", status.HTTP_401_UNAUTHORIZED, "Not authenticated: send an API key in X-API-Key or a bearer token."),
        E("API002", status.HTTP_401_UNAUTHORIZED, "Invalid or revoked credentials: ask an admin for a new API key."),
        E("API003", status.HTTP_403_FORBIDDEN, "Not enough permissions"),
        E("API004", status.HTTP_404_NOT_FOUND, "Review item not found"),
        E("API005", status.HTTP_404_NOT_FOUND, "Suggestion {suggestion_id} is not part of review item {item_id}."),
        E(
            "API006",
            status.HTTP_413_CONTENT_TOO_LARGE,
            "The note is {size} bytes; the limit is {limit} (MEDCODE_MAX_NOTE_BYTES). Split the note or raise the "
            "limit.",
        ),
        E(
            "API007",
            status.HTTP_413_CONTENT_TOO_LARGE,
            "The request body exceeds {limit} bytes (MEDCODE_MAX_BODY_BYTES); send fewer encounters per request.",
        ),
        E(
            "API008",
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "The request body is not valid: {summary}. Fix the listed fields (see /docs for the schema).",
        ),
        E(
            "API009",
            status.HTTP_400_BAD_REQUEST,
            "The request body is not valid UTF-8 JSON; send the encounter as UTF-8 encoded JSON.",
        ),
        E(
            "API010",
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "Unknown codes in the claim: {codes}. Correct them (ICD-10-CM with a dot, HCPCS as 5 characters).",
        ),
        E(
            "API011",
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "The encounter has no claim; audit needs the billed claim (claim.lines).",
        ),
        E(
            "API012",
            status.HTTP_413_CONTENT_TOO_LARGE,
            "The batch has {size} encounters; the limit is {limit} (MEDCODE_MAX_BATCH). Split it into smaller batches.",
        ),
        E("API013", status.HTTP_429_TOO_MANY_REQUESTS, "Rate limit exceeded for this key; retry after {retry} s."),
        E(
            "API014",
            status.HTTP_504_GATEWAY_TIMEOUT,
            "The request took longer than {limit} s (MEDCODE_REQUEST_TIMEOUT_S); retry, or send smaller batches.",
        ),
        E(
            "API015",
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "No ICD-10-CM model bundle is loaded: set MEDCODE_ICD_BUNDLE to a bundle folder or MLflow model URI "
            "(train one with `medcode train --task icd10`) and restart `medcode serve`.",
        ),
        E(
            "API016",
            status.HTTP_409_CONFLICT,
            "Review item {item_id} is already resolved; open another item from the queue.",
        ),
        E(
            "API017",
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "The FHIR Bundle cannot be read: {reason}. Send a Bundle with DocumentReference, Encounter and Patient.",
        ),
        E(
            "API018",
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "Action {action} needs {field}: 'edit' and 'add' need the code, 'reject' and 'edit' need a reason.",
        ),
        E("API019", status.HTTP_404_NOT_FOUND, "API key {key_id} not found; list keys with GET /api/v1/keys."),
        E(
            "API020",
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            "Internal error (reference {ref}); the operator can search the server log for the reference.",
        ),
        E("API021", status.HTTP_404_NOT_FOUND, "Not found: see /docs for the routes of this service."),
        E("API022", status.HTTP_405_METHOD_NOT_ALLOWED, "Method not allowed on this route: see /docs."),
        E("API023", status.HTTP_400_BAD_REQUEST, "Bad request: {summary}."),
        E(
            "API024",
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "The audit engine is not loaded (MEDCODE_USE_AUDIT_ENGINE=false, or no code sets): set "
            "MEDCODE_USE_AUDIT_ENGINE=true and restart `medcode serve`.",
        ),
    )
}


class ApiError(Exception):
    """An error answered with a stable code; ``detail`` is safe to show (ids and counts only, never note text)."""

    def __init__(self, code: str, **fields: object) -> None:
        spec = ERRORS[code]
        self.code = code
        self.status_code = spec.status
        self.detail = spec.message.format(**fields)
        super().__init__(f"{code} {self.detail}")

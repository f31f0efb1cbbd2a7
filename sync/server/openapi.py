"""The OpenAPI 3.1 document the server publishes at ``/v1/openapi.json`` (hand-written)."""

from __future__ import annotations

from typing import Any

from sync.wire import MAX_BATCH, MAX_BODY_BYTES, REPLAY_WINDOW

_ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string", "description": "why the request was refused"},
    "server_time": {"type": "integer", "description": "server clock (Unix s), on clock errors"}}}
_RECORD = {"type": "object", "description": "a signed record envelope (docs/records.md: Record format)",
           "required": ["id", "kind", "schema", "author", "device", "seq", "prev", "created_at",
                        "body", "hash", "sig"],
           "properties": {
               "id": {"type": "string"}, "kind": {"type": "string"}, "schema": {"type": "integer"},
               "author": {"type": "string"}, "device": {"type": "string"},
               "seq": {"type": "integer", "minimum": 1}, "prev": {"type": "string"},
               "created_at": {"type": "string"}, "body": {"type": "object"},
               "hash": {"type": "string"}, "sig": {"type": "string"}}}
_RECEIPT = {"type": "object", "properties": {
    "type": {"const": "receipt/v1"}, "device": {"type": "string"}, "seq": {"type": "integer"},
    "hash": {"type": "string"}, "accepted_at": {"type": "string"}, "server_key": {"type": "string"},
    "sig": {"type": "string"}}}
_SIGNED = [{"deviceSignature": []}]


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "refused", "content": {"application/json": {"schema": _ERROR}}}
            for c in codes}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(version: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Governance store API", "version": version,
                 "description": "Central store for signed re-validation records. Requests after"
                 f" enrolment are signed by the device key (docs/api.md). Bodies are at most {MAX_BODY_BYTES}"
                 f" bytes; a push holds at most {MAX_BATCH} records; timestamps must be within"
                 f" {REPLAY_WINDOW} s of the server clock."},
        "components": {
            "securitySchemes": {"deviceSignature": {
                "type": "apiKey", "in": "header", "name": "X-Signature",
                "description": "Ed25519 over 'sup-sync-v1\\nMETHOD\\nPATH?QUERY\\nDEVICE\\nTIMESTAMP\\n"
                               "SHA256HEX(BODY)', with X-Device and X-Timestamp headers"}},
            "schemas": {"Record": _RECORD, "Receipt": _RECEIPT, "Error": _ERROR}},
        "paths": {
            "/v1/health": {"get": {"summary": "liveness, server clock and receipt key",
                                   "responses": {"200": _json({"type": "object", "properties": {
                                       "status": {"const": "ok"}, "server_time": {"type": "integer"},
                                       "server_key": {"type": "string"}, "version": {"type": "string"}}})}}},
            "/v1/openapi.json": {"get": {"summary": "this document", "responses": {"200": _json({})}}},
            "/v1/enrol": {"post": {
                "summary": "register a device key with a one-time token, or with rotated_from: the"
                           " enrolled device whose signed key_rotated record names this device and"
                           " key (request signed by the key being enrolled)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["device", "supervisor", "public_key"],
                    "properties": {"token": {"type": "string"}, "rotated_from": {"type": "string"},
                                   "device": {"type": "string"},
                                   "supervisor": {"type": "string"}, "public_key": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object"}), **_errors(400, 401, 403, 409, 413)}}},
            "/v1/push": {"post": {
                "summary": "push a batch of this device's records, in seq order",
                "security": _SIGNED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["records"], "properties": {
                        "records": {"type": "array", "maxItems": MAX_BATCH,
                                    "items": {"$ref": "#/components/schemas/Record"}},
                        "pipelined": {"type": "boolean", "description": "sent before the answer to this"
                                      " device's previous batch: should it start beyond the held head,"
                                      " it waits (briefly) for that batch to be written instead of being"
                                      " answered gap at once"}}}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "results": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "seq": {"type": "integer"}, "hash": {"type": "string"},
                        "status": {"enum": ["accepted", "duplicate", "rejected", "fork", "gap"]},
                        "reason": {"type": "string"}}}},
                    "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
                    "rejected": {"type": "integer"},
                    "resume_from": {"type": ["integer", "null"]},
                    "head": {"type": "object"},
                    "receipt": {"oneOf": [{"$ref": "#/components/schemas/Receipt"}, {"type": "null"}]}}}),
                    **_errors(400, 401, 403, 413, 503)}}},
            "/v1/pull": {"get": {
                "summary": "roster, checklists, incidents (first page) and other devices' records this supervisor needs",
                "security": _SIGNED,
                "parameters": [{"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 5000}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "roster": {"type": "array"}, "cohorts": {"type": "object"},
                    "checklists": {"type": "array"},
                    "incidents": {"type": "array", "items": {"type": "object", "properties": {
                        "date": {"type": "string", "format": "date"}, "category": {"type": "string"},
                        "cohort": {"type": "string"}, "staff_id": {"type": "string"},
                        "incident_ref": {"type": "string"}}}},
                    "records": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                    "devices": {"type": "object"}, "more": {"type": "boolean"},
                    "next_after": {"type": "integer"}}}), **_errors(400, 401, 403, 503)}}},
        },
    }

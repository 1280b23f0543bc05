"""JSON schemas shared by several API routes (the OpenAPI document is built from them)."""

from __future__ import annotations

from typing import Any

MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "sender", "body", "sent_at", "mine", "read", "automatic"],
    "properties": {
        "id": {"type": "string"}, "cursor": {"type": "string"}, "client_id": {"type": ["string", "null"]},
        "sender": {"type": "string", "enum": ["patient", "staff", "auto", "system"]}, "sender_label": {"type": "string"},
        "body": {"type": "string"}, "sent_at": {"type": "string", "format": "date-time"},
        "sent_text": {"type": "string"}, "mine": {"type": "boolean"}, "read": {"type": "boolean"},
        "automatic": {"type": "boolean"}, "auto_kind": {"type": ["string", "null"]},
        "reply_by": {"type": "string", "format": "date-time"}, "reply_by_text": {"type": "string"},
        # safety: the sender sees their message was marked urgent; staff see why, and any content warning
        "flagged": {"type": "boolean"}, "red_flags": {"type": "array", "items": {"type": "string"}},
        "content_warning": {"type": ["object", "null"]}, "can_warn": {"type": "boolean"},
    },
}
SEND_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["client_id", "body"],
    "properties": {
        "client_id": {"type": "string", "format": "uuid", "description": "Made by the client; a retry reuses it"},
        "body": {"type": "string", "minLength": 1, "maxLength": 2000},
    },
    "additionalProperties": False,
}
REPLY_REQUEST: dict[str, Any] = {**SEND_REQUEST, "properties": {**SEND_REQUEST["properties"],
                                                                "seen_upto": {"type": "string"}}}
SEND_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["message", "created"],
    "properties": {"message": MESSAGE, "auto_reply": {"oneOf": [MESSAGE, {"type": "null"}]},
                   "created": {"type": "boolean"}},
}
PAGE_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["messages"],
    "properties": {"messages": {"type": "array", "items": MESSAGE}, "older_cursor": {"type": ["string", "null"]}},
}
STATUS: dict[str, Any] = {
    "type": "object",
    "properties": {"open": {"type": "boolean"}, "reason": {"type": "string"}, "headline": {"type": "string"},
                   "detail": {"type": "string"}, "next_opening": {"type": ["string", "null"]},
                   "reply_by": {"type": ["string", "null"]}, "reply_by_text": {"type": "string"}},
}
UPDATES_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["changed", "messages", "latest", "owed"],
    "properties": {
        "changed": {"type": "boolean", "description": "Something newer than `after` is stored"},
        "messages": {"type": "array", "items": MESSAGE, "description": "What is newer, oldest first"},
        "more": {"type": "boolean", "description": "More are newer still: ask again from `latest`"},
        "latest": {"type": ["string", "null"], "description": "The newest message's cursor: the next `after`"},
        "first_unread": {"type": ["string", "null"]},
        "read_upto": {"type": ["string", "null"], "description": "The team has read the patient's messages up to here"},
        "owed": {"type": "boolean", "description": "The team still owes the patient a reply"},
        "status": STATUS,
    },
}

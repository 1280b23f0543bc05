"""Reading what filing to the record left behind: filed marks, the export bucket, the PDF's text.

Only this module (with ``storage``) knows how exports are laid out; tests ask it by what they want.
Import it only after the environment names the DynamoDB to use: it imports ``chalicelib``.
"""

from __future__ import annotations

import io
from typing import Any

from chalicelib.domain import filing
from chalicelib.models import export_files
from chalicelib.models.conversation import ConversationItem, MessageItem
from scripts.world import staff_record

__all__ = ["all_export_keys", "export_object", "export_objects", "is_filed", "pdf_text", "staff_record"]


def is_filed(conv: ConversationItem, message: MessageItem) -> bool:
    """Whether the conversation counts the message as filed to the record."""
    return filing.is_filed(message.sk, filing.as_ranges(conv.filed_ranges))


def export_objects(trust_id: str, team_id: str, patient_id: str, export_id: str) -> dict[str, dict[str, Any]]:
    """The export's objects in the bucket, by file name, with their metadata (encryption, type)."""
    prefix = export_files.export_prefix(trust_id, team_id, patient_id, export_id)
    s3 = export_files._s3()  # noqa: SLF001 - the tests' view of the bucket
    from chalicelib.settings import get_settings

    listed = s3.list_objects_v2(Bucket=get_settings().export_bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"].removeprefix(prefix): export_files.describe(o["Key"]) for o in listed}


def export_object(trust_id: str, team_id: str, patient_id: str, export_id: str, name: str) -> bytes:
    """One of the export's objects."""
    return export_files.read(export_files.export_prefix(trust_id, team_id, patient_id, export_id) + name)


def all_export_keys() -> list[str]:
    """Every object key in the export bucket."""
    from chalicelib.settings import get_settings

    listed = export_files._s3().list_objects_v2(Bucket=get_settings().export_bucket)  # noqa: SLF001
    return [o["Key"] for o in listed.get("Contents", [])]


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, in order (pypdf reads the font's ToUnicode map)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)

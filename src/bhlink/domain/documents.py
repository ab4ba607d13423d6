"""Document upload rules: the document types, the content-type allow-list and content sniffing.

A declared content type is trusted only when the bytes agree with it, by their signatures:

* PDF: the file begins with the header `%PDF-` (ISO 32000-1:2008, 7.5.2 "File header");
* PNG: the 8-byte signature 89 50 4E 47 0D 0A 1A 0A (PNG specification, 5.2 "PNG signature");
* JPEG: the SOI marker FF D8 followed by the next marker's FF (ITU-T T.81, B.1.1.3 and B.2.1);
* plain text: valid UTF-8 without NUL or other C0 control characters than tab, LF, FF and CR.

Nothing else is accepted: an HTML or SVG "attachment" could run script when a browser opens it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from types import MappingProxyType

from bhlink.domain.errors import DomainError, FieldProblem, InvalidInput, PayloadTooLarge


class UnsupportedDocumentType(DomainError):
    """The declared content type is not on the allow-list (415)."""

    status = 415
    title = "Unsupported media type"


class DocumentType(StrEnum):
    """What a document is for."""

    CONSENT = "consent"
    INTAKE_FORM = "intake_form"
    RELEASE_OF_INFORMATION = "release_of_information"
    ATTACHMENT = "attachment"


ALLOWED_CONTENT_TYPES = MappingProxyType(
    {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "text/plain": ".txt",
    }
)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\"<>:|?*]+")


def normalize_content_type(declared: str | None) -> str:
    """The media type without parameters, lower-cased ('Text/Plain; charset=utf-8' -> 'text/plain')."""
    return (declared or "").split(";", 1)[0].strip().lower()


def check_content_type(declared: str | None) -> str:
    """The normalised type if it is allowed; UnsupportedDocumentType (415) otherwise."""
    content_type = normalize_content_type(declared)
    if content_type not in ALLOWED_CONTENT_TYPES:
        allowed = ", ".join(ALLOWED_CONTENT_TYPES)
        raise UnsupportedDocumentType(
            detail=f"documents must be one of {allowed}",
            errors=[FieldProblem("file", f"content type must be one of {allowed}")],
            code="document_type_not_allowed",
        )
    return content_type


def check_size(size: int, max_bytes: int) -> None:
    """PayloadTooLarge (413) above the limit, InvalidInput for an empty file."""
    if size > max_bytes:
        raise PayloadTooLarge(
            detail=f"documents may be at most {max_bytes} bytes",
            errors=[FieldProblem("file", f"is larger than {max_bytes} bytes")],
            code="document_too_large",
        )
    if size == 0:
        raise InvalidInput(
            detail="the uploaded file is empty", errors=[FieldProblem("file", "is empty")]
        )


def content_matches(content_type: str, data: bytes) -> bool:
    """Whether the bytes carry the signature of the declared type (see the module docstring)."""
    if content_type == "application/pdf":
        return data.startswith(b"%PDF-")
    if content_type == "image/png":
        return data.startswith(_PNG_SIGNATURE)
    if content_type == "image/jpeg":
        return len(data) >= 3 and data[:3] == b"\xff\xd8\xff"
    if content_type == "text/plain":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return _TEXT_CONTROLS.search(text) is None
    return False


def check_content(content_type: str, data: bytes) -> None:
    """InvalidInput naming `file` when the bytes are not what the content type says."""
    if not content_matches(content_type, data):
        raise InvalidInput(
            detail="the file's content does not match its declared content type",
            errors=[FieldProblem("file", f"is not a valid {content_type} file")],
            code="document_content_mismatch",
        )


def safe_file_name(name: str | None, content_type: str) -> str:
    """A file name safe to store and to send back in Content-Disposition (no paths, no controls)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip(" .")[:200]
    return cleaned or f"document{ALLOWED_CONTENT_TYPES[content_type]}"

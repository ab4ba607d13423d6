"""Render a note packet as a PDF for human readers (ReportLab; see docs/decisions/0302).

Text is set in Bitstream Vera, the TrueType family ReportLab ships, embedded in the file so
accented names and typographic quotes print as written. Every piece of text is escaped
before it reaches ReportLab's paragraph markup, so note content can never inject markup.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bhlink.schemas.base import format_utc
from bhlink.schemas.notes import NotePacket
from bhlink.services.note_packets import PdfContext

_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
_TYPE_LABELS = {
    "intake": "Intake note",
    "progress": "Progress note",
    "med_management": "Medication management note",
    "discharge": "Discharge summary",
    "group": "Group note",
    "crisis": "Crisis note",
    "psychotherapy_note": "Psychotherapy note (kept apart from the record)",
}


@cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("BhVera", str(_FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("BhVeraBold", str(_FONT_DIR / "VeraBd.ttf")))
    return "BhVera", "BhVeraBold"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5)
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=6),
        "heading": ParagraphStyle(
            "heading", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=3
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "alert": ParagraphStyle(
            "alert", parent=body, fontName=bold, textColor=colors.HexColor("#9b1c1c")
        ),
    }


def _text(value: object) -> str:
    return escape(str(value)).replace("\n", "<br/>")


def _para(value: object, style: str = "body") -> Paragraph:
    return Paragraph(_text(value), _styles()[style])


def _name(provider: object | None) -> str:
    if provider is None:
        return "-"
    first = getattr(provider, "first_name", "")
    last = getattr(provider, "last_name", "")
    credentials = getattr(provider, "credentials", None)
    return f"{first} {last}" + (f", {credentials}" if credentials else "")


def _table(rows: Sequence[tuple[str, object]]) -> Table:
    styles = _styles()
    data = [[Paragraph(_text(k), styles["small"]), _para(v)] for k, v in rows]
    table = Table(data, colWidths=[1.7 * inch, 5.3 * inch])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def render(packet: NotePacket, context: PdfContext) -> bytes:
    """The PDF bytes of one signed note's packet."""
    note = packet.note
    patient = context.patient
    story: list[Flowable] = [
        _para(_TYPE_LABELS.get(note.note_type, note.note_type), "title"),
    ]
    if packet.disclosure and packet.disclosure.get("redisclosureNotice"):
        story += [
            _para("42 CFR Part 2 — notice to accompany disclosure", "alert"),
            _para(packet.disclosure["redisclosureNotice"], "small"),
            Spacer(1, 6),
        ]
    if not packet.content_verified:
        story.append(
            _para(
                "WARNING: the stored content of this note does not match the hash recorded "
                "when it was signed.",
                "alert",
            )
        )
    session = "-"
    if note.session_start is not None:
        session = format_utc(note.session_start)
        if note.session_end is not None:
            session += f" to {format_utc(note.session_end)}"
    story.append(
        _table(
            [
                ("Patient", f"{patient.first_name} {patient.last_name} (MRN {patient.mrn})"),
                ("Date of birth", patient.dob.isoformat()),
                ("Clinician", _name(context.provider)),
                ("Session", session),
                ("Duration", f"{note.duration_minutes} minutes" if note.duration_minutes else "-"),
                ("Telehealth", "yes" if note.telehealth else "no"),
                ("Service code", note.service_code or "-"),
                ("Diagnoses (ICD-10-CM)", ", ".join(note.diagnosis_codes) or "-"),
                ("Status", note.status + (" (locked)" if note.locked else "")),
                ("Note id", note.note_id),
            ]
        )
    )
    for name, text in note.sections.items():
        story += [_para(name.capitalize(), "heading"), _para(text)]
    if note.interventions:
        story += [_para("Interventions", "heading"), _para("; ".join(note.interventions))]
    if note.mental_status_exam:
        story += [
            _para("Mental status examination", "heading"),
            _table(list(note.mental_status_exam.items())),
        ]
    if note.risk_assessment is not None:
        rows = [(k.replace("_", " "), v.replace("_", " ")) for k, v in note.risk_assessment.items()]
        story += [_para("Risk assessment", "heading"), _table(rows or [("-", "none recorded")])]
    if note.goals_addressed:
        story += [
            _para("Treatment-plan goals addressed", "heading"),
            _table(
                [
                    (g.objective_id or g.goal_id or "-", g.comment or "")
                    for g in note.goals_addressed
                ]
            ),
        ]
    story.append(_para("Signatures", "heading"))
    for signature in packet.signatures:
        signer = context.provider if signature.role == "author" else context.supervisor
        story.append(
            _para(
                f"{signature.role.capitalize()}: {_name(signer)} "
                f"({signature.signer_user_id}), {format_utc(signature.signed_at)}, "
                f"SHA-256 {signature.content_hash}",
                "small",
            )
        )
    for addendum in packet.addenda:
        story += [
            _para(
                f"{addendum.kind.capitalize()} — {addendum.reason.replace('_', ' ')} — "
                f"{format_utc(addendum.added_at)}",
                "heading",
            ),
            _para(addendum.text),
        ]
        if addendum.explanation:
            story.append(_para(f"Explanation: {addendum.explanation}", "small"))
        story.append(_para(f"SHA-256 {addendum.content_hash}", "small"))
    story += [
        Spacer(1, 8),
        _para(
            f"Content verified against signed hash: {'yes' if packet.content_verified else 'NO'}. "
            f"Packet generated {format_utc(packet.packet_generated_at)}.",
            "small",
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=f"Clinical note {note.note_id}",
        author="bhlink",
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.75 * inch,
        bottomMargin=0.75 * inch,
    )
    document.build(story)
    return buffer.getvalue()

"""Draw a claim on the CMS-1500 (02/12) layout with ReportLab, box by box, by item number.

A clean, readable rendering with each NUCC item number and label (NUCC 1500 Health
Insurance Claim Form Reference Instruction Manual, version 02/12), not a pixel copy of the
red OCR form: payers that need the scanned red form print onto it from the same data.

The form has six service lines (item 24). A claim with more lines (an 837P claim may have
up to 50) continues on further pages, following the payer practice for multi-page 1500s
(e.g. HMSA, "Multi-page Claims", prc.hmsa.com): every page repeats the claim, is marked
"Page n of m" at the top right, and item 28 reads "CONTINUED" on all but the last page,
which carries the total.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from bhlink.services.cms1500 import ClaimForm
from bhlink.services.pdf_render import fonts, printable
from bhlink.store.tables import ClaimLine, Patient

_SUBTITLE = "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12 - rendering by item number"
# Item 1: the program the claim is billed to, from the payer's claim filing indicator.
_PROGRAM = {"MB": "Medicare", "MA": "Medicare", "MC": "Medicaid", "CH": "TRICARE", "VA": "CHAMPVA"}
_RESUBMISSION = {"7": "7 (replacement)", "8": "8 (void)"}
_POINTER_LETTERS = "ABCDEFGHIJKL"  # item 21 names up to 12 diagnoses A-L; 24E points at them
_LINES_PER_PAGE = 6

# Geometry in millimetres from the page's top-left corner (ReportLab counts points from the
# bottom-left; _Sheet converts). Letter paper, 10 mm margins, 196 mm of boxes per row.
_PAGE_HEIGHT = LETTER[1] / mm
_MARGIN = 10.0
_FULL = 196.0
_LABEL_SIZE, _LABEL_MIN_SIZE = 6.0, 5.0  # points; a label that still does not fit wraps
_VALUE_SIZE, _VALUE_MIN_SIZE = 8.5, 6.5
_LINE_SIZE, _LINE_MIN_SIZE = 8.0, 6.0
_PAD = 1.0  # inner left/right padding of a box
_LINE_WIDTHS = (34.0, 12.0, 10.0, 40.0, 18.0, 24.0, 14.0, 12.0, 32.0)
_LINE_HEADS = (
    "24A Date(s) of service",
    "24B POS",
    "24C EMG",
    "24D CPT/HCPCS  modifier",
    "24E Dx pointer",
    "24F $ Charges",
    "24G Units",
    "24I Qual",
    "24J Rendering NPI",
)
_LINE_ROW_HEIGHT = 7.0


@dataclass(frozen=True)
class _Box:
    item: str
    label: str
    value: str
    width: float  # mm


def _leading(size: float) -> float:
    """Line height in mm for a font size in points (1.2 x the size, as typesetters use)."""
    return size * 1.2 / mm


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` within `width` mm; a line that fits keeps its spacing as written."""
    lines: list[str] = []
    for line in text.split("\n"):
        fits = stringWidth(line, font, size) <= width * mm
        lines += [line] if fits else simpleSplit(line, font, size, width * mm)
    return lines


def _shrink_to_fit(text: str, font: str, size: float, smallest: float, width: float) -> float:
    """The largest size from `size` down to `smallest` (0.5 pt steps) at which text fits."""
    while size > smallest and stringWidth(text, font, size) > width * mm:
        size -= 0.5
    return size


class _Sheet:
    """One page being drawn, with a cursor (`top`, mm) that moves down row by row."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.regular, self.bold = fonts()
        self.top = _MARGIN

    def text(self, lines: Sequence[str], font: str, size: float, x: float, top: float) -> None:
        """Lines of text from `top` down, each centred in its line height, as a form cell."""
        leading = _leading(size)
        self.canvas.setFont(font, size)
        for number, line in enumerate(lines):
            baseline = top + number * leading + leading / 2 + 0.3 * size / mm
            self.canvas.drawString(x * mm, (_PAGE_HEIGHT - baseline) * mm, line)

    def rect(self, left: float, top: float, width: float, height: float) -> None:
        self.canvas.rect(left * mm, (_PAGE_HEIGHT - top - height) * mm, width * mm, height * mm)

    def label(self, label: str, width: float) -> tuple[list[str], float]:
        """A box label set in bold capitals: shrunk to fit, or wrapped at the smallest size."""
        text = printable(label.upper(), self.bold)
        size = _shrink_to_fit(text, self.bold, _LABEL_SIZE, _LABEL_MIN_SIZE, width - 2 * _PAD)
        return _wrap(text, self.bold, size, width - 2 * _PAD), size

    def box_row(self, boxes: Sequence[_Box], height: float = 11.0) -> None:
        """Boxes side by side; their values start on one line below the deepest label."""
        labels = [self.label(f"{box.item}. {box.label}", box.width) for box in boxes]
        label_depth = max(len(lines) * _leading(size) for lines, size in labels)
        value_top = self.top + 0.8 + label_depth + 0.9
        room = self.top + height - value_top - 0.5
        left = _MARGIN
        for box, (label_lines, label_size) in zip(boxes, labels, strict=True):
            self.rect(left, self.top, box.width, height)
            self.text(label_lines, self.bold, label_size, left + _PAD, self.top + 0.8)
            size, value_lines = self._wrap_value(box.value, box.width - 2 * _PAD, room)
            self.text(value_lines, self.regular, size, left + _PAD, value_top)
            left += box.width
        self.top += height

    def _wrap_value(self, value: str, width: float, room: float) -> tuple[float, list[str]]:
        """Wrap a value to its box, shrinking it until its lines fit the box's height.

        Below the smallest size a value would rather overflow its box than lose text.
        """
        text = printable(value, self.regular)
        size = _VALUE_SIZE
        lines = _wrap(text, self.regular, size, width)
        while size > _VALUE_MIN_SIZE and len(lines) * _leading(size) > room:
            size -= 0.5
            lines = _wrap(text, self.regular, size, width)
        return size, lines

    def line_grid(self, values: Sequence[Sequence[str]]) -> None:
        """Item 24: the heading row and six service-line rows (blank rows stay drawn)."""
        heads = [self.label(h, w) for h, w in zip(_LINE_HEADS, _LINE_WIDTHS, strict=True)]
        height = max(5.0, max(len(lines) * _leading(size) for lines, size in heads) + 1.6)
        left = _MARGIN
        for width, (lines, size) in zip(_LINE_WIDTHS, heads, strict=True):
            self.rect(left, self.top, width, height)
            self.text(lines, self.bold, size, left + 0.8, self.top + 0.8)
            left += width
        self.top += height
        blank = ("",) * len(_LINE_WIDTHS)
        for number in range(_LINES_PER_PAGE):
            row = values[number] if number < len(values) else blank
            left = _MARGIN
            for width, value in zip(_LINE_WIDTHS, row, strict=True):
                self.rect(left, self.top, width, _LINE_ROW_HEIGHT)
                shown = printable(value, self.regular)
                size = _shrink_to_fit(shown, self.regular, _LINE_SIZE, _LINE_MIN_SIZE, width - 1.6)
                self.text([shown], self.regular, size, left + 0.8, self.top + 2)
                left += width
            self.top += _LINE_ROW_HEIGHT


def _date(value: date) -> str:
    return value.strftime("%m %d %Y")


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def _patient_address(patient: Patient) -> str:
    parts = [patient.address_line1, patient.city, patient.region, patient.postal_code]
    return ", ".join(p for p in parts if p)


def _pointer_letter(index: int) -> str:
    # A draft claim may hold more diagnoses than the form's 12: print them all, numbered on.
    return _POINTER_LETTERS[index] if index < len(_POINTER_LETTERS) else str(index + 1)


def _line_values(line: ClaimLine, rendering_npi: str) -> tuple[str, ...]:
    """Items 24A-24J of one service line, as the columns of _LINE_HEADS (24H is not printed)."""
    pointers = "".join(
        _POINTER_LETTERS[p - 1] for p in line.diagnosis_pointers if 0 < p <= len(_POINTER_LETTERS)
    )
    return (
        f"{_date(line.service_date)} - {_date(line.service_date)}",
        line.place_of_service,
        "",
        f"{line.service_code} {' '.join(line.modifiers)}",
        pointers,
        _money(line.charge_cents),
        str(line.units),
        "NPI",
        rendering_npi,
    )


def _rows_above_lines(form: ClaimForm) -> list[tuple[list[_Box], float]]:
    """Items 1 to 23, row by row, with each row's height in mm."""
    claim, patient, payer, policy = form.claim, form.patient, form.payer, form.policy
    relationship = policy.relationship if policy is not None else "self"
    holder_self = relationship == "self"
    patient_name = f"{patient.last_name}, {patient.first_name}"
    insured = (
        patient_name
        if holder_self or policy is None
        else f"{policy.subscriber_last_name or ''}, {policy.subscriber_first_name or ''}"
    )
    diagnoses = "   ".join(
        f"{_pointer_letter(index)}. {code}" for index, code in enumerate(claim.diagnosis_codes)
    )
    resubmission = (
        f"{_RESUBMISSION[claim.frequency_code]} {claim.payer_claim_control_number or ''}".rstrip()
        if claim.frequency_code in _RESUBMISSION
        else ""
    )
    program = _PROGRAM.get(payer.claim_filing_indicator, "Group health plan / other")
    group = (policy.group_number if policy is not None else None) or ""
    return [
        ([_Box("1", "Program", program, 98), _Box("1a", "Insured's ID number", claim.member_id, 98)],
         11),
        ([_Box("2", "Patient's name", patient_name, 78),
          _Box("3", "Patient's birth date, sex",
               f"{_date(patient.dob)}  {patient.sex[:1].upper()}", 40),
          _Box("4", "Insured's name", insured, 78)], 11),
        ([_Box("5", "Patient's address", _patient_address(patient), 78),
          _Box("6", "Patient relationship to insured", relationship, 40),
          _Box("7", "Insured's address", _patient_address(patient) if holder_self else "", 78)],
         11),
        ([_Box("9", "Other insured's name", "", 49),
          _Box("10", "Condition related to employment / auto / other", "NO / NO / NO", 49),
          _Box("11", "Insured's policy group", group, 49),
          _Box("11c", "Insurance plan name", f"{payer.name} ({payer.edi_payer_id})", 49)], 11),
        ([_Box("12", "Patient's signature", "SIGNATURE ON FILE", 98),
          _Box("13", "Insured's signature", "SIGNATURE ON FILE", 98)], 11),
        ([_Box("21", "Diagnosis or nature of illness (ICD Ind. 0 = ICD-10)", diagnoses, _FULL)],
         14),
        ([_Box("22", "Resubmission code / original ref. no.", resubmission, 98),
          _Box("23", "Prior authorization number", claim.prior_authorization or "", 98)], 11),
    ]  # fmt: skip


def _rows_below_lines(form: ClaimForm, total: str) -> list[tuple[list[_Box], float]]:
    """Items 25 to 33; `total` is item 28 (the total, or CONTINUED on a page before the last)."""
    claim, rendering, location = form.claim, form.rendering, form.location
    billing = claim.billing_provider
    address = billing.get("address") or {}
    facility = ""
    if location is not None:
        place = location.address or {}
        parts = (location.name, place.get("line1"), place.get("city"), place.get("region"),
                 place.get("postalCode"))  # fmt: skip
        facility = ", ".join(str(v) for v in parts if v)
    signer = f"{rendering.first_name} {rendering.last_name}" if rendering else "SIGNATURE ON FILE"
    billing_info = (
        f"{billing.get('name') or ''}, {address.get('line1', '')}, {address.get('city', '')} "
        f"{address.get('region', '')} {address.get('postalCode', '')}\n"
        f"33a NPI {billing.get('npi') or ''}   33b ZZ {billing.get('taxonomy') or ''}"
    )
    return [
        ([_Box("25", "Federal tax I.D. number (EIN)", str(billing.get("taxId") or ""), 49),
          _Box("26", "Patient's account no.", claim.patient_control_number, 49),
          _Box("27", "Accept assignment", "YES", 30),
          _Box("28", "Total charge", total, 34),
          _Box("29", "Amount paid", _money(claim.paid_cents), 34)], 11),
        ([_Box("31", "Signature of physician or supplier", signer, 64),
          _Box("32", "Service facility location", facility, 66),
          _Box("33", "Billing provider info", billing_info, 66)], 18),
    ]  # fmt: skip


def draw(form: ClaimForm) -> bytes:
    """The claim's 1500 as PDF bytes: one Letter page per six service lines."""
    claim = form.claim
    npi = form.rendering.npi if form.rendering is not None and form.rendering.npi else ""
    lines = [_line_values(line, npi) for line in claim.lines]
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    pages = pages or [[]]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    canvas.setTitle(f"CMS-1500 {claim.patient_control_number}")
    canvas.setAuthor("bhlink")
    for number, page_lines in enumerate(pages, start=1):
        sheet = _Sheet(canvas)
        canvas.setLineWidth(0.2 * mm)
        sheet.text(["HEALTH INSURANCE CLAIM FORM"], sheet.bold, 13, _MARGIN, sheet.top)
        if len(pages) > 1:
            canvas.setFont(sheet.bold, 9)
            canvas.drawRightString(
                (_MARGIN + _FULL) * mm,
                (_PAGE_HEIGHT - sheet.top - 4.5) * mm,
                f"Page {number} of {len(pages)}",
            )
        sheet.top += 7
        sheet.text([_SUBTITLE], sheet.regular, 7, _MARGIN, sheet.top)
        sheet.top += 5
        for boxes, height in _rows_above_lines(form):
            sheet.box_row(boxes, height)
        sheet.line_grid(page_lines)
        last = number == len(pages)
        total = _money(claim.total_charge_cents) if last else "CONTINUED"
        for boxes, height in _rows_below_lines(form, total):
            sheet.box_row(boxes, height)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()

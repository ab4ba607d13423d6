"""A behavioral-health 835 interchange built with our own serializer (fake data).

Two transaction sets: the first holds a reversal (CLP02 22) and its correction with a
changed procedure (SVC06), a denied claim with H-code lines, and PLB interest plus an
overpayment recovery; the second is a zero-pay denial. Every level balances.
"""

from __future__ import annotations

from bhlink.edi import Delimiters, Segment, serialize

FIRST_SET: list[tuple[str, ...]] = [
    ("ST", "835", "0001"),
    ("BPR", "I", "20", "C", "ACH", "CCP", "01", "999999999", "DA", "123456", "1512345678", "",
     "01", "888888888", "DA", "654321", "20240205"),
    ("TRN", "1", "EFT0000099", "1512345678"),
    ("DTM", "405", "20240203"),
    ("N1", "PR", "ACME HEALTH PLAN"),
    ("N3", "1 PAYER WAY"),
    ("N4", "CHICAGO", "IL", "60601"),
    ("REF", "2U", "ACME01"),
    ("PER", "BL", "EDI SUPPORT", "TE", "8005550199"),
    ("N1", "PE", "MINDFUL BEHAVIORAL HEALTH", "XX", "1234567893"),
    ("REF", "TJ", "371234567"),
    ("LX", "1"),
    ("CLP", "CLM0001", "22", "-200", "-120", "", "12", "PAYERICN0001", "11", "1"),
    ("CAS", "CO", "45", "-60"),
    ("CAS", "PR", "3", "-20"),
    ("NM1", "QC", "1", "DOE", "JANE", "", "", "", "MI", "MEM100000"),
    ("DTM", "232", "20240102"),
    ("DTM", "233", "20240102"),
    ("CLP", "CLM0001", "1", "200", "150", "30", "12", "PAYERICN0002", "11", "7"),
    ("NM1", "QC", "1", "DOE", "JANE", "", "", "", "MI", "MEM100000"),
    ("NM1", "82", "1", "SMITH", "ALEX", "", "", "", "XX", "1811901945"),
    ("SVC", "HC:90837:95", "200", "150", "", "1", "HC:90834"),
    ("DTM", "472", "20240102"),
    ("CAS", "CO", "45", "15", "", "253", "5", "1"),
    ("CAS", "PR", "3", "30"),
    ("REF", "6R", "LINE1"),
    ("AMT", "B6", "180"),
    ("LQ", "HE", "N130"),
    ("LQ", "HE", "M15"),
    ("CLP", "CLM0002", "4", "150", "0", "0", "12", "PAYERICN0003", "11", "1"),
    ("NM1", "QC", "1", "DOE", "JOHN", "", "", "", "MI", "MEM200000"),
    ("SVC", "HC:H0004:HO", "96", "0", "", "4"),
    ("DTM", "472", "20240103"),
    ("CAS", "CO", "197", "96"),
    ("REF", "6R", "LINE7"),
    ("SVC", "HC:90785", "54", "0"),
    ("DTM", "472", "20240103"),
    ("CAS", "CO", "97", "54"),
    ("PLB", "1234567893", "20241231", "L6:CLM0001", "-2.5", "WO:PAYERICN0009", "12.5"),
]  # fmt: skip

SECOND_SET: list[tuple[str, ...]] = [
    ("ST", "835", "0002"),
    ("BPR", "H", "0", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", "20240205"),
    ("TRN", "1", "NOPAY0001", "1512345678"),
    ("DTM", "405", "20240203"),
    ("N1", "PR", "ACME HEALTH PLAN"),
    ("N3", "1 PAYER WAY"),
    ("N4", "CHICAGO", "IL", "60601"),
    ("PER", "BL", "EDI SUPPORT", "TE", "8005550199"),
    ("N1", "PE", "MINDFUL BEHAVIORAL HEALTH", "XX", "1234567893"),
    ("LX", "1"),
    ("CLP", "CLM0003", "4", "100", "0", "", "12", "PAYERICN0004", "11", "1"),
    ("CAS", "CO", "29", "100"),
    ("NM1", "QC", "1", "ROE", "RICHARD", "", "", "", "MI", "MEM300000"),
]  # fmt: skip


def _segment(values: tuple[str, ...]) -> Segment:
    segment_id, *elements = values
    return Segment.of(segment_id, *[v.split(":") if ":" in v else v for v in elements])


def behavioral_835(delimiters: Delimiters | None = None) -> str:
    """The two-set 835 interchange as text, one segment per line."""
    delimiters = delimiters or Delimiters()
    isa = Segment.of(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "ACME01".ljust(15), "ZZ",
        "MINDFULBH".ljust(15), "240205", "0900", delimiters.repetition, "00501", "000000055",
        "0", "T", delimiters.component,
    )  # fmt: skip
    body = [
        isa,
        Segment.of(
            "GS", "HP", "ACME01", "MINDFULBH", "20240205", "0900", "55", "X", "005010X221A1"
        ),
    ]
    for transaction in (FIRST_SET, SECOND_SET):
        body += [_segment(values) for values in transaction]
        body.append(Segment.of("SE", str(len(transaction) + 1), transaction[0][2]))
    body += [Segment.of("GE", "2", "55"), Segment.of("IEA", "1", "000000055")]
    return serialize(body, delimiters, line_break="\n")

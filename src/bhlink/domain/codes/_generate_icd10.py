"""Regenerate `data/icd10cm_bh.tsv`, the ICD-10-CM subset bhlink validates diagnoses against.

Run from the repository root, with the generator-only dependency installed in the venv:

    .venv/bin/pip install simple-icd-10-cm
    .venv/bin/python -m bhlink.domain.codes._generate_icd10            # rewrites the data file
    .venv/bin/python -m bhlink.domain.codes._generate_icd10 --check    # exit 1 if it is stale

`simple-icd-10-cm` bundles the CMS/NCHS ICD-10-CM tabular list (public domain, published by
CMS at cms.gov/medicare/coding-billing/icd-10-codes). It is used only here: the runtime reads
the committed TSV, so the package is not a dependency of bhlink. See
docs/decisions/0301-code-sets.md for the selection and the yearly update procedure.

A code is billable ("valid for HIPAA-covered transactions" in CMS terms) when it is a leaf of
the tabular list: categories and subcategories with children are headers, as are codes that
still need a 7th character (e.g. T74.11 needs T74.11XA/D/S).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.resources
import re
import sys
import warnings
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("data") / "icd10cm_bh.tsv"

# Roots of the subset. Every descendant of a root is included. Each root says why a
# behavioral-health practice codes it (DSM-5-TR cross-walk, screening, SDOH).
SELECTED_ROOTS: tuple[tuple[str, str], ...] = (
    ("5", "Chapter 5, F01-F99: mental, behavioral and neurodevelopmental disorders"),
    ("R41.83", "borderline intellectual functioning (DSM-5-TR V-code cross-walk)"),
    ("R44", "hallucinations and other perception symptoms"),
    ("R45", "emotional-state symptoms, incl. R45.851 suicidal ideations, R45.88 self-harm"),
    ("T14.91", "suicide attempt (7th character A/D/S required)"),
    ("T74", "confirmed adult and child abuse and neglect (DSM-5-TR maltreatment codes)"),
    ("T76", "suspected adult and child abuse and neglect (DSM-5-TR maltreatment codes)"),
    ("Z03.89", "observation for suspected condition ruled out"),
    ("Z04.6", "general psychiatric examination requested by authority"),
    ("Z04.7", "examination following alleged physical abuse"),
    ("Z13.3", "screening for mental health and behavioral disorders (Z13.30-Z13.39)"),
    ("Z13.4", "screening for developmental disorders in childhood"),
    ("Z51.81", "therapeutic drug level monitoring (e.g. lithium, clozapine)"),
    ("Z55-Z65", "psychosocial and socioeconomic circumstances (SDOH), incl. Z63 family"),
    ("Z69", "mental health services for victims and perpetrators of abuse"),
    ("Z70", "counseling related to sexual attitude, behavior and orientation"),
    ("Z71", "other counseling (substance use counseling Z71.4x, Z71.5x ...)"),
    ("Z72", "problems related to lifestyle (tobacco use, high-risk behavior ...)"),
    ("Z73", "problems related to life-management difficulty (burn-out ...)"),
    ("Z76.5", "malingerer"),
    ("Z81", "family history of mental and behavioral disorders"),
    ("Z86.5", "personal history of mental and behavioral disorders"),
    ("Z91.1", "nonadherence to medical treatment and regimen"),
    ("Z91.4", "personal history of psychological trauma"),
    ("Z91.5", "personal history of self-harm (Z91.51 suicidal, Z91.52 nonsuicidal)"),
    ("Z91.83", "wandering in diseases classified elsewhere"),
)

_RELEASE_FILE = re.compile(r"icd10c[m]?-tabular-(?P<release>[A-Za-z]+-\d{1,2}-\d{4})\.xml$")


def _library() -> Any:
    """Import simple-icd-10-cm lazily: it is a generator-only tool, untyped, not a runtime dep."""
    try:
        # Its import calls the deprecated importlib.resources.read_text: not our warning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module("simple_icd_10_cm")
    except ModuleNotFoundError:
        sys.exit("simple-icd-10-cm is not installed: .venv/bin/pip install simple-icd-10-cm")


def release_label() -> str:
    """The CMS release the library bundles, read from its tabular file name (e.g. April-1-2026)."""
    names = [entry.name for entry in importlib.resources.files("simple_icd_10_cm.data").iterdir()]
    for name in names:
        match = _RELEASE_FILE.search(name)
        if match:
            return match.group("release")
    raise RuntimeError(f"no ICD-10-CM tabular file found among {sorted(names)}")


def collect_rows(library: Any) -> list[tuple[str, bool, str]]:
    """(code, billable, description) for every category/subcategory under the selected roots."""
    rows: dict[str, tuple[str, bool, str]] = {}
    for root, _why in SELECTED_ROOTS:
        if not library.is_valid_item(root):
            raise RuntimeError(f"selected root {root} is not in this ICD-10-CM release")
        codes = [root, *library.get_descendants(root)]
        for code in codes:
            # Some names are both a block and a category (F99 is the block F99-F99 and the
            # code F99), so ask whether the name is a code rather than whether it is a block.
            if not library.is_category_or_subcategory(code):
                continue
            description = " ".join(str(library.get_description(code)).split())
            rows[code] = (code, bool(library.is_leaf(code)), description)
    return sorted(rows.values(), key=lambda row: row[0].replace(".", ""))


def render(rows: list[tuple[str, bool, str]], release: str, library_version: str) -> str:
    """The TSV text: a commented header naming source and release, then one code per line."""
    fiscal_year = _fiscal_year(release)
    month, day, year = release.split("-")
    header = [
        "# bhlink ICD-10-CM behavioral-health subset. Generated file: do not edit by hand.",
        "# Regenerate: python -m bhlink.domain.codes._generate_icd10 (see its docstring).",
        f"# release: ICD-10-CM FY{fiscal_year} ({month} {day}, {year} update)",
        "# source: CMS/NCHS ICD-10-CM tabular list (public domain),"
        f" as bundled in simple-icd-10-cm {library_version}",
        "# billable: 1 = leaf code valid on claims, 0 = header (needs more characters)",
        "# roots: " + ", ".join(root for root, _ in SELECTED_ROOTS),
        "code\tbillable\tdescription",
    ]
    body = [f"{code}\t{int(billable)}\t{description}" for code, billable, description in rows]
    return "\n".join(header + body) + "\n"


def _fiscal_year(release: str) -> int:
    """CMS fiscal years start on October 1: an April 2026 update belongs to FY2026."""
    month, _day, year = release.split("-")
    return int(year) + 1 if month.lower().startswith(("oct", "nov", "dec")) else int(year)


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the data file; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    parser.add_argument("--output", type=Path, default=DATA_FILE)
    args = parser.parse_args(argv)
    library = _library()
    rows = collect_rows(library)
    text = render(
        rows,
        release_label(),
        importlib.metadata.version("simple-icd-10-cm"),
    )
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; rerun without --check", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} codes to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

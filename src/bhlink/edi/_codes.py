"""Code lists the checks use, each with its source."""

from __future__ import annotations

# CMS Place of Service Code Set (https://www.cms.gov/medicare/coding-billing/
# place-of-service-codes/code-sets), as published in HL7 Terminology (THO)
# CodeSystem "CMSPlaceofServiceCodes" (urn:oid:2.16.840.1.113883.15.5, 52 concepts incl.
# 27 Outreach Site/Street effective 2023-10-01 and 66 PACE Center effective 2024-08-01).
# Unassigned numbers (28-30, 35-40, 43-48, 59, 63-64, 67-70, 73-80, 82-98) are invalid.
PLACE_OF_SERVICE_CODES = frozenset(
    [f"{n:02d}" for n in range(1, 28)]
    + ["31", "32", "33", "34", "41", "42"]
    + [f"{n:02d}" for n in range(49, 59)]
    + ["60", "61", "62", "65", "66", "71", "72", "81", "99"]
)

# Claim frequency (CLM05-3, NUBC code source 235) that bhlink writes: 1 original,
# 7 replacement of prior claim, 8 void/cancel of prior claim. The 837P TR3 (005010X222A1
# 2300 CLM05-3 note) and CMS professional billing accept exactly these; interim-bill
# codes 2-5 are institutional-only and bhlink does not produce interim bills.
CLAIM_FREQUENCY_CODES = frozenset({"1", "7", "8"})
# Frequencies that replace or void an earlier claim and so need the payer's claim
# control number in 2300 REF*F8 (TR3 2300 REF Payer Claim Control Number situational rule).
FREQUENCIES_NEEDING_PAYER_CLAIM_NUMBER = frozenset({"7", "8"})

# SBR09 / CLP06 Claim Filing Indicator Code (X12 element 1032) as listed for 005010X222A1
# 2000B SBR09 (pyx12 map 837.5010.X222.A1.xml, from the TR3).
CLAIM_FILING_INDICATORS = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "AM",
        "BL",
        "CH",
        "CI",
        "DS",
        "FI",
        "HM",
        "LM",
        "MA",
        "MB",
        "MC",
        "OF",
        "TV",
        "VA",
        "WC",
        "ZZ",
    ]
)
# SBR01 Payer Responsibility Sequence Number Code (element 1138), 5010 TR3 2000B.
PAYER_RESPONSIBILITY_CODES = frozenset(["A", "B", "C", "D", "E", "F", "G", "H", "P", "S", "T", "U"])
# PAT01 / SBR02 in 2320: Individual Relationship Code (element 1069) for 2000C PAT01.
PATIENT_RELATIONSHIP_CODES = frozenset(["01", "19", "20", "21", "39", "40", "53", "G8"])
OTHER_SUBSCRIBER_RELATIONSHIP_CODES = PATIENT_RELATIONSHIP_CODES | {"18"}
# DMG03 Gender Code in the 837 TR3s.
SEX_CODES = frozenset({"F", "M", "U"})

# CAS01 Claim Adjustment Group Code (element 1033): 835 TR3 2100/2110 CAS01 allows
# CO, OA, PI, PR; the 837 2320/2430 CAS also allows CR (corrections and reversals).
ADJUSTMENT_GROUP_CODES_835 = frozenset({"CO", "OA", "PI", "PR"})
ADJUSTMENT_GROUP_CODES_837 = ADJUSTMENT_GROUP_CODES_835 | {"CR"}

# Claim Status Category Codes (X12 external code list 507, x12.org/codes/
# claim-status-category-codes): A1 receipt, A2 accepted into adjudication, A5 split
# claim accepted; A3 returned as unprocessable, A4 not found, A6 rejected for missing
# information, A7 rejected for invalid information, A8 rejected for a relational field.
ACCEPTED_STATUS_CATEGORIES = frozenset({"A1", "A2", "A5"})
REJECTED_STATUS_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})

# CLP02 Claim Status Code (element 1029) values the 835 TR3 (005010X221A1) allows.
CLAIM_STATUS_CODES_835 = frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"})
REVERSAL_STATUS_CODE = "22"

# Institutional type-of-bill facility codes (first two TOB digits) the UB-04 definition
# treats as inpatient for the admission date; the 837I TR3 2300 DTP*435 is "Required on
# inpatient claims" and X12 RFIs 1479/1520 confirm home health 32x/33x count as inpatient
# for that element. 11x hospital inpatient, 18x swing bed, 21x SNF inpatient,
# 41x religious non-medical inpatient.
INPATIENT_FACILITY_CODES = frozenset({"11", "18", "21", "32", "33", "41"})

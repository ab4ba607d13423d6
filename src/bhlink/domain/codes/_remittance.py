"""Remittance (835) and claim-status code lists: CAS group codes, CARC and RARC.

Sources: Claim Adjustment Reason Codes (X12 external code source 139) and Remittance Advice
Remark Codes (external code source 411, maintained by CMS), both published by X12 at
x12.org/codes. The official wording is X12's, so every description here is our own short
summary of the code's meaning; the selection is the codes a behavioral-health practice meets
most often (patient responsibility, authorization, coding, eligibility, timely filing,
duplicates, coordination of benefits, medical necessity). An 835 may carry any code on the
published lists: unknown codes are reported, not rejected (see `describe_carc`).

CAS group codes come from the 835 TR3 (005010X221A1, CAS01): CO, OA, PI and PR. CR
(corrections and reversals) was valid in 4010 and was removed in 5010; it is listed so old
remittances can be read, flagged `valid_in_5010=False`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class GroupCode:
    """A CAS01 claim adjustment group code."""

    code: str
    name: str
    description: str
    valid_in_5010: bool


CAS_GROUP_CODES: MappingProxyType[str, GroupCode] = MappingProxyType(
    {
        "CO": GroupCode(
            "CO",
            "Contractual obligation",
            "Provider write-off under contract or regulation; not billable to the patient",
            True,
        ),
        "OA": GroupCode(
            "OA",
            "Other adjustment",
            "Adjustment that is neither contractual nor patient responsibility "
            "(e.g. prior-payer impact, duplicates)",
            True,
        ),
        "PI": GroupCode(
            "PI",
            "Payer-initiated reduction",
            "Reduction the payer applied that is not in the contract; not billable to the patient",
            True,
        ),
        "PR": GroupCode(
            "PR",
            "Patient responsibility",
            "Amount the patient owes: deductible, coinsurance, copay or non-covered service",
            True,
        ),
        "CR": GroupCode(
            "CR",
            "Correction and reversal",
            "Correction to a prior claim (4010 only; not used in 5010)",
            False,
        ),
    }
)

CARC_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "1": "Deductible",
        "2": "Coinsurance",
        "3": "Copay",
        "4": "Modifier does not fit the procedure, or a required modifier is missing",
        "5": "Procedure or bill type does not fit the place of service",
        "6": "Procedure does not fit the patient's age",
        "8": "Procedure does not fit the provider's type or specialty (taxonomy)",
        "9": "Diagnosis does not fit the patient's age",
        "11": "Diagnosis does not support the procedure",
        "12": "Diagnosis does not fit the provider type",
        "13": "Date of death is before the date of service",
        "14": "Date of birth is after the date of service",
        "16": "Claim or line is missing information or has a billing error (see remarks)",
        "18": "Exact duplicate of a claim or line already received",
        "19": "Work-related: the workers' compensation carrier is liable",
        "22": "Another payer may be primary under coordination of benefits",
        "23": "Effect of what prior payers paid or adjusted",
        "24": "Covered under a capitation or managed-care agreement",
        "26": "Service was before coverage began",
        "27": "Service was after coverage ended",
        "29": "Filing deadline has passed",
        "31": "Patient is not identified as this payer's member",
        "32": "Patient is not an eligible dependent",
        "35": "Lifetime benefit maximum reached",
        "39": "Authorization was refused when it was requested",
        "40": "Does not qualify as emergency or urgent care",
        "45": "Charge is above the fee schedule or contracted amount",
        "49": "Routine or preventive service that the plan does not cover",
        "50": "Payer does not consider the service medically necessary",
        "51": "Pre-existing condition not covered",
        "55": "Payer considers the treatment experimental or investigational",
        "56": "Payer does not consider the treatment proven effective",
        "58": "Service given in a place of service the payer considers inappropriate",
        "59": "Reduced under multiple or concurrent procedure rules",
        "89": "Professional fees taken out of the charges",
        "94": "Processed for more than the charges",
        "95": "Plan procedures were not followed",
        "96": "Non-covered charge (see remarks)",
        "97": "Paid as part of another service already adjudicated",
        "100": "Payment went to the patient or insured",
        "101": "Predetermination: expected payment once the service is done",
        "104": "Managed-care withhold",
        "107": "The related or qualifying claim or service is missing from this claim",
        "109": "Not covered by this payer; send to the correct payer",
        "110": "Billing date is before the service date",
        "112": "Not furnished directly to the patient, or not documented",
        "119": "Benefit maximum for the period or occurrence reached",
        "122": "Psychiatric reduction",
        "129": "Earlier processing information looks wrong (see remarks)",
        "133": "Line is pending further review",
        "136": "Prior payer's coverage rules were not followed",
        "140": "Member id and name do not match",
        "142": "Monthly Medicaid patient liability amount",
        "146": "Diagnosis was not valid on the date of service",
        "150": "Information sent does not support this level of service",
        "151": "Information sent does not support this many services or this frequency",
        "152": "Information sent does not support this length of service",
        "155": "Patient refused the service",
        "163": "Attachment referred to on the claim was not received",
        "164": "Attachment was not received in time",
        "166": "Submitted after this payer's responsibility under the plan ended",
        "167": "Diagnosis is not covered",
        "170": "Not paid when performed or billed by this type of provider",
        "171": "Not paid when this provider type bills from this type of facility",
        "172": "Adjusted because of the provider's specialty",
        "177": "Patient has not met eligibility requirements",
        "181": "Procedure code was not valid on the date of service",
        "182": "Modifier was not valid on the date of service",
        "183": "Referring provider may not refer this service",
        "185": "Rendering provider is not eligible to perform this service",
        "189": "Unlisted code billed when a specific code exists",
        "193": "Original decision stands; the claim was processed correctly",
        "197": "Prior authorization, precertification or notification missing",
        "198": "Authorized amount, units or visits exceeded",
        "199": "Revenue code and procedure code do not match",
        "200": "Service during a lapse in coverage",
        "204": "Not covered under the patient's current benefit plan",
        "206": "NPI missing",
        "207": "NPI invalid",
        "208": "NPI does not match",
        "209": "Provider may not collect this from the patient; may bill the next payer",
        "210": "Authorization was not received in time",
        "222": "Provider's contracted maximum hours, days or units for the period exceeded",
        "226": "Information requested from the provider was missing, late or incomplete",
        "227": "Information requested from the patient was missing or incomplete",
        "231": "Mutually exclusive procedures on the same day or setting",
        "234": "Procedure is not paid separately (see remarks)",
        "236": "Procedure or modifier combination not allowed with another service the same "
        "day (NCCI or state rules)",
        "239": "Claim spans covered and uncovered periods; bill separate claims",
        "242": "Not provided by network or primary care providers",
        "243": "Not authorized by network or primary care providers",
        "246": "Reporting-only code; not payable",
        "252": "An attachment or other documentation is required (see remarks)",
        "253": "Sequestration: federal payment reduction",
        "256": "Not payable under the managed-care contract",
        "258": "Not covered while the patient is in custody",
        "267": "Claim spans several months (see remarks)",
        "270": "Medical plan has no benefit; send to the dental plan",
        "272": "Coverage or program guidelines not met",
        "273": "Coverage or program guidelines exceeded",
        "275": "Prior payer's patient responsibility is not covered",
        "276": "Services the prior payer denied are not covered here",
        "279": "Not provided by the member's preferred network providers",
        "284": "Authorization number may be valid but does not cover the billed services",
        "285": "Appeal procedures not followed",
        "286": "Appeal time limit not met",
        "288": "Referral missing",
        "A1": "Claim or service denied (see remarks)",
        "B7": "Provider was not eligible to be paid for this service on this date",
        "B9": "Patient is enrolled in hospice",
        "B11": "Sent to the proper payer for processing; not covered here",
        "B12": "Service not documented in the medical record",
        "B13": "Previously paid; payment may have been in an earlier remittance",
        "B14": "Only one visit or consultation per physician per day is covered",
        "B15": "Requires a qualifying service that has not been received or paid",
        "B16": "New-patient criteria not met",
        "B20": "Partly or fully furnished by another provider",
        "B22": "Adjusted because of the diagnosis",
    }
)

RARC_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "M15": "Separately billed services were bundled as parts of one procedure",
        "M20": "HCPCS code missing, incomplete or invalid",
        "M51": "Procedure code missing, incomplete or invalid",
        "M53": "Days or units of service missing, incomplete or invalid",
        "M62": "Treatment authorization code missing, incomplete or invalid",
        "M76": "Diagnosis missing, incomplete or invalid",
        "M77": "Place of service missing, incomplete, invalid or inappropriate",
        "M79": "Charge missing, incomplete or invalid",
        "M80": "Not covered on the same session or date as a service already processed",
        "M81": "Code to the highest level of specificity",
        "M84": "Use the code sets in effect on the date of service",
        "M86": "Same or similar service already paid within the time frame",
        "M127": "Medical record for this service missing",
        "MA01": "Appeal rights: how and when to ask for a redetermination",
        "MA04": "Secondary payment needs the primary payer's identity or payment details",
        "MA18": "Claim forwarded to the patient's supplemental insurer",
        "MA36": "Patient name missing, incomplete or invalid",
        "MA63": "Principal diagnosis missing, incomplete or invalid",
        "MA130": "Claim unprocessable (incomplete or invalid data); no appeal rights, send a "
        "new claim",
        "N4": "Prior insurer's explanation of benefits missing, incomplete or invalid",
        "N10": "Adjusted after review by a review organization, consultant or peer reviewer",
        "N19": "Procedure is incidental to the primary procedure",
        "N20": "Not payable with another service on the same date",
        "N30": "Patient not eligible for this service",
        "N42": "Mental health assessment missing",
        "N54": "Claim does not match the authorized services",
        "N56": "Procedure code not correct or valid for the services or the date billed",
        "N95": "This provider type or specialty may not bill this service",
        "N115": "Decision based on a Local Coverage Determination (LCD)",
        "N122": "Add-on code billed without its primary code",
        "N130": "See plan benefit documents for restrictions on this service",
        "N151": "Telephone contacts not paid until the face-to-face requirement is met",
        "N179": "More information requested from the member; will be reconsidered on receipt",
        "N180": "Does not meet the criteria of the category it was billed under",
        "N188": "Approved level of care does not match the procedure billed",
        "N211": "This decision cannot be appealed",
        "N290": "Rendering provider primary identifier missing, incomplete or invalid",
        "N351": "Service date is outside the approved treatment plan's dates",
        "N362": "Days or units of service exceed the acceptable maximum",
        "N382": "Patient identifier missing, incomplete or invalid",
        "N386": "Decision based on a National Coverage Determination (NCD)",
        "N390": "Service or report cannot be billed separately",
        "N393": "Progress notes or report missing",
        "N394": "Progress notes or report incomplete or invalid",
        "N418": "Misrouted claim; see the payer's submission instructions",
        "N425": "Service excluded by statute",
        "N428": "Not covered in this place of service",
        "N430": "Procedure code does not fit the units billed",
        "N432": "Adjusted after a recovery audit",
        "N435": "Exceeds the allowed number or frequency for the period without supporting "
        "documentation",
        "N441": "Missed or cancelled appointment not covered",
        "N443": "Total time or begin/end time missing, incomplete or invalid",
        "N448": "Service not in the fee schedule or contracted fee arrangement",
        "N479": "Explanation of benefits from the other payer (COB or MSP) missing",
    }
)


def describe_carc(code: str) -> str | None:
    """Our short description of a CARC, or None for a code outside bhlink's list."""
    return CARC_CODES.get(code.strip().upper()) if isinstance(code, str) else None


def describe_rarc(code: str) -> str | None:
    """Our short description of a RARC, or None for a code outside bhlink's list."""
    return RARC_CODES.get(code.strip().upper()) if isinstance(code, str) else None


def lookup_group_code(code: str) -> GroupCode | None:
    """The CAS group code entry, or None when unknown."""
    return CAS_GROUP_CODES.get(code.strip().upper()) if isinstance(code, str) else None

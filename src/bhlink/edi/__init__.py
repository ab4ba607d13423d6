"""X12 EDI library (pure): 837P/837I writer, 835/999/277CA readers, tokenizer, checks.

Typical use::

    text = write_837p(envelope, submitter, receiver, billing_provider, claims)
    for remittance in read_835(raw_bytes):
        problems = check_835(remittance)

Everything public is re-exported here; the underscore modules are private.
"""

from bhlink.edi._acks import (
    ClaimAcknowledgment,
    ClaimStatus,
    ElementError,
    FunctionalAcknowledgment,
    LineStatus,
    SegmentError,
    StatusDetail,
    TransactionSetResponse,
    read_277ca,
    read_999,
)
from bhlink.edi._checks import check_837i, check_837p
from bhlink.edi._claims import (
    Address,
    BillingProvider,
    Claim,
    ClaimAdjustment,
    InstitutionalInfo,
    OtherCoverage,
    Patient,
    Payer,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)
from bhlink.edi._codes import PLACE_OF_SERVICE_CODES
from bhlink.edi._delimiters import Delimiters
from bhlink.edi._envelope import Envelope, Transaction, iter_transactions
from bhlink.edi._exceptions import (
    ClaimValidationError,
    X12EncodeError,
    X12Error,
    X12StructureError,
    X12SyntaxError,
    X12ValueError,
)
from bhlink.edi._problem import Problem
from bhlink.edi._remittance import (
    Adjustment,
    Amount,
    ClaimPayment,
    PersonName,
    ProcedureCode,
    ProviderAdjustment,
    Reference,
    Remittance,
    RemittanceParty,
    ServicePayment,
    read_835,
)
from bhlink.edi._rules import check_npi
from bhlink.edi._segment import Segment
from bhlink.edi._tokenizer import iter_segments, parse_segments, serialize
from bhlink.edi._validate import check_835, validate_835, validate_837
from bhlink.edi._writer import write_837i, write_837p

__all__ = [
    "PLACE_OF_SERVICE_CODES",
    "Address",
    "Adjustment",
    "Amount",
    "BillingProvider",
    "Claim",
    "ClaimAcknowledgment",
    "ClaimAdjustment",
    "ClaimPayment",
    "ClaimStatus",
    "ClaimValidationError",
    "Delimiters",
    "ElementError",
    "Envelope",
    "FunctionalAcknowledgment",
    "InstitutionalInfo",
    "LineStatus",
    "OtherCoverage",
    "Patient",
    "Payer",
    "PersonName",
    "Problem",
    "ProcedureCode",
    "Provider",
    "ProviderAdjustment",
    "Receiver",
    "Reference",
    "Remittance",
    "RemittanceParty",
    "Segment",
    "SegmentError",
    "ServiceLine",
    "ServicePayment",
    "StatusDetail",
    "Submitter",
    "Subscriber",
    "Transaction",
    "TransactionSetResponse",
    "X12EncodeError",
    "X12Error",
    "X12StructureError",
    "X12SyntaxError",
    "X12ValueError",
    "check_835",
    "check_837i",
    "check_837p",
    "check_npi",
    "iter_segments",
    "iter_transactions",
    "parse_segments",
    "read_277ca",
    "read_835",
    "read_999",
    "serialize",
    "validate_835",
    "validate_837",
    "write_837i",
    "write_837p",
]

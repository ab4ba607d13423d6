"""CPT/HCPCS service codes, modifiers, places of service, claim frequency and remittance codes."""

from __future__ import annotations

import pytest

from bhlink.domain.codes import (
    CARC_CODES,
    CAS_GROUP_CODES,
    MODIFIERS,
    PLACES_OF_SERVICE,
    RARC_CODES,
    SERVICE_CODES,
    TELEHEALTH_PLACES_OF_SERVICE,
    CodeSystem,
    describe_carc,
    describe_rarc,
    is_procedure_code_format,
    lookup_group_code,
    lookup_modifier,
    lookup_place_of_service,
    lookup_service_code,
    validate_claim_frequency,
    validate_modifiers,
    validate_place_of_service,
    validate_service_code,
)

REQUIRED_SERVICE_CODES = [
    "90791",
    "90792",
    "90832",
    "90833",
    "90834",
    "90836",
    "90837",
    "90838",
    "90839",
    "90840",
    "90846",
    "90847",
    "90849",
    "90853",
    "90785",
    "96127",
    "99211",
    "99212",
    "99213",
    "99214",
    "99215",
    "H0001",
    "H0004",
    "H0005",
    "H0031",
    "H0032",
    "H0036",
    "H2011",
    "H2014",
    "H2017",
    "H2019",
    "T1017",
    "G0444",
    "98966",
    "98967",
    "98968",
]


@pytest.mark.parametrize("code", REQUIRED_SERVICE_CODES)
def test_every_required_service_code_is_listed_with_a_description(code: str) -> None:
    entry = lookup_service_code(code)
    assert entry is not None
    assert entry.description
    assert validate_service_code(code) == []


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [
        ("90832", 16, 37),
        ("90834", 38, 52),
        ("90837", 53, None),
        ("90833", 16, 37),
        ("90836", 38, 52),
        ("90838", 53, None),
        ("90839", 30, 74),
        ("90846", 26, None),
    ],
)
def test_time_based_codes_carry_their_minute_bands(code: str, low: int, high: int | None) -> None:
    entry = SERVICE_CODES[code]
    assert entry.time_based
    assert (entry.min_minutes, entry.max_minutes) == (low, high)


@pytest.mark.parametrize("code", ["H0004", "H0036", "H2011", "H2014", "H2017", "H2019", "T1017"])
def test_per_15_minute_codes_are_unit_based(code: str) -> None:
    entry = SERVICE_CODES[code]
    assert entry.time_based and entry.unit_minutes == 15
    assert entry.system is CodeSystem.HCPCS


def test_add_on_codes_name_their_primary_codes() -> None:
    assert SERVICE_CODES["90840"].add_on_to == ("90839",)
    assert SERVICE_CODES["90833"].is_add_on and "99214" in SERVICE_CODES["90833"].add_on_to
    assert "90839" not in SERVICE_CODES["90785"].add_on_to  # not with crisis psychotherapy
    assert not SERVICE_CODES["90834"].is_add_on


def test_service_lookup_normalises_case_and_space() -> None:
    assert lookup_service_code(" h0004 ") is SERVICE_CODES["H0004"]
    assert lookup_service_code(90834) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", "service_code.missing"),
        ("9083", "service_code.bad_format"),
        ("Z1234", "service_code.bad_format"),
        ("90834A", "service_code.bad_format"),
        ("99499", "service_code.unknown"),
        ("J1234", "service_code.unknown"),
    ],
)
def test_validate_service_code_rejects_bad_input(code: str, expected: str) -> None:
    problems = validate_service_code(code, "serviceLines[0].serviceCode")
    assert [p.code for p in problems] == [expected]
    assert problems[0].field == "serviceLines[0].serviceCode"


def test_procedure_code_format() -> None:
    assert is_procedure_code_format("90834") and is_procedure_code_format("h2019")
    assert not is_procedure_code_format("W1234") and not is_procedure_code_format(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "code",
    [
        "95",
        "93",
        "GT",
        "GQ",
        "FQ",
        "HO",
        "HN",
        "HM",
        "HA",
        "HF",
        "HH",
        "U1",
        "U9",
        "UA",
        "UD",
        "59",
        "XE",
        "XP",
        "XS",
        "XU",
        "25",
        "KX",
        "GA",
        "GY",
        "GZ",
    ],
)
def test_required_modifiers_are_described(code: str) -> None:
    modifier = lookup_modifier(code.lower())
    assert modifier is not None and modifier.description


def test_modifier_validation_flags_unknown_duplicate_and_too_many() -> None:
    assert validate_modifiers(["95", "HO"]) == []
    problems = validate_modifiers(["95", "ZZ", "95", "HO", "U1"], "serviceLines[0].modifiers")
    codes = [p.code for p in problems]
    assert codes == ["modifier.too_many", "modifier.unknown", "modifier.duplicate"]
    assert problems[1].field == "serviceLines[0].modifiers[1]"
    assert problems[2].field == "serviceLines[0].modifiers[2]"
    assert len(MODIFIERS) > 50


@pytest.mark.parametrize("code", ["02", "10", "11", "12", "53", "57", "58", "27", "66", "99"])
def test_places_of_service_include_behavioral_settings(code: str) -> None:
    assert lookup_place_of_service(code)
    assert validate_place_of_service(code) == []


def test_telehealth_places_are_02_and_10() -> None:
    assert frozenset({"02", "10"}) == TELEHEALTH_PLACES_OF_SERVICE
    assert "home" in PLACES_OF_SERVICE["10"].lower()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", "pos.missing"),
        ("2", "pos.bad_format"),
        ("1a", "pos.bad_format"),
        ("30", "pos.unassigned"),
        ("00", "pos.unassigned"),
        ("59", "pos.unassigned"),
    ],
)
def test_place_of_service_validation_rejects_bad_input(code: str, expected: str) -> None:
    assert [p.code for p in validate_place_of_service(code)] == [expected]
    assert lookup_place_of_service(code) is None


def test_claim_frequency_rules() -> None:
    assert validate_claim_frequency("1", None) == []
    assert validate_claim_frequency("7", "ICN123") == []
    assert validate_claim_frequency("8", " X ") == []
    assert [p.code for p in validate_claim_frequency("7", None)] == [
        "claim_frequency.missing_original"
    ]
    assert [p.code for p in validate_claim_frequency("8", "  ")] == [
        "claim_frequency.missing_original"
    ]
    assert [p.code for p in validate_claim_frequency("1", "ICN1")] == [
        "claim_frequency.unexpected_original"
    ]
    assert [p.code for p in validate_claim_frequency("5", None)] == ["claim_frequency.unknown"]


@pytest.mark.parametrize(
    "code",
    [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "16",
        "18",
        "22",
        "23",
        "27",
        "29",
        "45",
        "50",
        "96",
        "97",
        "109",
        "119",
        "151",
        "167",
        "170",
        "197",
        "204",
        "242",
        "253",
        "A1",
        "B7",
    ],
)
def test_common_carcs_are_described(code: str) -> None:
    assert describe_carc(code)


def test_carc_and_rarc_lists_are_large_enough_and_unknowns_are_none() -> None:
    assert len(CARC_CODES) >= 60
    assert len(RARC_CODES) >= 40
    assert all(code.startswith(("M", "N")) for code in RARC_CODES)
    assert describe_rarc("n362") == RARC_CODES["N362"]
    assert describe_carc("99999") is None
    assert describe_rarc(None) is None  # type: ignore[arg-type]


def test_group_codes_mark_cr_as_pre_5010() -> None:
    assert set(CAS_GROUP_CODES) == {"CO", "OA", "PI", "PR", "CR"}
    assert all(lookup_group_code(code).valid_in_5010 for code in ("CO", "OA", "PI", "pr"))  # type: ignore[union-attr]
    cr = lookup_group_code("CR")
    assert cr is not None and not cr.valid_in_5010
    assert lookup_group_code("XX") is None

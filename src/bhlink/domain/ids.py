"""Prefixed, time-sortable identifiers: `<prefix>_<lowercase ULID>`."""

from __future__ import annotations

from ulid import ULID

PREFIXES = frozenset(
    {
        "int",
        "cli",
        "u",
        "ses",
        "pt",
        "ins",
        "prv",
        "loc",
        "payer",
        "apt",
        "note",
        "tp",
        "asr",
        "pa",
        "svc",
        "clm",
        "era",
        "doc",
        "tsk",
        "msg",
        "whk",
        "evt",
        "aud",
        "idk",
        "dx",
        "med",
        "alg",
        "cns",
        "flag",
        "asg",
        "dlv",
        "btc",
        "rsk",
        "sig",
        "add",
        "prb",
        "gol",
        "obj",
        "itv",
        "edi",
    }
)


def new_id(prefix: str) -> str:
    """Return a new id such as `pt_01j9…`; ids sort by creation time."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    return f"{prefix}_{str(ULID()).lower()}"


def has_prefix(value: str, prefix: str) -> bool:
    """Tell whether `value` looks like an id of the given kind (cheap pre-check before a lookup)."""
    return value.startswith(prefix + "_") and 3 <= len(value) - len(prefix) <= 40

"""`bhlink edi validate`, `bhlink era parse|import` and `bhlink claims build|scrub|submit`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bhlink import cli
from bhlink.config import Settings
from tests.revenue.support import completed_appointment, reply_835, set_up_billing
from tests.support.practice import Practice

runner = CliRunner()


@pytest.fixture
def cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    return settings


def _era(tmp_path: Path, text: str, name: str = "era.835") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_edi_validate_passes_good_files_and_fails_bad_ones(tmp_path: Path) -> None:
    good = _era(tmp_path, reply_835([{"pcn": "PCN1", "charge": "50", "paid": "50"}]))
    result = runner.invoke(cli.app, ["edi", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "ok (835)" in result.output
    bad = _era(tmp_path, good.read_text().replace("CLP*PCN1*1*50*50", "CLP*PCN1*1*50*40"), "bad")
    result = runner.invoke(cli.app, ["edi", "validate", str(bad)])
    assert result.exit_code == 1
    assert "segment CLP at position" in result.output


def test_era_parse_json(tmp_path: Path) -> None:
    path = _era(tmp_path, reply_835([{"pcn": "PCN1", "charge": "50", "paid": "45", "pr": "5",
                                      "adjustments": [("PR", "3", "5")]}]))  # fmt: skip
    result = runner.invoke(cli.app, ["era", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (remittance,) = json.loads(result.stdout)
    assert remittance["payment_amount"] == "45.00"
    assert remittance["claims"][0]["adjustments"][0] == {
        "group_code": "PR", "reason_code": "3", "amount": "5", "quantity": None,
    }  # fmt: skip


def test_claims_build_submit_and_era_import(
    practice: Practice, cli_settings: Settings, tmp_path: Path
) -> None:
    set_up_billing(practice)
    charge = practice.post(
        "/charges", {"appointmentId": completed_appointment(practice)}, role="biller"
    ).json()
    iid = practice.integration_id
    built = runner.invoke(
        cli.app, ["claims", "build", "--integration", iid, "--charge", charge["chargeId"]]
    )
    assert built.exit_code == 0, built.output
    claim_id, status, clm01 = built.output.split()[:3]
    assert status == "queued"
    scrubbed = runner.invoke(cli.app, ["claims", "scrub", "--integration", iid, claim_id])
    assert scrubbed.exit_code == 0 and "clean" in scrubbed.output
    again = runner.invoke(
        cli.app, ["claims", "build", "--integration", iid, "--charge", charge["chargeId"]]
    )
    assert again.exit_code == 1 and "already billed" in again.output
    submitted = runner.invoke(cli.app, ["claims", "submit", "--integration", iid])
    assert submitted.exit_code == 0, submitted.output
    assert (Path(cli_settings.edi_outbox) / iid).is_dir()
    era = _era(tmp_path, reply_835([{"pcn": clm01.removeprefix("CLM01="), "charge": "120",
                                     "paid": "120"}]))  # fmt: skip
    imported = runner.invoke(cli.app, ["era", "import", "--integration", iid, str(era)])
    assert imported.exit_code == 0, imported.output
    assert "claims 1/1" in imported.output
    assert practice.get(f"/claims/{claim_id}").json()["status"] == "paid"
    repeated = runner.invoke(cli.app, ["era", "import", "--integration", iid, str(era)])
    assert repeated.exit_code == 0 and "nothing changed" in repeated.output


def test_edi_pickup_from_the_inbox_folder(practice: Practice, cli_settings: Settings) -> None:
    inbox = Path(cli_settings.edi_inbox) / practice.integration_id
    inbox.mkdir(parents=True)
    (inbox / "a.835").write_text(reply_835([{"pcn": "X1", "charge": "10", "paid": "10"}]))
    (inbox / "b.835").write_text("ISA*garbage")
    result = runner.invoke(cli.app, ["edi", "pickup", "--integration", practice.integration_id])
    assert result.exit_code == 1, result.output
    assert "a.835: applied 835" in result.output and "b.835: refused" in result.output
    assert (inbox / "processed" / "a.835").exists() and (inbox / "failed" / "b.835").exists()
    assert practice.count("remittances") == 1

"""``clpkit events``/``findings`` with --dataset: the same output, the collection parsed only when it changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clpkit.cli import main
from clpkit.ingest import MANIFEST

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "bundle"


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def parts(dataset: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in dataset.rglob("part-*.parquet")}


@pytest.mark.parametrize("command", [["events", "--csv"], ["findings", "--json"], ["findings", "--lang", "ja"]])
def test_output_from_the_dataset_is_the_output_from_the_collection(tmp_path, command):
    dataset = tmp_path / "ds"
    parsed = run(command[0], str(SAMPLE), *command[1:])
    first = run(command[0], str(SAMPLE), *command[1:], "--dataset", str(dataset))
    assert (dataset / MANIFEST).is_file() and parts(dataset), "the collection was ingested into --dataset"
    assert first.stdout == parsed.stdout and first.stdout.strip()
    kept = parts(dataset)
    again = run(command[0], str(SAMPLE), *command[1:], "--dataset", str(dataset))
    assert again.stdout == parsed.stdout
    assert parts(dataset) == kept, "an unchanged collection is not parsed again"


def test_a_changed_file_is_parsed_again_and_shows(tmp_path):
    from clpkit.report.runner import unpack

    dataset = tmp_path / "ds"
    bundle = tmp_path / "bundle"
    shutil.copytree(unpack(SAMPLE, tmp_path / "work"), bundle)  # folders: a file can be edited
    before = run("events", str(bundle), "--csv", "--dataset", str(dataset))
    alert = next(bundle.rglob("alertlog.alt"))
    lines = alert.read_text(encoding="utf-8").splitlines(keepends=True)
    alert.write_text("".join(lines[:-5]), encoding="utf-8")  # five entries fewer
    fresh = run("events", str(bundle), "--csv")
    from_dataset = run("events", str(bundle), "--csv", "--dataset", str(dataset))
    assert from_dataset.stdout == fresh.stdout != before.stdout
    manifest = json.loads((dataset / MANIFEST).read_text(encoding="utf-8"))
    assert any(e["source"].endswith("alertlog.alt") for e in manifest["files"])

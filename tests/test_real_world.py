"""The sweep over ../shared/real-world: real clp.conf and clpstat files from public repositories.

For every real clp.conf: the model loads it and ``--json`` holds every value;
for every runbook, the plan is made or refused with a reason, and a plan never
names an example server, resource, group or device the cluster does not have.
For every real clpstat file: every line parses, and the checks answer or say
why they cannot. The files are not copied into the project (SOURCES.md says
where each comes from); a clone without ../shared skips this module.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from clpkit import config
from clpkit.formats import clpstat
from clpkit.problems import ClpkitError
from clpkit.runbook import procedures
from clpkit.runbook.params import make_plan

#: ../shared beside the clone (as CI has it); CLPKIT_SHARED points elsewhere (a git worktree's checkout).
SHARED = Path(os.environ.get("CLPKIT_SHARED") or Path(__file__).resolve().parents[1] / ".." / "shared")
REAL = SHARED / "real-world"
if not REAL.is_dir():
    pytest.skip(f"no {REAL} (the shared real-world files are not beside this clone)", allow_module_level=True)

CONFS = sorted(REAL.glob("clp_conf/*/clp.conf"))
STATS = sorted(REAL.glob("clpstat/*.txt"))
#: Every value the procedures use when they have nothing better: none may reach a plan for a cluster without it.
EXAMPLES = ("sv1", "sv2", "sv3", "md1", "md2", "hd1", "failover1", "disk1", "/dev/sdb1", "/dev/sdb2", "/dev/sdb5",
            "192.168.10.12", "sv2-new")
#: Procedure parameters that pick a variant, so that each variant meets each cluster.
VARIANTS = {
    "replace-server": [{"variant": v} for v in ("shared-disk", "mirror-new-disk", "mirror-reuse-disk",
                                                 "hybrid-new-disk", "hybrid-reuse-disk", "hybrid-shared-server")],
    "replace-mirror-disk": [{}, {"layout": "raid", "raid_method": "dd"}, {"layout": "both"}, {"disk": "hybrid"}],
    "resize-mirror-partition": [{}, {"rename": "yes"}, {"disk": "hybrid"}],
    "change-ip": [{}, {"change": "netmask"}],
}


def test_the_real_world_files_are_there():
    assert len(CONFS) >= 10 and len(STATS) >= 10, (len(CONFS), len(STATS))


def _load(path: Path) -> config.ClusterConfig:
    try:
        return config.load(path)
    except ClpkitError as exc:
        pytest.fail(f"{path}: {exc}")


def _names(cfg: config.ClusterConfig) -> set[str]:
    """Every name and value the cluster has (a plan may use any of them)."""
    return {part for v in cfg.values.values() if v for part in re.split(r"[\s,]+", v)} | {
        seg.partition("@")[2] for p in cfg.values for seg in p.split("/") if "@" in seg
    } | {seg.rpartition("@")[2] for p in cfg.values for seg in p.split("/") if "@" in seg}


@pytest.mark.parametrize("path", CONFS, ids=lambda p: p.parent.name)
def test_every_real_clp_conf_loads_whole(path):
    cfg = _load(path)
    text = json.dumps(cfg.to_dict(), ensure_ascii=False)
    for key, value in cfg.values.items():
        if value is not None and not config._is_secret(key):
            assert json.dumps(value, ensure_ascii=False)[1:-1] in text, f"{path.parent.name}: {key} missing from --json"
    monitors = cfg.to_dict()["monitors"]
    for m, d in zip(cfg.monitors, monitors):
        assert set(d["parameters"]) == set(m.params)


def _chosen(cfg: config.ClusterConfig, name: str) -> list[dict]:
    """Parameters an operator adds after a refusal that asked for a choice: a server, a new name or address."""
    out: list[dict] = []
    for s in cfg.servers[-1:]:
        if name in ("change-hostname",):
            out.append({"server": s.name, "new_name": "renamed-node"})
        if name in ("remove-server", "replace-mirror-disk", "replace-server", "resize-mirror-partition"):
            out.append({"server": s.name} if name != "resize-mirror-partition" else {})
        if name == "change-ip":
            for a in s.addresses:
                if a.address and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a.address):
                    out.append({"server": s.name, "device": a.device,
                                "new_ip": a.address.rsplit(".", 1)[0] + ".250"})
    if name == "add-server":
        out.append({"server": "newnode9"})
    if name == "add-resource-online" and cfg.groups:
        out.append({"group": cfg.groups[-1].name, "type": "exec"})
    return out


@pytest.mark.parametrize("path", CONFS, ids=lambda p: p.parent.name)
def test_every_runbook_on_every_real_cluster_plans_or_says_why(path):
    cfg = _load(path)
    names = _names(cfg)
    servers = {s.name for s in cfg.servers}
    planned = refused = 0
    for name in procedures.all_procedures():
        tries = [{**v, **c} for v in VARIANTS.get(name, [{}]) for c in [{}, *_chosen(cfg, name)]]
        for extra in tries:
            try:
                plan = make_plan(name, dict(extra), config=cfg)
            except ClpkitError as exc:
                reason = str(exc)
                assert len(reason) > 20, (name, extra, reason)
                if cfg.is_windows:
                    assert config.WINDOWS_REFUSAL in reason, (name, reason)
                refused += 1
                continue
            assert not cfg.is_windows, f"{name} planned for a Windows cluster"
            planned += 1
            assert plan.cluster == cfg.name
            for step in plan.steps:
                assert set(step.hosts) <= servers | set(extra.values()), (name, extra, step.hosts)
            text = json.dumps(plan.to_dict() if hasattr(plan, "to_dict") else str(plan), ensure_ascii=False)
            for example in EXAMPLES:
                if example not in names:
                    assert not re.search(rf"(?<![\w./-]){re.escape(example)}(?![\w-])", text), (
                        f"{path.parent.name}: {name} {extra} names {example!r}, which the cluster does not have")
    assert planned + refused > 0
    if cfg.is_windows:
        assert planned == 0


@pytest.mark.parametrize("path", STATS, ids=lambda p: p.stem)
def test_every_real_clpstat_file_parses(path):
    frame = clpstat.parse(path.read_bytes(), source=path.name)
    kept = frame.filter(frame["raw"].is_not_null())
    assert kept["problem"].null_count() == 0 and frame.height - kept.height >= 3
    # The one line pasted documents add ("(snip)") is kept with its reason; every other line is status.
    assert all("(snip)" in raw for raw in kept["raw"]), kept.select("line", "raw").rows()
    hb = frame.filter(frame["section"] == "heartbeat")
    assert not hb["name"].str.contains(r"np\d*$").any(), "a network-partition resource labelled a heartbeat"
    try:
        online = clpstat.servers_online(frame)
    except ClpkitError as exc:
        assert "cannot tell" in str(exc)
    else:
        assert isinstance(online, bool)
    for group in frame.filter((frame["section"] == "group") & frame["parent"].is_null())["name"].unique():
        try:
            clpstat.group_server(frame, group)
        except ClpkitError as exc:
            assert "say which with cluster=" in str(exc)

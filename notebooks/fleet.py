# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %%

# %% [markdown]
# Fleet summary: every cluster of one Parquet dataset (`clpkit ingest A B C
# --out DS`) side by side: findings by severity, headroom, failovers. Every
# figure is a DuckDB query on the dataset's files (`clpkit.fleet`); the
# layout and the tables' columns are in docs/DATASET.md. Rendered by
# `clpkit fleet DS --out DIR`.

# %% tags=["parameters"]
dataset: str = ""  # the Parquet dataset (clpkit ingest); empty: the sample collection, ingested into a temporary folder
bundle: str = "data/samples/bundle"  # the collection ingested when dataset is empty
since: str = ""  # ISO date/time; empty: from the start (statistics: the servers' clocks; findings: UTC)
until: str = ""  # ISO date/time, excluded; empty: to the end
lang: str = "en"  # language of the page: en or ja

# %%
from clpkit import fleet
from clpkit.report import page
from clpkit.report.i18n import t

root = dataset or str(fleet.sample_dataset(bundle))
con = fleet.connect(root)
overview = fleet.clusters(con, since, until)
names = overview["cluster"].to_list()
page.heading("fleet", lang, 1)
page.text(t("fleet_intro", lang).format(n=len(names), dataset=root))
page.heading("fleet_clusters", lang)
page.table(overview.rename({"servers": "fleet_servers", "names": "fleet_names", "first": "fleet_first",
                            "last": "fleet_last", "problems": "fleet_problems"}), lang)
page.text(t("fleet_period_note", lang))

# %%
counts = fleet.findings_by_severity(con, names, since, until)
assert counts.height == len(names) * 4
page.heading("fleet_findings", lang)
if fleet.has_findings(root):
    page.show(fleet.severity_chart(counts, title=t("fleet_findings", lang), lang=lang))
    wide = counts.pivot("severity", index="cluster", values="count", maintain_order=True)
    page.table(wide.rename({s: t(s, lang) for s in wide.columns if s != "cluster"}), lang)
else:
    page.text(t("fleet_no_findings", lang))

# %%
room = fleet.headroom(con, since, until)
assert room.is_empty() or (room["headroom_pct"] <= 100).all()
tight = fleet.tightest(room)
page.heading("fleet_headroom", lang)
page.text(t("fleet_headroom_note", lang).format(tight=fleet.TIGHT_PCT))
if tight.height:
    page.show(fleet.headroom_chart(tight, title=t("fleet_headroom", lang), lang=lang))
page.table(fleet.localised_headroom(tight, lang), lang)
page.heading("fleet_headroom_servers", lang, 3)
page.table(fleet.localised_headroom(room, lang), lang)

# %%
moves = fleet.failovers(con, since, until)
page.heading("fleet_failovers", lang)
page.text(t("fleet_failover_count", lang).format(n=moves.height))
page.table(moves.rename({"group": "fleet_group", "server": "fleet_to_server"}), lang)

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

# %% [markdown]
# Cluster statistics (perf/cluster/*.cur): how long groups, resources and
# monitors take, against the timeouts clp.conf gives them, and how often
# they end in something other than Success. Logic in `clpkit.report.cluster`.

# %% tags=["parameters"]
bundle: str = "data/samples/bundle"  # log collection to analyse (folder or archive)
since: str = ""  # ISO date/time; empty: from the start of the data
until: str = ""  # ISO date/time, excluded; empty: to the end of the data
lang: str = "en"  # language of the page: en or ja
tz: str = ""  # zone the servers' clocks run on (IANA name or +09:00); empty: detected, else UTC
problems: str = ""  # set by clpkit report: what it could not unpack from the archives (JSON file)
dataset: str = ""  # set by clpkit report: the Parquet dataset the tables are read from; empty: parse the bundle
detected_zone: str = ""  # set by clpkit report: the servers' zone it detected once for every report (JSON); empty: detected here

# %%
import polars as pl

from clpkit import charts
from clpkit.report import cluster, data, figures, page
from clpkit.i18n import t

b = data.open_bundle(bundle, tz, problems, dataset, detected_zone)
stats = figures.table(b, "cluster_stats", since, until, keep=cluster.COLUMNS)
page.heading("cluster_statistics", lang, 1)
page.notice(b, lang)
page.text(page.period_text(stats, since, until, lang))

# %%
groups = cluster.durations(stats, "group")
assert (groups["max_s"] >= groups["mean_s"]).all()
page.heading("group_actions", lang)
shown_groups = cluster.localised(groups, lang, "group")
page.table(shown_groups, lang)
if groups.height:
    page.show(charts.bars(shown_groups.with_columns(label=pl.col("name") + " " + pl.col("action")),
                          x="max_s", y="label", label=t("max", lang), unit="s", y_title=t("name", lang), lang=lang))

# %%
fo = cluster.failovers(stats)
assert fo.height <= groups["count"].sum() if groups.height else fo.is_empty()
page.heading("failovers", lang)
page.table(cluster.localised(fo, lang, "group"), lang)

# %%
res = cluster.resources_against_timeouts(stats, cluster.resource_timeouts(b.config))
assert (res["headroom_pct"].drop_nulls() <= 100).all()
page.heading("resource_activation", lang)
page.table(cluster.localised(res, lang, "resource"), lang)

# %%
mon = cluster.monitor_headroom(stats, cluster.monitor_timeouts(b.config))
assert (mon["headroom_pct"].drop_nulls() <= 100).all()
page.heading("monitor_headroom", lang)
page.table(cluster.localised(mon, lang, "monitor"), lang)
known = mon.drop_nulls("use_pct")
if known.height:
    page.show(charts.timeout_use(known, title=t("monitor_headroom", lang), lang=lang))

# %%
res_counts = cluster.outcomes(stats)
assert res_counts["count"].sum() == stats.filter(pl.col("result") != "Success").height
table = cluster.outcome_table(stats)
assert table.select(cluster.RESULTS).sum_horizontal().sum() <= res_counts["count"].sum()
page.heading("outcomes", lang)
page.table(cluster.localised(table, lang), lang)
if res_counts.height:
    page.show(charts.outcome_counts(res_counts, title=t("outcomes", lang), lang=lang))

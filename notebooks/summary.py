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
# Summary: one page with the cluster, the period, the findings by severity,
# the trend of the key figures across earlier runs, and links to the other
# reports of this run. `history` and `run_dir` are set by `clpkit report`.

# %% tags=["parameters"]
bundle: str = "data/samples/bundle"  # log collection to analyse (folder or archive)
since: str = ""  # ISO date/time; empty: from the start of the data
until: str = ""  # ISO date/time, excluded; empty: to the end of the data
lang: str = "en"  # language of the page: en or ja
tz: str = ""  # zone the servers' clocks run on (IANA name or +09:00); empty: detected, else UTC
problems: str = ""  # set by clpkit report: what it could not unpack from the archives (JSON file)
dataset: str = ""  # set by clpkit report: the Parquet dataset the tables are read from; empty: parse the bundle
detected_zone: str = ""  # set by clpkit report: the servers' zone it detected once for every report (JSON); empty: detected here
history: str = ""  # output folder of earlier runs (clpkit report --out); empty: no trend
run_dir: str = ""  # this run's folder: its key figures are stored there; empty: not stored
reports: str = ""  # comma-separated reports of this run; empty: every report
computed: str = ""  # set by clpkit report: the folder of the events, findings and incidents computed once per run; empty: computed here

# %%
from clpkit import charts
from clpkit.report import NOTEBOOKS, data, figures, page
from clpkit.i18n import t

b = data.open_bundle(bundle, tz, problems, dataset, detected_zone)
cluster = figures.cluster_name(b, data.resolve_bundle(bundle))
page.heading("summary", lang, 1)
page.notice(b, lang)
page.text(f"{t('cluster', lang)}: {cluster} — {t('servers', lang)}: {', '.join(b.servers)}")
shown_stats = figures.table(b, "mirror_stats", since, until)
period = page.period_bounds(shown_stats, since, until)
page.text(page.period_text(shown_stats, since, until, lang))

# %% [markdown]
# The incidents of the period, one paragraph each (clpkit explain), before the findings.

# %%
from clpkit.explain import outage, page as story
from clpkit.report import computed as once

incidents, records = once.incidents(b, since, until, computed)
page.heading("incidents", lang)
page.markup(story.narrative_html(incidents, lang, b.zone))
outages = outage.summary(records)
assert outages["count"].sum() <= len(incidents)

# %%
found = figures.report_findings(b, since, until, lang, computed)
counts = figures.severity_counts(found)
assert counts["count"].sum() == found.height
page.heading("findings", lang)
page.show(charts.severity_counts(counts, title=t("findings", lang), lang=lang))
page.table(figures.localised_findings(found, lang), lang)

# %% [markdown]
# This run's key figures are stored in its folder (when run by `clpkit report`),
# then compared with the earlier runs of the same cluster.

# %%
key = figures.key_figures(b, found, since, until, outages)
assert key["metric"].is_unique().all()
figures.write(key, run_dir, cluster=cluster, period=period)
trend = figures.history(history, cluster, run_dir)
assert trend["run_time"].null_count() == 0
page.heading("trend", lang)
counts_trend = figures.findings_trend(trend)
if counts_trend.height:
    page.show(charts.trend(counts_trend, title=t("findings", lang), lang=lang))
page.table(figures.trend_table(trend, lang=lang), lang)

# %%
others = [n for n in (reports.split(",") if reports else NOTEBOOKS) if n and n != "summary"]
page.heading("reports", lang)
page.links(others, lang)

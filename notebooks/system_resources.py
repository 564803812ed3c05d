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
# System resources: CPU, memory, swap, threads, open files, inodes and
# processes per server (system.cur), how much of each limit is in use, and
# the samples far from their usual level. Logic in `clpkit.report.system`.

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
from clpkit.report import data, figures, page, system

b = data.open_bundle(bundle, tz, problems, dataset, detected_zone)
stats = figures.table(b, "system_stats", since, until)
page.heading("system_resources", lang, 1)
page.notice(b, lang)
page.text(page.period_text(stats, since, until, lang))

# %%
usage = system.limit_usage(stats, lang)
assert (usage["max_pct"] >= usage["mean_pct"]).all()
assert usage["server"].n_unique() == stats["server"].n_unique() or usage.is_empty()
page.heading("limits_use", lang)
page.table(system.usage_table(usage, lang), lang)

# %%
shown = system.charts_for(stats, lang)
assert len(shown) == (1 if stats.height else 0)
for chart in shown:
    page.show(chart)

# %%
odd = system.anomalies(stats, lang)
assert (odd["zscore"].abs() >= system.ANOMALY_SIGMA).all()
page.heading("anomalies", lang)
page.table(odd, lang)

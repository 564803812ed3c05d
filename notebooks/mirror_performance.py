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
# Mirror performance: every mirror's statistics (nmpN.cur) against the
# settings clp.conf gives them, and what to change. The logic is in
# `clpkit.report.mirror`; this notebook only lays the page out.

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

from clpkit.report import data, figures, mirror, page

b = data.open_bundle(bundle, tz, problems, dataset, detected_zone)
stats = figures.table(b, "mirror_stats", since, until)
settings = mirror.mirror_settings(b.config)
mirrors = sorted(stats["mirror"].drop_nulls().unique().to_list())
assert stats.filter(pl.col("mirror").is_null()).is_empty(), "every mirror sample names its mirror"

page.heading("mirror_performance", lang, 1)
page.notice(b, lang)
page.text(page.period_text(stats, since, until, lang))

# %% [markdown]
# Recommendations first: the one table an administrator acts on.

# %%
rec = mirror.recommendations(stats, settings, lang)
assert rec["mirror"].n_unique() == len(mirrors) or stats.is_empty()
assert (rec["usage_pct"].drop_nulls() >= 0).all()
assert rec.filter(pl.col("suggested").is_not_null() & (pl.col("suggested") <= pl.col("current"))).is_empty(),     "a suggestion always raises the setting"
page.heading("recommendations", lang)
page.table(mirror.display_table(rec, lang), lang)

# %%
for name in mirrors:
    page.heading(name, lang)
    for chart in mirror.charts_for(stats, name, settings.get(name, {}), lang):
        page.show(chart)

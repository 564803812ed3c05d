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
# Incident timeline: the merged event timeline of every server for one
# window, the mirror and system metrics of the same window with the error
# events marked on them, and the findings. Without since/until the window
# is the hours before the last error (`clpkit.report.timeline`).

# %% tags=["parameters"]
bundle: str = "data/samples/bundle"  # log collection to analyse (folder or archive)
since: str = ""  # ISO date/time; empty: from the start of the data
until: str = ""  # ISO date/time, excluded; empty: to the end of the data
lang: str = "en"  # language of the page: en or ja
tz: str = ""  # zone the servers' clocks run on (IANA name or +09:00); empty: detected, else UTC
problems: str = ""  # set by clpkit report: what it could not unpack from the archives (JSON file)
dataset: str = ""  # set by clpkit report: the Parquet dataset the tables are read from; empty: parse the bundle
detected_zone: str = ""  # set by clpkit report: the servers' zone it detected once for every report (JSON); empty: detected here
computed: str = ""  # set by clpkit report: the folder of the events, findings and incidents computed once per run; empty: computed here

# %%
import polars as pl

from clpkit import zone
from clpkit.report import computed as once
from clpkit.report import data, figures, page, timeline

b = data.open_bundle(bundle, tz, problems, dataset, detected_zone)
all_events = zone.in_zone(once.events(b, computed), b.zone)
start, end = timeline.default_window(all_events, since, until)
ev = timeline.events_in_window(all_events, start, end, b.zone)
assert ev["time"].is_sorted()
page.heading("incident_timeline", lang, 1)
page.notice(b, lang)
axis = timeline.domain(start, end)
page.text(timeline.window_text(start, end, lang))

# %%
shown = timeline.chart_events(ev)
assert shown.height <= timeline.MAX_EVENTS
ms = figures.table(b, "mirror_stats", start, end)
ss = figures.table(b, "system_stats", start, end)
page.heading("events", lang)
for chart in timeline.charts_for(shown, timeline.marks(ev, lang=lang), ms, ss, lang, axis):
    page.show(chart)

# %%
found = figures.report_findings(b, start, end, lang, computed)
assert found["severity"].is_in(figures.SEVERITIES).all()
page.heading("findings", lang)
page.table(figures.localised_findings(found, lang), lang)
page.heading("event_list", lang)
page.table(timeline.event_table(ev, lang), lang, rows=500)

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
# Cluster reference: what this log collection holds against what the product
# writes (SPEC §2, §3.1), the ports the configured cluster needs, the
# server-down conditions with this cluster's final actions (SPEC §4) and the
# startup sync wait. Every table comes from `clpkit.reference.inventory`.

# %% tags=["parameters"]
bundle: str = "data/samples/bundle"  # log collection to analyse (folder or archive)
since: str = ""  # unused here (the reference covers the whole collection); kept for a uniform command line
until: str = ""  # unused here, as since
lang: str = "en"  # language of the page: en or ja
tz: str = ""  # zone the servers' clocks run on (IANA name or +09:00); empty: detected, else UTC
problems: str = ""  # set by clpkit report: what it could not unpack from the archives (JSON file)
dataset: str = ""  # set by clpkit report: the Parquet dataset the tables are read from; empty: parse the bundle
detected_zone: str = ""  # set by clpkit report: the servers' zone it detected once for every report (JSON); empty: detected here

# %%
from clpkit import config
from clpkit.catalog import SERVER_DOWN_CONDITIONS
from clpkit.reference import inventory
from clpkit.report import data, page
from clpkit.i18n import t, translate

b = data.open_bundle(bundle, tz, problems, dataset, detected_zone)
cfg = b.config
page.heading("cluster_reference", lang, 1)
page.notice(b, lang)
if cfg is None:
    page.text(t("no_config", lang))
else:
    page.text(f"{t('cluster', lang)}: {cfg.name} — {t('servers', lang)}: {', '.join(b.servers)}")

# %%
files = inventory.layout(b, cfg)
assert files.height == len(b.servers) * len(inventory.expected_files(cfg))
assert files["status"].is_in(["present", "elsewhere", "missing"]).all()
dirs = inventory.folders(b)
assert dirs.height == len(b.servers) * len(inventory.FOLDERS)
page.heading("layout", lang)
page.text(t("layout_note", lang))
page.table(translate(files, ["when", "status"], lang), lang)
page.heading("folders", lang, 3)
page.table(translate(dirs, ["status"], lang), lang)

# %%
gens = inventory.generations(b)
assert gens.select("server", "kind", "folder", "series").is_unique().all()
page.heading("generations", lang)
page.text(t("generations_note", lang))
page.table(gens, lang, rows=500)

# %%
elogs = inventory.emergency_archives(b)
assert elogs.height == len(b.servers) * len(inventory.ELOG_MODULES)
page.heading("emergency_archives", lang)
page.text(t("elog_note", lang))
page.table(translate(elogs, ["why"], lang), lang)

# %%
if cfg is not None and cfg.is_windows:
    page.heading("ports", lang)
    page.text(f"{config.WINDOWS_REFUSAL} ({cfg.os_evidence()[1]})")
elif cfg is not None:
    flows = inventory.ports_table(cfg, lang)
    assert flows["port"].is_between(0, 65535).all()
    page.heading("ports", lang)
    page.table(flows, lang, rows=500)

# %%
downs = inventory.server_down_conditions(cfg, lang)
assert set(downs["condition"]) == set(SERVER_DOWN_CONDITIONS)
page.heading("server_down", lang)
page.table(translate(downs, ["setting", "action"], lang), lang)

# %%
wait = inventory.startup_sync_wait()
page.heading("startup_sync", lang)
page.table(translate(wait, ["setting", "basis"], lang), lang)

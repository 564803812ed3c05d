"""One sweep over every procedure (``procedures.all_procedures()``, so a new one is covered without
editing this file): every value that reaches a command line, from a parameter or from clp.conf, is
checked for its kind or refused, and every destructive command is gated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clpkit import config as clpconfig
from clpkit.problems import ClpkitError
from clpkit.runbook import procedures
from clpkit.runbook.params import coerce, describe
from clpkit.runbook.plan import UnsafeCommand, unsafe_characters

CONF = Path(__file__).resolve().parents[1] / "procedures" / "data" / "clp.conf"
NAMES = list(procedures.all_procedures())

#: Commands that destroy data, take servers down or overwrite a mirror: SPEC 5's list and their kin.
DESTRUCTIVE = re.compile(
    r"^(dd |mkfs|clp[mh]dinit --create|clp[mh]dctrl --force|fdisk(?! -l)|parted|wipefs|rm |find .* -delete|"
    r"reboot|shutdown|poweroff|clpstdn|clpdown|clpcl -t|clpgrp -t)"
)
HOSTILE = ";touch /tmp/clpkit-pwned"


def variants(module) -> list[dict]:
    """The defaults, then each allowed value of each choice parameter, one at a time."""
    out = [{}]
    for p in describe(module):
        out += [{p.name: v} for v in p.choices if v != p.default]
    return out


def plans(module, extra: dict, config=None):
    """Every variant's plan with ``extra`` on top; a refusal is yielded as the error."""
    for v in variants(module):
        try:
            yield module.plan(coerce(module.Params, {**v, **extra}), config)
        except ClpkitError as exc:
            yield exc


def commands(plan) -> list[str]:
    return [s.command for s in plan.steps if s.command]


@pytest.mark.parametrize("name", NAMES)
def test_every_destructive_command_is_gated_in_every_variant(name):
    module = procedures.get(name)
    made = 0
    for config in (None, clpconfig.load(CONF)):
        for plan in plans(module, {}, config):
            if isinstance(plan, ClpkitError):
                continue
            made += 1
            for step in plan.steps:
                if step.command and DESTRUCTIVE.match(step.command):
                    assert step.destructive, f"{name}: {step.command!r} is not gated"
                if step.kind == "manual" and re.search(r"\bfdisk\b|mkfs|format", step.text) and "partition" in step.text:
                    assert step.destructive, f"{name}: manual partitioning is not gated: {step.text}"
    assert made, f"{name}: no variant made a plan, nothing was checked"


@pytest.mark.parametrize("name", NAMES)
def test_a_parameter_with_shell_characters_is_refused_for_its_kind(name):
    module = procedures.get(name)
    fields = [p for p in describe(module) if p.kind == "str"]
    assert not isinstance(next(plans(module, {})), ClpkitError), f"{name}: the defaults make no plan"
    for p in fields:
        value = (p.default or "x") + HOSTILE
        for plan in plans(module, {p.name: value}):
            if isinstance(plan, ClpkitError):
                assert not isinstance(plan, UnsafeCommand), f"{name}: {p.name}={value!r} reached a command unchecked: {plan}"
                continue
            for cmd in commands(plan):
                assert not unsafe_characters(cmd), cmd
                assert "clpkit-pwned" not in cmd or "'" in cmd, f"{name}: {p.name} reached {cmd!r} unquoted"


#: clp.conf values with shell characters, one per case: (what, text replaced, replacement).
CONF_CASES = [
    ("data partition", "<dppath>/dev/sdb2</dppath>", f"<dppath>/dev/sdb2{HOSTILE}</dppath>"),
    ("cluster partition", "<cppath>/dev/sdb1</cppath>", "<cppath>/dev/sdb1$(touch /tmp/clpkit-pwned)</cppath>"),
    ("file system", "<fs>ext4</fs>", f"<fs>ext4{HOSTILE}</fs>"),
    ("disk device", "<device>/dev/sdc1</device>", f"<device>/dev/sdc1{HOSTILE}</device>"),
    ("server name", '<server name="sv2">', f'<server name="sv2{HOSTILE}">'),
    ("group name", '<group name="failover1">', '<group name="failover1&amp;&amp;reboot">'),
    ("mirror connect address", "<info>192.168.20.12</info>", f"<info>192.168.20.12{HOSTILE}</info>"),
    ("cluster name", "<name>cluster1</name>", f"<name>cluster1{HOSTILE}</name>"),
]


@pytest.mark.parametrize("what, old, new", CONF_CASES, ids=[c[0] for c in CONF_CASES])
def test_a_clp_conf_value_with_shell_characters_never_reaches_a_command(what, old, new, tmp_path):
    text = CONF.read_text()
    assert old in text
    conf = tmp_path / "clp.conf"
    conf.write_text(text.replace(old, new))
    config = clpconfig.load(conf)
    for name in NAMES:
        for plan in plans(procedures.get(name), {}, config):
            if isinstance(plan, ClpkitError):
                assert not isinstance(plan, UnsafeCommand), f"{name}: clp.conf's {what} reached a command unchecked: {plan}"
                continue
            for cmd in commands(plan):
                assert not unsafe_characters(cmd), f"{name}: {cmd!r}"


def test_a_device_value_that_is_not_a_device_is_refused(tmp_path):
    conf = tmp_path / "clp.conf"
    conf.write_text(CONF.read_text().replace("<dppath>/dev/sdb2</dppath>", "<dppath>/etc/passwd</dppath>"))
    config = clpconfig.load(conf)
    for name in NAMES:
        for plan in plans(procedures.get(name), {}, config):
            if not isinstance(plan, ClpkitError):
                assert not any("/etc/passwd" in cmd for cmd in commands(plan)), name


@pytest.mark.parametrize("name", NAMES)
def test_every_step_with_a_guide_line_cites_its_section_heading(name):
    from clpkit.runbook import guide

    module = procedures.get(name)
    low = int(module.GUIDE[1:].split("-")[0])
    for plan in plans(module, {}):
        if isinstance(plan, ClpkitError):
            continue
        for step in plan.steps:
            if step.guide:
                line = int(step.guide[1:])
                start = max(s for s, _ in guide.SECTIONS if s <= line)
                assert start >= low - 20, f"{name}: {step.guide} falls under the section of L{start}, before {module.GUIDE}"
                assert step.to_dict()["guide_section"] == guide.heading(line)
                assert guide.heading(line) in guide.cite(step.guide)


@pytest.mark.parametrize("name", NAMES)
def test_every_step_cites_the_guide_or_says_it_is_clpkits_own_check(name):
    """Each step of the checklist names its guide line and heading; only clpkit's own checks have none, and say so."""
    from clpkit.runbook import guide, render

    made = 0
    for plan in plans(procedures.get(name), {}):
        if isinstance(plan, ClpkitError):
            continue
        made += 1
        text = render.checklist(plan)
        for n, step in enumerate(plan.steps, start=1):
            block = text.split(f"\n{n:2d}. [", 1)[1].split("\n", 2)[1]
            if step.guide:
                assert f"[guide {step.guide}, 「{guide.heading(int(step.guide[1:]))}」]" in block, (name, n, block)
            else:
                assert step.kind == "check", f"{name}: step {n} ({step.kind}) cites no guide line: {step.text}"
                assert block.endswith(f"[{render.OWN_CHECK}]"), (name, n, block)
    assert made

"""From ``-p key=value`` strings (or notebook values) to a procedure's plan.

>>> make_plan("suppress-failover", {"method": "timeout", "ratio": "20"}).steps[1].command
'clptoratio -r 20 -t 1h'
>>> make_plan("suppress-failover", {"colour": "red"})
Traceback (most recent call last):
...
clpkit.problems.ClpkitError: suppress-failover has no parameter 'colour'; known: method, action, ratio, duration, server, servers
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import re
import typing
from pathlib import Path
from typing import Any

from clpkit.problems import ClpkitError
from clpkit.runbook import procedures
from clpkit.runbook.engine import check_no_secrets
from clpkit.runbook.plan import Plan
from clpkit.runbook.procedures._common import NO_SUSE_FORCE, refuse_windows

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_pairs(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` → ``{"a": "1", "b": "x"}``; a clear error for a pair without ``=``."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ClpkitError(f"-p {pair!r}: expected key=value")
        out[key.strip()] = value.strip()
    return out


def coerce(params_cls: type, raw: dict[str, Any]) -> Any:
    """An instance of the procedure's ``Params`` from strings or values, typed by its fields."""
    fields = {f.name: f for f in dataclasses.fields(params_cls)}
    hints = typing.get_type_hints(params_cls)
    values = {}
    for key, value in raw.items():
        if key == "suse" and key not in fields:
            raise ClpkitError(f"{_name_of(params_cls)} has no parameter 'suse': {NO_SUSE_FORCE}")
        if key not in fields:
            raise ClpkitError(f"{_name_of(params_cls)} has no parameter {key!r}; known: {', '.join(fields)}")
        kind = hints[key]
        try:
            if kind is bool and isinstance(value, str):
                if value.lower() not in _TRUE | _FALSE:
                    raise ValueError("expected true or false")
                value = value.lower() in _TRUE
            elif kind in (int, float) and not isinstance(value, kind):
                value = kind(value)
            elif kind is str:
                value = str(value)
        except ValueError as exc:
            raise ClpkitError(f"parameter {key}={value!r}: not a {kind.__name__} ({exc})") from None
        values[key] = value
    return params_cls(**values)


def _name_of(params_cls: type) -> str:
    module = __import__(params_cls.__module__, fromlist=["NAME"])
    return getattr(module, "NAME", params_cls.__module__)


def load_config(path: str | Path | None):
    """The parsed clp.conf, or None when no path is given."""
    if not path:
        return None
    try:
        from clpkit import config as clpconfig
    except ImportError:
        raise ClpkitError(f"{path}: reading clp.conf needs clpkit.config, which this build lacks") from None
    return clpconfig.load(Path(path))


def config_digest(config_path: str | Path | None, config: Any = None) -> str | None:
    """``sha256:<hex>`` of the clp.conf file (what ``sha256sum`` prints), or of the values of a parsed one."""
    if config_path:
        try:
            return "sha256:" + hashlib.sha256(Path(config_path).read_bytes()).hexdigest()
        except OSError as exc:
            raise ClpkitError(f"{config_path}: cannot read ({exc.strerror})") from None
    if config is not None:
        values = json.dumps(getattr(config, "values", {}), sort_keys=True, ensure_ascii=False)
        return "sha256-values:" + hashlib.sha256(values.encode()).hexdigest()
    return None


def make_plan(name: str, raw: dict[str, Any], config_path: str | Path | None = None, config: Any = None) -> Plan:
    """The plan of runbook ``name`` for these parameters (and clp.conf when given), with the clp.conf digest."""
    check_no_secrets(raw)
    try:
        module = procedures.get(name)
    except KeyError as exc:
        raise ClpkitError(exc.args[0]) from None
    cfg = config if config is not None else load_config(config_path)
    refuse_windows(cfg)  # before the parameters: nothing of the Linux guide applies
    params = coerce(module.Params, raw)
    plan = module.plan(params, cfg)
    return dataclasses.replace(plan, config_digest=config_digest(config_path if config is None else None, cfg))


@dataclasses.dataclass(frozen=True)
class ParamInfo:
    """One parameter of a procedure, as ``runbook show`` and the generated notebooks present it."""

    name: str
    kind: str  # str, bool, int, float
    default: Any
    choices: tuple[str, ...]  # allowed values when the meaning starts with ``a | b | c``
    meaning: str


def _allowed(module, field: str) -> tuple[str, ...]:
    """The values the procedure itself accepts for ``field``: asked of its own check, so they are never
    written twice (empty when the field takes free text)."""
    try:
        module.plan(module.Params(**{field: "\x00"}), None)
    except ClpkitError as exc:
        m = re.search(rf"\b{re.escape(field)}='\\x00' is not one of: (.+)$", str(exc))
        if m:
            return tuple(v.strip() for v in m[1].split(","))
    except Exception:  # noqa: BLE001 - a procedure that trips over the probe value takes free text
        return ()
    return ()


def describe(module) -> list[ParamInfo]:
    """The parameters of a procedure module: its ``Params`` fields, typed, with their defaults, the
    values its checks allow, and the comment written beside each field (where a parameter's meaning
    is written, once).

    >>> [p for p in describe(procedures.get("delete-logs")) if p.name == "init"]
    [ParamInfo(name='init', kind='str', default='systemd', choices=('systemd', 'initd'), meaning='systemd | initd')]
    """
    source = inspect.getsource(module.Params)
    hints = typing.get_type_hints(module.Params)
    comments = {}
    for line in source.splitlines():
        m = re.match(r"^\s+(\w+)\s*:[^#]*#\s*(.*)$", line)
        if m:
            comments[m[1]] = m[2].strip()
    out = []
    for field in dataclasses.fields(module.Params):
        kind = hints[field.name].__name__ if isinstance(hints[field.name], type) else str(hints[field.name])
        choices = _allowed(module, field.name) if kind == "str" else ()
        out.append(ParamInfo(field.name, kind, field.default, choices, comments.get(field.name, "")))
    return out

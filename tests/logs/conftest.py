"""Fixtures for the log and event tests: a collection written to disk and opened with clpkit's bundle.

``collection(tmp_path, files)`` writes ``{server: {relative path: text}}`` as one
folder per server and opens it with :func:`clpkit.bundle.open_bundle`.
``sample_bundle`` is the synthetic sample (one day around the incident),
generated once per session.
"""

from __future__ import annotations

import pytest

from clpkit.bundle import open_bundle


@pytest.fixture
def collection(tmp_path):
    opened = []

    def make(files: dict[str, dict[str, str | bytes]]):
        for server, members in files.items():
            for rel, body in members.items():
                path = tmp_path / "collection" / server / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body if isinstance(body, bytes) else body.encode())
        bundle = open_bundle(tmp_path / "collection")
        opened.append(bundle)
        return bundle

    yield make
    for bundle in opened:
        bundle.close()


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    from clpkit.samples import generate

    return generate(tmp_path_factory.mktemp("sample"), days=1)


@pytest.fixture(scope="session")
def sample_bundle(sample_dir):
    with open_bundle(sample_dir) as bundle:
        yield bundle

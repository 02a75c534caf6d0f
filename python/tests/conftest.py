# SPDX-License-Identifier: MIT
"""Where the tests find the prober and the lab's topologies: RTT_BUILD_DIR (the build tree) and
RTT_SOURCE_DIR, which CTest sets; the module is imported from the source tree."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get("RTT_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("RTT_BUILD_DIR", SOURCE / "build"))
sys.path.insert(0, str(SOURCE / "python"))


@pytest.fixture(scope="session")
def prober_path() -> str:
    path = BUILD / "prober" / "reverse-traceroute-prober"
    assert path.exists(), f"{path} is not built: build the project first"
    return str(path)


@pytest.fixture(scope="session")
def client_path() -> str:
    return str(BUILD / "client" / "reverse-traceroute")


@pytest.fixture(scope="session")
def geoip_database() -> str:
    """The tests' GeoIP database (tests/geoip, written by the build)."""
    path = BUILD / "tests" / "geoip" / "lab.mmdb"
    assert path.exists(), f"{path} is not built: build the project first"
    return str(path)


@pytest.fixture(scope="session")
def topologies() -> Path:
    return SOURCE / "tests" / "lab" / "topologies"


@pytest.fixture(scope="session")
def schema() -> dict:
    import json
    return json.loads((SOURCE / "docs" / "measurement.schema.json").read_text())

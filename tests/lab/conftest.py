"""The verifiers of the test lab (tests/run.py, group `lab`).

They look at the converged test lab from outside the roles: commands in the
lab containers (testinfra's docker backend), requests from one lab host to
another, and the lab-only passwords the converge generated on the
controller. A module sets `testinfra_hosts = testlab.testinfra_hosts(...)`;
the `host` fixture is then each of those hosts in turn.
"""

from __future__ import annotations

import pytest
import testlab


@pytest.fixture(scope="session")
def lab():
    return testlab.lab()

"""The dashboard tests load the demo once per worker and count on one worker running them
all (xdist group ``web``, see conftest). With ``--dist loadgroup`` (``make test``), xdist
marks a grouped test by the ``@group`` suffix of its node id; when a pytest or xdist upgrade
stops that, the groups are ignored without a word and every worker loads its own demo."""

import os

import pytest


def test_the_web_tests_are_one_xdist_group(request: pytest.FixtureRequest) -> None:
    if not (os.environ.get("PYTEST_XDIST_WORKER") and request.config.getvalue("loadgroup")):
        pytest.skip("only a run with --dist loadgroup groups tests (make test)")
    assert request.node.nodeid.endswith("@web"), (
        f"{request.node.nodeid} is not in xdist group 'web': xdist ignored the group mark"
    )

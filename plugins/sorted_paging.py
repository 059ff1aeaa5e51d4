"""Sorted table pages that never lose or repeat a row across pages: installs the sort_tiebreak replacement of
scripts/serve/internals.py (the one version-checked module of Datasette internals; why the patch is needed and
why no public hook does it is written there) wherever the catalog is served — `make serve`, the tests' Datasette
and the deployment's ASGI app all load plugins/, and Datasette runs `startup` before its first request. On
another Datasette version nothing is patched, one log line says so, and the paging tests of
tests/api/test_paging.py fail."""
from datasette import hookimpl

from scripts.serve import internals


@hookimpl
def startup(datasette):
    internals.install(internals.CORRECTNESS)

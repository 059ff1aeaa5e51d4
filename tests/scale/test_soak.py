"""Issue 7: a short, bounded soak (the long one is `make soak`)."""
import hashlib


def test_short_soak_has_no_failures_and_leaves_the_file_unchanged(live_server, catalog_path):
    """A bounded soak (the long one is `make soak`): many connections, mixed endpoints."""
    from bench.soak import soak

    before = hashlib.sha256(catalog_path.read_bytes()).hexdigest()
    report = soak(live_server, seconds=8, connections=16)
    assert report["failed"] == 0 and report["requests"] > 200
    assert hashlib.sha256(catalog_path.read_bytes()).hexdigest() == before

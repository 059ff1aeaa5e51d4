"""Aids for the people curating sources/: drafting agency lists, snapshotting the reference ward lists."""

"""sources/ → build/catalog.db: read and check the sources, create the tables, load, index, search index."""

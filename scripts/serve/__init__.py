"""Serving build/catalog.db with Datasette: the portal settings (make serve) and the ASGI entry point (deploy/)."""

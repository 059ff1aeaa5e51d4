"""From the built database to other formats: DCAT catalog, OpenAPI description, the static copy."""

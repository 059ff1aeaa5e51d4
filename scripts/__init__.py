"""The catalog's code, one package per stage of the data flow: sources/ → load → build/catalog.db → serve,
with publish (DCAT, OpenAPI, static copy) reading the built database and curate holding drafting aids.
`project` names the files every stage shares. Build code (load) never imports serving code (serve)."""

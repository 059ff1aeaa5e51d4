"""The search box's reading of a query and its answers (issue 16): how a query is read (query.py: stop words,
abbreviations, symbols, money — pure functions, so the build's index tokens and the portal's queries follow one
set of rules), typo correction against the build's search_vocabulary (typos.py), highlighted titles and snippets
(snippets.py) and the context beside a result (context.py). plugins/ranked_search.py runs the steps and ranks.

A package of its own, beside load/ and serve/, because both use it: the build (scripts/load/search_index.py)
writes the money tokens query.py reads, and the portal reads queries with it. Nothing here imports Datasette or
serving code, so build code still never imports serve code."""

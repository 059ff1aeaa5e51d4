"""What is wrong with a canned query's inputs, by what metadata.yml declares (`parameters:` name → type,
required, description): the one check behind both the data formats' 400 (plugins/api_contract.py) and the HTML
page's 400 with the form still shown (plugins/api_contract.py sets the status, templates/query.html shows the
words, plugins/portal_i18n.py hands them over). Plugins cannot import each other, hence this module."""
import re

from scripts.project import catalog_metadata

INTEGER = re.compile(r"-?[0-9]{1,9}")


def declared(datasette, name):
    """The parameters metadata.yml declares for the canned query `name` ({} when none, None when no such query)."""
    queries = datasette.__dict__.get("_catalog_declared_parameters")
    if queries is None:  # metadata.yml is read once: the catalog's metadata does not change while it runs
        queries = {q: (spec.get("parameters") or {}) for q, spec in
                   ((catalog_metadata(datasette.metadata()).get("queries") or {}).items())}
        datasette._catalog_declared_parameters = queries
    return queries.get(name)


def problem(parameters, args, missing_too=True, label=None):
    """(vietnamese, english) for the first missing (when missing_too) or mistyped parameter, or None. An empty
    required input on an HTML page is the form before it is filled in, not a mistake: missing_too=False. label(name,
    lang) names an input as its form does (a page); the data formats name the parameter itself."""
    for name, spec in (parameters or {}).items():
        vi_name, en_name = (label(name, "vi"), label(name, "en")) if label else (name, name)
        value = (args.get(name) or "").strip()
        if missing_too and spec.get("required") and not value:
            return (f"Thiếu tham số bắt buộc “{name}” ({spec.get('description', name)}).",
                    f"Missing required parameter “{name}”.")
        if value and spec.get("type") == "integer" and not INTEGER.fullmatch(value):
            return (f"Tham số “{vi_name}” phải là số nguyên, không phải “{value[:40]}”.",
                    f"Parameter “{en_name}” must be an integer.")
    return None

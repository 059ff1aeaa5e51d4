"""Which of a request's parameters name a result (filters, search, sort, a query's values) and which only shape the
page or the response (page size, paging token, format options, facets, the page's language); and which required
parameters of a canned query (metadata.yml `parameters:`) a request leaves empty or mistypes.

Read by the download links of table and query pages (plugins/export_links.py), which must carry the result's
parameters and nothing else and name what a canned query still needs, by the whole-result downloads
(plugins/exports.py), which drop the others before fetching every row, and by the API contract
(plugins/api_contract.py), which answers a data request missing a required or mistyped parameter with a 400
and a page with a mistyped one with a 400 that still shows its form (templates/query.html shows the words,
plugins/portal_i18n.py hands them over). Plugins cannot import each other, hence this module in the installed
package."""
import re

from scripts.project import catalog_section
from scripts.serve.i18n import PARAM as LANGUAGE

INTEGER = re.compile(r"-?[0-9]{1,9}")

# Parameters that shape a page or a response, not the result; every `_facet…` parameter is one too.
PAGE_PARAMS = {"_size", "_next", "_stream", "_shape", "_labels", "_bom", "_dl", "_nl", "_nofacet", "_nocount",
               "_facet_size", "_json", "_trace", LANGUAGE}


def result_params(pairs):
    """The (name, value) pairs of `pairs` that name the result."""
    return [(k, v) for k, v in pairs if k not in PAGE_PARAMS and not k.startswith("_facet")]


def query_parameters(datasette, name):
    """{parameter: its declaration} of the canned query `name` (metadata.yml `parameters:`); {} for a query that
    declares none, None for anything that is not a canned query. Asked on every request of a table route: the
    catalog's metadata does not change while it runs, so it is read once per Datasette."""
    queries = datasette.__dict__.get("_catalog_declared_parameters")
    if queries is None:
        queries = {q: (spec.get("parameters") or {})
                   for q, spec in catalog_section("queries", datasette.metadata()).items()}
        datasette._catalog_declared_parameters = queries
    return queries.get(name)


def missing_parameters(declared, args):
    """The names of the required parameters in `declared` that `args` ({name: value}) leaves empty or blank."""
    return [name for name, spec in declared.items() if spec.get("required") and not (args.get(name) or "").strip()]


def parameter_problem(declared, args, missing_too=True, label=None):
    """(vietnamese, english) for the first missing (when missing_too) or mistyped parameter, or None. An empty
    required input on an HTML page is the form before it is filled in, not a mistake: missing_too=False. label(name,
    lang) names an input as its form does (a page); the data formats name the parameter itself."""
    missing = set(missing_parameters(declared or {}, args)) if missing_too else set()
    for name, spec in (declared or {}).items():
        value = (args.get(name) or "").strip()
        if name in missing:
            return (f"Thiếu tham số bắt buộc “{name}” ({spec.get('description', name)}).",
                    f"Missing required parameter “{name}”.")
        if value and spec.get("type") == "integer" and not INTEGER.fullmatch(value):
            vi_name, en_name = (label(name, "vi"), label(name, "en")) if label else (name, name)
            return (f"Tham số “{vi_name}” phải là số nguyên, không phải “{value[:40]}”.",
                    f"Parameter “{en_name}” must be an integer.")
    return None

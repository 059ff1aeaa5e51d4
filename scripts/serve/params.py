"""Which of a request's parameters name a result (filters, search, sort, a query's values) and which only shape the
page or the response (page size, paging token, format options, facets, the page's language); and which required
parameters of a canned query (metadata.yml `parameters:`) a request leaves empty.

Read by the download links of table and query pages (plugins/export_links.py), which must carry the result's
parameters and nothing else and name what a canned query still needs, by the whole-result downloads
(plugins/exports.py), which drop the others before fetching every row, and by the API contract
(plugins/api_contract.py), which answers a data request missing a required parameter with a 400. Plugins cannot
import each other, hence this module in the installed package."""
from scripts.project import catalog_entry
from scripts.serve.i18n import PARAM as LANGUAGE

# Parameters that shape a page or a response, not the result; every `_facet…` parameter is one too.
PAGE_PARAMS = {"_size", "_next", "_stream", "_shape", "_labels", "_bom", "_dl", "_nl", "_nofacet", "_nocount",
               "_facet_size", "_json", "_trace", LANGUAGE}


def result_params(pairs):
    """The (name, value) pairs of `pairs` that name the result."""
    return [(k, v) for k, v in pairs if k not in PAGE_PARAMS and not k.startswith("_facet")]


def query_parameters(meta, name):
    """{parameter: its declaration} of the canned query `name` in Datasette's metadata `meta`; {} for a query that
    declares none and for anything that is not a canned query."""
    return catalog_entry("queries", name, meta).get("parameters") or {}


def missing_parameters(declared, args):
    """The names of the required parameters in `declared` that `args` ({name: value}) leaves empty or blank."""
    return [name for name, spec in declared.items() if spec.get("required") and not args.get(name, "").strip()]

"""/-/documents/<document id>: a document's whole text to read, passage after passage in reading order, each
passage anchored (#p<seq>) and linked to its row. The row page of a passage links here ("Toàn văn văn bản");
the table of passages cuts long text, this page does not. Read-only, one query bounded by the document's size
(a few hundred passages); an unknown id is a 404."""

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response

from scripts.project import DATABASE_NAME as DATABASE

MAX_PASSAGES = 5000


async def document_text(datasette, request):
    doc_id = request.url_vars["document_id"]
    db = datasette.get_database(DATABASE)
    if not await db.table_exists("documents") or len(doc_id) > 200:
        raise NotFound("Record not found")
    docs = (await db.execute("select id, symbol, title from documents where id = ?", [doc_id])).rows
    if not docs:
        raise NotFound(f"Record not found: {doc_id}")
    rows = (await db.execute("select id, seq, kind, heading_path, text from document_passages where document_id = ? "
                             f"order by seq limit {MAX_PASSAGES}", [doc_id])).rows
    passages = [{"url": datasette.urls.row(DATABASE, "document_passages", tilde_encode(r["id"])), "seq": r["seq"],
                 "kind": r["kind"], "heading": r["heading_path"], "text": r["text"]} for r in rows]
    html = await datasette.render_template(
        ["document_text.html"], {"document": dict(docs[0]), "passages": passages,
                                 "document_url": datasette.urls.row(DATABASE, "documents", tilde_encode(doc_id))},
        request=request, view_name="document_text")
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/-/documents/(?P<document_id>[^/]+)$", document_text)]

"""/-/downloads/<file>: the whole-table files the build wrote beside the database (scripts/publish/dumps.py), and the
facts about them that pages and the DCAT catalog need (`downloads_manifest`).

Served with what ties a copy to its build: an ETag that is the file's SHA-256 (a new build changes it; a client
or proxy that sends If-None-Match gets 304 Not Modified), Last-Modified (the build time), a short public lifetime
with revalidation (`max-age=300, must-revalidate`, as the other pages outside the hashed database route), and a
Content-Disposition so a browser saves the file instead of showing it. Only the files the manifest lists are
served; any other name is a 404.
"""
from email.utils import format_datetime
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from scripts.project import DATABASE_NAME
from scripts.publish.dumps import DIRECTORY, build_time, read_manifest
from scripts.publish.tabular import MEDIA_TYPES

CACHE_CONTROL = "public, max-age=300, must-revalidate"
CHUNK = 1 << 16


def downloads_dir(datasette):
    return Path(datasette.get_database(DATABASE_NAME).path).parent / DIRECTORY


def downloads_manifest(datasette):
    return read_manifest(datasette.get_database(DATABASE_NAME).path)


class FileResponse:
    def __init__(self, path, headers, status=200):
        self.path, self.headers, self.status = path, headers, status

    async def asgi_send(self, send):
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        if self.status == 304 or self.path is None:
            await send({"type": "http.response.body", "body": b""})
            return
        with open(self.path, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                more = len(chunk) == CHUNK
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return


async def download_view(datasette, request):
    name = request.url_vars["name"]
    manifest = downloads_manifest(datasette)
    info = manifest.get("files", {}).get(name)
    path = downloads_dir(datasette) / name
    if name == "manifest.json" and manifest:
        info = {"sha256": None, "format": "json"}
    if not info or not path.is_file():
        return Response.json({"ok": False, "status": 404, "error": f"Không có tệp {name} · no such download"},
                             status=404)
    etag = f'"{info["sha256"] or manifest.get("database_sha256")}-{path.stat().st_size}"'
    extension = name.rsplit(".", 1)[-1]
    headers = {
        "etag": etag, "cache-control": CACHE_CONTROL,
        "last-modified": format_datetime(build_time(datasette.get_database(DATABASE_NAME).path), usegmt=True),
        "content-type": MEDIA_TYPES.get(extension, "application/json; charset=utf-8"),
        "content-disposition": f'attachment; filename="{name}"',
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return FileResponse(None, {k: v for k, v in headers.items() if k in ("etag", "cache-control")}, status=304)
    headers["content-length"] = str(path.stat().st_size)
    if request.method == "HEAD":
        return FileResponse(None, headers)
    return FileResponse(path, headers)


@hookimpl
def register_routes():
    return [(rf"^/-/{DIRECTORY}/(?P<name>[A-Za-z0-9_.-]+)$", download_view)]

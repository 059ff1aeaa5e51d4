"""Headers on every response, the plugin routes included (Datasette's --cors covers only its own views):
CORS, since all of the data is public and read-only; and security headers. Datasette's pages use inline
scripts and styles, so the policy allows those from this origin only; map tiles are the one outside
resource (OpenStreetMap)."""
from datasette import hookimpl

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https://*.tile.openstreetmap.org",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    present = {name.lower() for name, _ in message.get("headers", [])}
                    extra = [(n, v) for n, v in HEADERS if n not in present]
                    message = {**message, "headers": list(message.get("headers", [])) + extra}
                await send(message)

            await app(scope, receive, send_with_headers)

        return with_headers

    return wrap

"""Log server errors as plain tracebacks, not `rich` ones with every local variable.

When `rich` is importable (the test tools bring it in) Datasette 0.65's default exception handler prints
each exception — every 404 included — with its local variables: some 200 ms of CPU per bad URL, which a
stream of them turns into a denial of service. Without rich, the same handler still logs real server
errors with traceback.print_exc() and answers every error exactly as before.
"""
import datasette.handle_exception as default_handler

default_handler.rich = None

"""A local HTTP server for the TF Serving tests (127.0.0.1 only, an ephemeral port, stopped afterwards)."""

import contextlib
import http.server
import threading


@contextlib.contextmanager
def local_server(handler_class):
    """Serves `handler_class` on 127.0.0.1 in a thread; yields "127.0.0.1:<port>"."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

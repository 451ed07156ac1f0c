"""Fixtures of the applications tests: a local HTTP server (nothing here
touches the network) and an empty Keras cache."""
import functools
import http.server
import os
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the shared `fill` module (also used by tools/)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


class Server:
    """Serves the files of `root` on 127.0.0.1 and records the requests."""

    def __init__(self, root):
        self.root = root
        handler = functools.partial(_Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.requests = []
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def requests(self):
        return self.httpd.requests

    def url(self, name=""):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    srv = Server(root)
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache folder, set as KERAS_HOME."""
    path = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(path))
    return path

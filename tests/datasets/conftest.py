"""A local HTTP server for the download tests: nothing here touches the
network. Files are served from a temporary folder; `/truncated/<name>`
announces the full length of <name> but closes after half of it."""
import http.server
import os
import socket
import threading

import pytest


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/truncated/"):
            with open(os.path.join(self.directory, self.path[len("/truncated/"):]), "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


class Server:
    def __init__(self, root):
        self.root = root
        handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)  # noqa: E731
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self):
        return self.httpd.requests

    def url(self, name=""):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def put(self, name, data):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return self.url(name)

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
def refused_url():
    """A URL on a local port nothing listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/mnist.npz"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache folder, also set as KERAS_HOME."""
    path = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(path))
    return path


def py2_pickle(value):
    """`value` pickled as Python 2's cPickle (protocol 2) wrote the CIFAR
    batches: str as SHORT_BINSTRING/BINSTRING, memo puts everywhere, NumPy
    arrays through numpy.core.multiarray._reconstruct."""
    import struct

    import numpy as np

    out = [b"\x80\x02"]
    memo = {}

    def put():
        out.append(b"q" + bytes([len(memo) % 256]))
        memo[len(memo)] = True

    def glob(module, name):
        key = (module, name)
        if key in memo:
            out.append(b"h" + bytes([memo[key]]))
            return
        out.append(b"c" + module.encode() + b"\n" + name.encode() + b"\n")
        memo[key] = len(memo)
        out.append(b"q" + bytes([memo[key]]))

    def string(b):
        if len(b) < 256:
            out.append(b"U" + bytes([len(b)]) + b)
        else:
            out.append(b"T" + struct.pack("<i", len(b)) + b)

    def integer(v):
        out.append(b"K" + bytes([v]) if 0 <= v < 256 else b"J" + struct.pack("<i", v))

    def write(v):
        if isinstance(v, dict):
            out.append(b"}")
            out.append(b"(")
            for k, x in v.items():
                write(k)
                write(x)
            out.append(b"u")
        elif isinstance(v, bytes):
            string(v)
        elif isinstance(v, bool) or v is None:
            out.append({None: b"N", True: b"\x88", False: b"\x89"}[v])
        elif isinstance(v, int):
            integer(v)
        elif isinstance(v, list):
            out.append(b"]")
            out.append(b"(")
            for x in v:
                write(x)
            out.append(b"e")
        elif isinstance(v, tuple):
            out.append(b"(")
            for x in v:
                write(x)
            out.append(b"t")
        elif isinstance(v, np.ndarray):
            glob("numpy.core.multiarray", "_reconstruct")
            glob("numpy", "ndarray")
            out.append(b"K\x00\x85U\x01b\x87R")
            out.append(b"(K\x01")
            write(tuple(int(d) for d in v.shape))
            glob("numpy", "dtype")
            string(v.dtype.str[1:].encode())
            out.append(b"K\x00K\x01\x87R(K\x03")
            string(v.dtype.str[0].encode())
            out.append(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
            string(np.ascontiguousarray(v).tobytes())
            out.append(b"tb")
        else:
            raise TypeError(type(v))

    write(value)
    out.append(b".")
    return b"".join(out)


@pytest.fixture
def py2_pickler():
    return py2_pickle

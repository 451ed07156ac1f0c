"""BaseLogger (epoch averages of the batch logs) and RemoteMonitor (posting the epoch
logs to a local http.server on 127.0.0.1)."""
import http.server
import json
import logging
import socket
import threading
import urllib.parse

import numpy as np
import pytest

import ckeras
from ckeras import callbacks, layers


# ----------------------------------------------------------------- BaseLogger
def test_base_logger_weights_batches_by_size_and_keeps_stateful_values():
    logger = callbacks.BaseLogger(stateful_metrics=["auc"])
    logger.set_params({"metrics": ["loss", "auc"]})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"size": 4, "loss": 1.0, "auc": 0.5})
    logger.on_batch_end(1, {"size": 2, "loss": 4.0, "auc": 0.7})
    logs = {}
    logger.on_epoch_end(0, logs)
    assert logs == {"loss": pytest.approx((4 * 1.0 + 2 * 4.0) / 6), "auc": 0.7}
    # a new epoch starts from zero
    logger.on_epoch_begin(1)
    logger.on_batch_end(0, {"size": 1, "loss": 3.0, "auc": 0.1})
    logs = {}
    logger.on_epoch_end(1, logs)
    assert logs == {"loss": 3.0, "auc": 0.1}


def test_base_logger_only_writes_the_listed_metrics():
    logger = callbacks.BaseLogger()
    logger.set_params({"metrics": ["loss"]})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"size": 2, "loss": 1.0, "other": 5.0})
    logs = {}
    logger.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0}


def test_base_logger_in_fit_averages_the_batch_logs():
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(6, 2)
    y = x.sum(1, keepdims=True)
    model = ckeras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    batch_losses = []
    record = callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: batch_losses.append(logs["loss"]))
    epoch_logs = []
    after = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epoch_logs.append(
        dict(logs)))
    model.fit(x, y, batch_size=2, epochs=1, verbose=0,
              callbacks=[record, callbacks.BaseLogger(), after])
    # fit's batch logs carry no 'size': each batch counts once
    assert epoch_logs[0]["loss"] == pytest.approx(np.mean(batch_losses))


# -------------------------------------------------------------- RemoteMonitor
class _Recorder(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.requests = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.requests
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_a_form_field_holding_json(server):
    root, requests = server
    monitor = callbacks.RemoteMonitor(root=root, path="/epoch/", field="payload",
                                      headers={"X-Run": "7"})
    monitor.on_epoch_end(3, {"loss": np.float32(0.5), "acc": np.array(0.25)})
    ((path, headers, body),) = requests
    assert path == "/epoch/"
    assert headers["X-Run"] == "7"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(body.decode())
    assert list(form) == ["payload"]
    assert json.loads(form["payload"][0]) == {"epoch": 3, "loss": 0.5, "acc": 0.25}


def test_remote_monitor_send_as_json_from_fit(server):
    root, requests = server
    x = np.ones((4, 2), "float32")
    model = ckeras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, x[:, :1], epochs=2, verbose=0,
                        callbacks=[callbacks.RemoteMonitor(root=root, send_as_json=True)])
    assert [r[0] for r in requests] == ["/publish/epoch/end/"] * 2
    assert all(r[1]["Content-Type"] == "application/json" for r in requests)
    sent = [json.loads(r[2]) for r in requests]
    assert sent == [{"epoch": e, "loss": loss}
                    for e, loss in zip(history.epoch, history.history["loss"])]


def test_remote_monitor_unreachable_server_only_warns(caplog):
    with socket.socket() as s:          # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = f"http://127.0.0.1:{port}"
    monitor = callbacks.RemoteMonitor(root=root)
    with caplog.at_level(logging.WARNING, logger="ckeras.callbacks"):
        monitor.on_epoch_end(0, {"loss": 1.0})
    assert f"could not reach RemoteMonitor root server at {root}" in caplog.text


def test_remote_monitor_defaults_as_tf_keras():
    m = callbacks.RemoteMonitor()
    assert (m.root, m.path, m.field, m.headers, m.send_as_json) == \
        ("http://localhost:9000", "/publish/epoch/end/", "data", None, False)

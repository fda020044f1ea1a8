"""The archive downloader against a real HTTP server on 127.0.0.1.

The server (``http.server.ThreadingHTTPServer`` in a thread) serves zips and
``.CHECKSUM`` files built here, honours ``Range`` requests, counts requests
and can drop a connection part-way through a file.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import threading
import urllib.parse
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from liqbt.data.binance_archive import ArchiveWarning, archive_path, read_binance_archive, read_klines
from liqbt.data.download import extract_zip, download_archive, plan_archive_files, resolve_inside
from liqbt.errors import ConfigError, DownloadError

FIVE_MIN_MS = 300_000


# ------------------------------------------------------------------ fixtures
def zip_bytes(member: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, text)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kline_csv(start: str, n: int) -> str:
    """``n`` 5-minute klines from ``start`` (no header, ms open times)."""
    t0 = int(pd.Timestamp(start, tz="UTC").value // 1_000_000)
    rows = []
    for i in range(n):
        t = t0 + i * FIVE_MIN_MS
        rows.append(f"{t},{100 + i},{102 + i},{99 + i},{101 + i},{10 + i},{t + FIVE_MIN_MS - 1},"
                    f"{1000 + i},{5 + i},{4 + i},{400 + i},0")
    return "\n".join(rows) + "\n"


def klines_rel(frequency: str, period: str) -> str:
    day = date.fromisoformat(period if len(period) == 10 else period + "-01")
    return archive_path("klines", "BTCUSDT", frequency, day, interval="5m").as_posix()


@dataclass
class ServerState:
    """What the test server serves and what it saw."""

    base_url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    drop_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before closing, once
    status: dict[str, int] = field(default_factory=dict)      # path -> forced HTTP error
    ignore_range: bool = False

    def add(self, relpath: str, text: str, *, checksum_of: bytes | None = None) -> bytes:
        """Serve a zip holding ``text`` at ``relpath`` and its checksum file."""
        name = relpath.rsplit("/", 1)[-1]
        body = zip_bytes(name.replace(".zip", ".csv"), text)
        self.files["/" + relpath] = body
        digest = sha256(checksum_of if checksum_of is not None else body)
        self.files["/" + relpath + ".CHECKSUM"] = f"{digest}  {name}\n".encode()
        return body

    def add_day(self, day: str, n: int = 288) -> bytes:
        return self.add(klines_rel("daily", day), kline_csv(day, n))

    def count(self, relpath: str) -> int:
        return sum(1 for path, _ in self.requests if path == "/" + relpath)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        state: ServerState = self.server.state
        path = urllib.parse.unquote(self.path.split("?", 1)[0])
        byte_range = self.headers.get("Range")
        state.requests.append((path, byte_range))
        if path in state.status:
            self.send_error(state.status[path])
            return
        body = state.files.get(path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if byte_range and not state.ignore_range:
            start = int(byte_range.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        cut = state.drop_after.pop(path, None)
        self.wfile.write(payload if cut is None else payload[:cut])
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server():
    state = ServerState()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.state = state
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


def fetch(server: ServerState, cache: Path, start: str, end: str, **kw) -> list[Path]:
    kw.setdefault("kinds", ("klines",))
    kw.setdefault("progress", False)
    return download_archive("BTCUSDT", start, end, interval="5m", cache_dir=cache, base_url=server.base_url,
                            timeout=5.0, **kw)


# ----------------------------------------------------------------- download
def test_downloads_daily_zips_and_checksums_mirroring_the_archive_layout(server, tmp_path):
    bodies = [server.add_day("2024-01-01"), server.add_day("2024-01-02")]
    paths = fetch(server, tmp_path, "2024-01-01", "2024-01-02", progress=True)
    assert paths == [tmp_path.resolve() / klines_rel("daily", d) for d in ("2024-01-01", "2024-01-02")]
    for path, body in zip(paths, bodies):
        assert path.read_bytes() == body
        assert path.with_name(path.name + ".CHECKSUM").read_text() == f"{sha256(body)}  {path.name}\n"
    assert len(read_klines(paths[0])) == 288
    assert not list(tmp_path.rglob("*.part"))


def test_second_call_sends_no_request(server, tmp_path):
    server.add_day("2024-01-01")
    fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    seen = len(server.requests)
    again = fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    assert len(server.requests) == seen == 2  # checksum + zip, once
    assert again[0].exists()


def test_complete_past_month_comes_as_one_monthly_file(server, tmp_path):
    rel = klines_rel("monthly", "2024-01")
    server.add(rel, kline_csv("2024-01-01", 31 * 288))
    paths = fetch(server, tmp_path, "2024-01-01", "2024-01-31")
    assert paths == [tmp_path.resolve() / rel]
    assert {path for path, _ in server.requests} == {"/" + rel, "/" + rel + ".CHECKSUM"}


def test_missing_monthly_file_falls_back_to_daily_files(server, tmp_path):
    days = [d.date().isoformat() for d in pd.date_range("2024-02-01", "2024-02-29", freq="D")]
    for day in days:
        server.add_day(day, n=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ArchiveWarning)
        paths = fetch(server, tmp_path, "2024-02-01", "2024-02-29")
    assert server.requests[0][0] == "/" + klines_rel("monthly", "2024-02") + ".CHECKSUM"
    assert [p.name for p in paths] == [f"BTCUSDT-5m-{d}.zip" for d in days]


def test_dropped_connection_keeps_the_part_and_the_next_call_resumes_with_range(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    body = server.add_day("2024-01-01")
    assert len(body) > 2000
    server.drop_after["/" + rel] = 1000
    with pytest.raises(DownloadError, match=rf"download of {server.base_url}/{rel} interrupted after 1000 of "
                                            rf"{len(body)} bytes.*kept: call again to resume"):
        fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    dest = tmp_path / rel
    part = dest.with_name(dest.name + ".part")
    assert part.stat().st_size == 1000
    assert not dest.exists() and not dest.with_name(dest.name + ".CHECKSUM").exists()

    paths = fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    assert paths[0].read_bytes() == body and not part.exists()
    zip_requests = [r for p, r in server.requests if p == "/" + rel]
    assert zip_requests == [None, "bytes=1000-"]


def test_server_ignoring_range_restarts_the_file(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    body = server.add_day("2024-01-01")
    server.drop_after["/" + rel] = 1000
    with pytest.raises(DownloadError, match="interrupted"):
        fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    server.ignore_range = True  # answers 200 with the whole file
    paths = fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    assert paths[0].read_bytes() == body


def test_complete_part_file_is_verified_after_a_416(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    body = server.add_day("2024-01-01")
    dest = tmp_path / rel
    dest.parent.mkdir(parents=True)
    dest.with_name(dest.name + ".part").write_bytes(body)
    paths = fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    assert paths[0].read_bytes() == body
    assert [r for p, r in server.requests if p == "/" + rel] == [f"bytes={len(body)}-"]


def test_checksum_mismatch_deletes_the_file_and_names_url_and_digests(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    body = server.add(rel, kline_csv("2024-01-01", 288), checksum_of=b"something else")
    with pytest.raises(DownloadError) as info:
        fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    message = str(info.value)
    assert f"{server.base_url}/{rel}" in message
    assert f"expected sha256 {sha256(b'something else')}" in message and f"found {sha256(body)}" in message
    dest = tmp_path / rel
    assert not dest.exists() and not dest.with_name(dest.name + ".part").exists()


def test_corrupted_cached_file_is_fetched_again(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    body = server.add_day("2024-01-01")
    (path,) = fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    path.write_bytes(b"garbage")
    fetch(server, tmp_path, "2024-01-01", "2024-01-01")
    assert path.read_bytes() == body and server.count(rel) == 2


def test_404_for_every_file_is_a_clear_error(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    with pytest.raises(DownloadError, match=rf"no archive file found for BTCUSDT \['klines'\]: HTTP 404 Not Found "
                                            rf"for {server.base_url}/{rel} and 1 more; check the symbol"):
        fetch(server, tmp_path, "2024-01-01", "2024-01-02")


def test_missing_day_is_reported_and_the_others_downloaded(server, tmp_path):
    server.add_day("2024-01-01")
    server.add_day("2024-01-03")
    missing = f"{server.base_url}/{klines_rel('daily', '2024-01-02')}"
    with pytest.warns(ArchiveWarning, match=rf"1 archive file\(s\) not found \(HTTP 404\): {missing}"):
        paths = fetch(server, tmp_path, "2024-01-01", "2024-01-03")
    assert [p.name for p in paths] == ["BTCUSDT-5m-2024-01-01.zip", "BTCUSDT-5m-2024-01-03.zip"]


def test_http_error_other_than_404_is_an_error(server, tmp_path):
    rel = klines_rel("daily", "2024-01-01")
    server.add_day("2024-01-01")
    server.status["/" + rel + ".CHECKSUM"] = 503
    with pytest.raises(DownloadError, match=rf"HTTP 503 .* for {server.base_url}/{rel}.CHECKSUM"):
        fetch(server, tmp_path, "2024-01-01", "2024-01-01")


def test_unreachable_server_says_offline(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match=rf"cannot reach http://127.0.0.1:{port}/data/futures/um/.*\(offline\?\)"):
        download_archive("BTCUSDT", "2024-01-01", "2024-01-01", kinds=("klines",), interval="5m",
                         cache_dir=tmp_path, base_url=f"http://127.0.0.1:{port}", progress=False, timeout=2.0)


def test_downloaded_cache_reads_as_a_bundle(server, tmp_path):
    server.add_day("2024-01-01")
    server.add_day("2024-01-02")
    funding = "calc_time,funding_interval_hours,last_funding_rate\n1704067200000,8,0.0001\n"
    server.add(archive_path("fundingRate", "BTCUSDT", "monthly", date(2024, 1, 1)).as_posix(), funding)
    fetch(server, tmp_path, "2024-01-01", "2024-01-02", kinds=("klines", "fundingRate"))
    bundle = read_binance_archive(tmp_path, "BTCUSDT", kinds=("klines", "fundingRate"))
    assert len(bundle.candles) == 2 * 288 and bundle.funding.tolist() == [0.0001]


# ------------------------------------------------------------------ planning
def test_plan_uses_monthly_files_for_complete_months_and_daily_files_otherwise():
    plan = plan_archive_files("BTCUSDT", "2024-01-30", "2024-03-01", kinds=("klines",), today=date(2024, 3, 2))
    assert [(f.frequency, f.relpath.name) for f in plan] == [
        ("daily", "BTCUSDT-5m-2024-01-30.zip"),
        ("daily", "BTCUSDT-5m-2024-01-31.zip"),
        ("monthly", "BTCUSDT-5m-2024-02.zip"),
        ("daily", "BTCUSDT-5m-2024-03-01.zip"),
    ]


def test_plan_skips_days_not_yet_published_and_takes_daily_files_for_the_current_month():
    plan = plan_archive_files("BTCUSDT", "2024-03-01", "2024-03-31", kinds=("metrics", "klines"),
                              today=date(2024, 3, 3))
    assert [f.relpath.name for f in plan] == [
        "BTCUSDT-metrics-2024-03-01.zip", "BTCUSDT-metrics-2024-03-02.zip",
        "BTCUSDT-5m-2024-03-01.zip", "BTCUSDT-5m-2024-03-02.zip",
    ]


def test_plan_takes_funding_from_monthly_files_only():
    plan = plan_archive_files("BTCUSDT", "2024-01-10", "2024-03-05", kinds=("fundingRate",), today=date(2024, 3, 10))
    assert [f.relpath.as_posix() for f in plan] == [
        "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip",
        "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-02.zip",
    ]


def test_end_before_start_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"expected start <= end"):
        download_archive("BTCUSDT", "2024-01-02", "2024-01-01", kinds=("klines",), interval="5m",
                         cache_dir=tmp_path, progress=False)


# ------------------------------------------------------------- path safety
@pytest.mark.parametrize("relative", ["../outside.zip", "a/../../outside.zip", "/etc/outside.zip"])
def test_paths_resolving_outside_the_cache_are_refused(tmp_path, relative):
    with pytest.raises(DownloadError, match=r"refusing path"):
        resolve_inside(tmp_path / "cache", relative)


def test_symlink_leading_outside_the_cache_is_refused(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", cache / "data")
    with pytest.raises(DownloadError, match=r"outside"):
        resolve_inside(cache, "data/futures/um/x.zip")


def test_symbol_with_path_components_is_refused_before_any_request(server, tmp_path):
    with pytest.raises(ConfigError, match=r"invalid symbol '../../evil'"):
        download_archive("../../evil", "2024-01-01", "2024-01-01", kinds=("klines",), interval="5m",
                         cache_dir=tmp_path / "cache", base_url=server.base_url, progress=False)
    assert server.requests == [] and list(tmp_path.iterdir()) == []


def test_extract_refuses_entries_with_dotdot(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(zip_bytes("../evil.csv", "x\n"))
    with pytest.raises(DownloadError, match=r"refusing to extract zip entry: '\.\.' component in '\.\./evil\.csv'"):
        extract_zip(bad, tmp_path / "out")
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path / "out").exists()


def test_extract_writes_the_single_csv(tmp_path):
    good = tmp_path / "BTCUSDT-5m-2024-01-01.zip"
    good.write_bytes(zip_bytes("BTCUSDT-5m-2024-01-01.csv", "a,b\n"))
    out = extract_zip(good, tmp_path / "out")
    assert out == (tmp_path / "out" / "BTCUSDT-5m-2024-01-01.csv").resolve() and out.read_text() == "a,b\n"


def test_cli_download_then_inspect_the_cache(server, tmp_path):
    import os
    import subprocess
    import sys

    server.add_day("2024-01-01")
    server.add_day("2024-01-02")
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    cache = tmp_path / "cache"
    proc = subprocess.run([sys.executable, "-m", "liqbt", "data", "download", "BTCUSDT", "--start", "2024-01-01",
                           "--end", "2024-01-02", "--kinds", "klines", "--cache", str(cache), "--base-url",
                           server.base_url], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "2 archive files" in proc.stdout
    again = subprocess.run(proc.args, capture_output=True, text=True, env=env)
    assert again.returncode == 0 and server.count(klines_rel("daily", "2024-01-01")) == 1  # no re-download
    fresh = [str(tmp_path / "fresh") if a == str(cache) else a for a in proc.args[:-1]] + ["http://127.0.0.1:9"]
    offline = subprocess.run(fresh, capture_output=True, text=True, env=env)
    assert offline.returncode == 2 and "offline" in offline.stderr and "Traceback" not in offline.stderr
    errors = [line for line in offline.stderr.splitlines() if "liqbt: error:" in line]  # besides the progress bar
    assert len(errors) == 1 and "cannot reach" in errors[0]

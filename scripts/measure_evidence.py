"""Measure what issue 4 asks to be measured, outside the test suite.

    .venv/bin/python scripts/measure_evidence.py thumbnail     # median thumbnail time, 12 MP JPEG
    .venv/bin/python scripts/measure_evidence.py upload-memory # peak RSS growth, 200 MB video upload

The upload goes through the page's upload URL of a real server (gunicorn, one
sync worker, the demo settings on a throwaway SQLite file), and the worker's
peak resident memory (VmHWM) is read from /proc before and after.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def photo_jpeg(size: tuple[int, int] = (4000, 3000), quality: int = 90) -> bytes:
    """A JPEG with detail and noise like a real photo (a flat picture would compress to nothing)."""
    from PIL import Image

    mandel = Image.effect_mandelbrot(size, (-2.0, -1.2, 1.0, 1.2), 100)
    image = Image.merge("RGB", [Image.effect_noise(size, 40), mandel, Image.effect_noise(size, 25)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def thumbnail_times(data: bytes, runs: int) -> list[float]:
    """Milliseconds per thumbnail of ``data`` (Django must be set up), ``runs`` times."""
    from evidence.images import thumbnail_jpeg

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        thumbnail_jpeg(io.BytesIO(data), 480)
        times.append((time.perf_counter() - start) * 1000)
    return times


def thumbnail(runs: int = 21) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disputes_site.settings.local")
    import django

    django.setup()
    data = photo_jpeg()
    times = thumbnail_times(data, runs)
    print(
        f"thumbnail of a 4000x3000 JPEG ({len(data) / 1e6:.1f} MB), {runs} runs: "
        f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms"
    )


def _vm(pid: int, key: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{key}:\s+(\d+) kB", text).group(1))  # type: ignore[union-attr]


def upload_memory(size_mb: int = 190) -> None:
    # 190 MiB = 199 MB: just under the 200 MiB video limit.
    var = Path(tempfile.mkdtemp(prefix="measure-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="disputes_site.settings.local",
        VAR_DIR=str(var),
        DJANGO_DEBUG="false",
    )
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = 18000 + secrets.randbelow(1000)
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "disputes_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(var / "server.log", "w"),  # noqa: SIM115
    )
    try:
        time.sleep(3)
        worker = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0])
        cookies, token = _log_in(port)
        reference = _open_case(port, cookies, env)
        video = var / "big.mp4"
        with open(video, "wb") as f:
            f.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
            chunk = os.urandom(1024 * 1024)
            for _ in range(size_mb):
                f.write(chunk)
        before_rss, before_peak = _vm(worker, "VmRSS"), _vm(worker, "VmHWM")
        status = _post_file(port, cookies, token, f"/disputes/{reference}/evidence/", video)
        after_peak = _vm(worker, "VmHWM")
        print(
            f"upload of {video.stat().st_size / 1e6:.0f} MB: HTTP {status}; worker RSS before {before_rss / 1024:.0f} MB, "
            f"peak before {before_peak / 1024:.0f} MB, peak after {after_peak / 1024:.0f} MB, "
            f"growth {(after_peak - before_peak) / 1024:.1f} MB"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        print(f"server log: {var / 'server.log'}")


def _request(
    port: int,
    method: str,
    path: str,
    cookies: dict[str, str],
    body: bytes = b"",
    headers: dict[str, str] | None = None,
):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    all_headers = {
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Referer": f"http://127.0.0.1:{port}/",
    }
    all_headers.update(headers or {})
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    return response.status, response.read().decode(errors="replace")


def _log_in(port: int) -> tuple[dict[str, str], str]:
    cookies: dict[str, str] = {}
    _status, page = _request(port, "GET", "/accounts/login/", cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = f"csrfmiddlewaretoken={token}&login=buyer%40example.com&password=demo12345".encode()
    _request(
        port,
        "POST",
        "/accounts/login/",
        cookies,
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    return cookies, cookies["csrftoken"]


def _open_case(port: int, cookies: dict[str, str], env: dict[str, str]) -> str:
    _status, page = _request(port, "GET", "/disputes/", cookies)
    for reference in re.findall(r'href="/disputes/(DSP-[A-Z0-9]+)/"', page):
        _s, detail = _request(port, "GET", f"/disputes/{reference}/", cookies)
        if "Submit evidence" in detail:
            return reference
    raise SystemExit("no open case to upload to")


def _post_file(port: int, cookies: dict[str, str], token: str, path: str, file: Path) -> int:
    """A multipart POST streamed from disk: the client never holds the file either."""
    boundary = secrets.token_hex(16)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + file.stat().st_size + len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", path)
    for key, value in {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-CSRFToken": token,
        "Referer": f"http://127.0.0.1:{port}/",
    }.items():
        conn.putheader(key, value)
    conn.endheaders()
    conn.send(head)
    with open(file, "rb") as f:
        while chunk := f.read(1024 * 1024):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    response.read()
    return response.status


if __name__ == "__main__":
    {"thumbnail": thumbnail, "upload-memory": upload_memory}[sys.argv[1]]()

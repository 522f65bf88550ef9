"""Headless Chromium for the tests, driven over the W3C WebDriver protocol by Debian's
chromedriver (packages chromium and chromium-driver), with nothing but the standard library."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
import zlib

from stores import missing

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]


class Browser:
    """One Chromium session; ``with Browser() as b: b.open(url)``."""

    def __enter__(self) -> Browser:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        driver = shutil.which("chromedriver")
        if chromium is None or driver is None:
            missing("Chromium and chromedriver (Debian's chromium, chromium-driver)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.call("GET", "/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        capabilities = {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": chromium, "args": CHROMIUM_ARGS},
        }
        session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = f"/session/{session['sessionId']}"
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call("DELETE", self.session)
        finally:
            self.process.terminate()
            self.process.wait(timeout=30)

    def call(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())["value"]

    def open(self, url: str) -> None:
        self.call("POST", f"{self.session}/url", {"url": url})

    def run(self, script: str) -> object:
        return self.call("POST", f"{self.session}/execute/sync", {"script": script, "args": []})

    def console(self) -> list[dict]:
        """The browser's console and page errors since the last call."""
        return self.call("POST", f"{self.session}/se/log", {"type": "browser"})

    def screenshot(self, css: str) -> bytes:
        """A PNG of the first element that ``css`` selects."""
        element = self.call(
            "POST", f"{self.session}/element", {"using": "css selector", "value": css}
        )
        (element_id,) = element.values()
        return base64.b64decode(self.call("GET", f"{self.session}/element/{element_id}/screenshot"))


def png_stats(png: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct pixel rows of a PNG (8-bit RGB or RGBA)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    bit_depth, colour = png[24], png[25]
    assert bit_depth == 8 and colour in (2, 6), (bit_depth, colour)
    channels = 3 if colour == 2 else 4
    idat, pos = b"", 8
    while pos < len(png):
        length = struct.unpack(">I", png[pos : pos + 4])[0]
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, distinct = [], bytearray(stride), set()
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + pred) & 0xFF
        distinct.add(bytes(line))
        rows.append(line)
        previous = line
    return width, height, len(distinct)


def until(browser: Browser, script: str, what: str, seconds: float = 30) -> object:
    """The value of ``script`` in the page once it is truthy (polled, never a fixed wait), else
    a failure that names ``what``."""
    import pytest

    deadline = time.monotonic() + seconds
    while True:
        value = browser.run(script)
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {seconds} s")
        time.sleep(0.1)


def requested_elsewhere(browser: Browser, base: str) -> list[str]:
    """The addresses the page and what it loaded came from that are not under ``base``."""
    requested = browser.run(
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])"
    )
    return [str(url) for url in requested if not str(url).startswith(base)]

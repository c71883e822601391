"""Drive headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3,
replies and events on fd 4, each message JSON ended by a NUL byte). Collects console errors, uncaught
exceptions and failed loads while a page loads, evaluates checks in the page, takes a screenshot."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    return next((p for c in CANDIDATES if (p := shutil.which(c))), None)


class Browser:
    def __init__(self, exe: str, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.profile = tempfile.mkdtemp(prefix="seqarena-chromium-")
        cmd_r, self._cmd_w = os.pipe()  # we write commands, chromium reads its fd 3
        self._ev_r, ev_w = os.pipe()  # chromium writes its fd 4, we read
        keep = (cmd_r, ev_w)

        def child_fds() -> None:  # runs in the child before exec: put the pipe ends on fds 3 and 4
            a, b = os.dup(keep[0]), os.dup(keep[1])  # dups first, in case an end already sits on 3 or 4
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--mute-audio",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=child_fds,  # noqa: PLW1509 (the tests start no threads)
        )
        os.close(cmd_r)
        os.close(ev_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self._next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict:
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read())

    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout_s
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._ev_r], [], [], left)[0]:
                raise TimeoutError(f"no reply from chromium within {self.timeout_s} s")
            chunk = os.read(self._ev_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the debugging pipe (it exited)")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._cmd_w, self._ev_r):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


def render(
    page: Path,
    width: int,
    height: int,
    expression: str,
    screenshot: Path | None = None,
    exe: str | None = None,
) -> tuple[object, list[str]]:
    """Load `page` in a viewport of width x height CSS px (mobile when narrow), return (value of
    `expression` evaluated after the load event, list of console errors / exceptions / failed loads)."""
    b = Browser(exe or find_chromium() or "chromium")
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            b.send(f"{domain}.enable", session=sid)
        b.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
            session=sid,
        )
        b.send("Page.navigate", {"url": page.resolve().as_uri()}, session=sid)
        b.wait_event("Page.loadEventFired")
        value = b.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=sid,
        )["result"].get("value")
        if screenshot is not None:
            shot = b.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=sid
            )
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        return value, _errors(b.events)
    finally:
        b.close()


def _errors(events: list[dict]) -> list[str]:
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(
                "console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
            )
        elif m == "Runtime.exceptionThrown":
            out.append("exception: " + p.get("exceptionDetails", {}).get("text", "?"))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log: " + p["entry"].get("text", "?"))
        elif m == "Network.loadingFailed":
            out.append("load failed: " + p.get("errorText", "?"))
    return out

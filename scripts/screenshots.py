"""Screenshots of the dashboard's main pages for the README, from a fresh demo.

Loads the demo (``--scale``) into a temporary SQLite database, serves the app with uvicorn
on a free port, logs in with Playwright in Debian's Chromium and saves one picture per page
into ``docs/screenshots/`` (1366×900, the browser's zone Europe/Berlin).

    .venv/bin/python scripts/screenshots.py [--scale 1] [--out docs/screenshots]
"""

import argparse
import re
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from urutiq_ai.api.app import create_app
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import Settings
from urutiq_ai.demo.loader import load_demo

CHROMIUM = "/usr/bin/chromium"
COMPANY = "demo-services"


def serve(settings: Settings) -> tuple[str, uvicorn.Server]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def first_link(page: Any, pattern: str, *, last: bool = False) -> str:
    """The first (or last) link on the page whose href matches ``pattern``."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = [str(href) for href in hrefs if re.search(pattern, href)]
    if not found:
        raise SystemExit(f"no link matching {pattern!r} on {page.url}")
    return found[-1] if last else found[0]


def shoot(page: Any, out: Path, name: str, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # charts draw without animation; let fonts settle
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"{name}: {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="urutiq-shots-"))
    url = f"sqlite:///{folder}/urutiq.db"
    upgrade(url)
    settings = Settings(
        database_url=url,
        artifacts=str(folder / "artifacts"),
        sources=str(folder / "sources"),
        scheduler="off",
    )
    _, key = load_demo(settings, scale=args.scale, report=lambda _: None)
    assert key
    base, server = serve(settings)
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    c = f"/companies/{COMPANY}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(
            base_url=base, timezone_id="Europe/Berlin", viewport={"width": 1366, "height": 900}
        )
        page = context.new_page()
        page.goto("/login")
        shoot(page, args.out, "login", "/login")
        page.get_by_label("API key").fill(key)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r".*/companies/[^/]+$"))
        shoot(page, args.out, "overview", c)
        shoot(page, args.out, "models", f"{c}/models")
        page.goto(f"{c}/models?modelName=expense_classifier&status=active")
        shoot(page, args.out, "model", first_link(page, r"/models/[0-9a-f]{32}$"))
        page.goto(f"{c}/training-runs")
        shoot(page, args.out, "training-run", first_link(page, r"/training-runs/[0-9a-f]{32}$"))
        shoot(page, args.out, "training-new", f"{c}/training-runs/new")
        shoot(page, args.out, "pipelines", f"{c}/pipelines")
        page.goto(f"{c}/pipelines")
        shoot(page, args.out, "pipeline", first_link(page, r"/pipelines/[0-9a-f]{32}$"))
        shoot(page, args.out, "pipeline-run", first_link(page, r"/pipeline-runs/[0-9a-f]{32}$"))
        shoot(page, args.out, "data-quality", f"{c}/data-quality")
        shoot(page, args.out, "monitoring", f"{c}/monitoring")
        shoot(page, args.out, "drift-detections", f"{c}/monitoring/drift")
        shoot(page, args.out, "deployments", f"{c}/deployments")
        shoot(
            page,
            args.out,
            "deployment",
            f"{c}/deployments/expense-classifier?environment=production",
        )
        shoot(page, args.out, "experiments", f"{c}/experiments")
        # the oldest experiment: the demo's A/B test, evaluated (the newest is a fresh one)
        experiment = first_link(page, r"/experiments/[0-9a-f]{32}$", last=True)
        shoot(page, args.out, "experiment", experiment)
        shoot(page, args.out, "governance", f"{c}/governance")
        page.goto(f"{c}/governance")
        shoot(
            page, args.out, "violation", first_link(page, r"/governance/violations/[0-9a-f]{32}$")
        )
        shoot(page, args.out, "config-history", f"{c}/config/categories")
        shoot(page, args.out, "audit-log", "/audit")
        browser.close()
    server.should_exit = True
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

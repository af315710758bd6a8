"""`python -m bench.runs_timing [--quick]`: how fast shared runs feel, in Chromium.

Two server processes on one database (a throwaway embedded Postgres, or a fresh
database on BENCH_DATABASE_URL's server); headless Chromium (/usr/bin/chromium).
Measures, in the page, from the Run click to the first output in the console:
- JavaScript and TypeScript (a fresh worker per run; TypeScript through sucrase);
- Python cold: Pyodide's files in the browser's HTTP cache, not loaded in the page;
- Python warm: Pyodide loaded by an earlier run;
- the first Pyodide load: an empty cache, Run to first output;
and the relay: a line the runner's code prints (stamped with Date.now(), one every
100 ms, so that each goes out at once rather than waiting for the runner's 50 ms
coalescing window) until it appears in the other page's console, that page being
on the other process: worker → sandbox → page → socket → server → NOTIFY → the
other server → socket → page.
Writes bench/results/runs_timing.json (--quick: bench/results/tmp/, fewer samples).
About a minute; --quick about half.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from tests.harness import PostgresServer, ServerProcess, create_room, servers

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
RESULTS = Path(__file__).resolve().parent / "results"
GOALS_MS = {"javascript": 100, "typescript": 100, "python_warm": 300, "relay_p95": 50}

# Clicks Run and resolves with the milliseconds until the newest console entry
# shows any output.
_TIME_TO_FIRST_OUTPUT = """async () => {
  const before = document.querySelectorAll('[data-testid=run-entry]').length;
  const t0 = performance.now();
  document.querySelector('[data-testid=run-button]').click();
  return await new Promise((resolve, reject) => {
    const check = () => {
      const entries = document.querySelectorAll('[data-testid=run-entry]');
      const last = entries[entries.length - 1];
      if (entries.length > before && last.querySelector('[data-testid=run-output]').textContent) {
        observer.disconnect();
        resolve(performance.now() - t0);
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    setTimeout(() => reject(new Error('no output in 120 s')), 120000);
  });
}"""

_WAIT_IDLE = """() => new Promise((resolve) => {
  const poll = () => {
    const run = document.querySelector('[data-testid=run-button]');
    if (run && !run.disabled) resolve(true); else setTimeout(poll, 20);
  };
  poll();
})"""

# In the watching page: every new "t=<ms>" line, as (arrival - stamp) in ms.
_COLLECT_RELAY = """(count) => new Promise((resolve) => {
  const seen = new Set();
  const delays = [];
  const observer = new MutationObserver(() => {
    const now = Date.now();
    const text = document.querySelector('[data-testid=run-console]').textContent;
    for (const m of text.matchAll(/t=(\\d+);/g)) {
      if (seen.has(m[1])) continue;
      seen.add(m[1]);
      delays.push(now - Number(m[1]));
    }
    if (delays.length >= count) { observer.disconnect(); resolve(delays); }
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
})"""


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "max": round(ordered[-1], 1),
    }


async def open_room(browser: Browser, url: str) -> Page:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector('[data-testid=connection-status][data-status="connected"]')
    await page.wait_for_function(_WAIT_IDLE)
    return page


async def first_output(page: Page, times: int) -> list[float]:
    samples = []
    for _ in range(times):
        samples.append(float(await page.evaluate(_TIME_TO_FIRST_OUTPUT)))
        await page.wait_for_function(_WAIT_IDLE)
    return samples


async def measure(procs: list[ServerProcess], quick: bool) -> dict[str, Any]:
    reps = 3 if quick else 10
    a, b = procs
    results: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for language, code in [
                ("javascript", "console.log('hi', 1 + 1);"),
                ("typescript", "const n: number = 41;\nconsole.log(`hi ${n + 1}`);"),
            ]:
                room = await create_room(a, code, language)
                page = await open_room(browser, f"{a.http}/room/{room}")
                await first_output(page, 1)  # the worker script and sucrase, once
                results[language] = summary(await first_output(page, reps))
                await page.context.close()

            room = await create_room(a, "print('hi')", "python")
            page = await open_room(browser, f"{a.http}/room/{room}")
            results["python_first_load"] = summary(await first_output(page, 1))
            results["python_warm"] = summary(await first_output(page, reps))
            # Same browser context (its HTTP cache has Pyodide), a fresh page.
            cold = []
            for _ in range(2 if quick else 3):
                fresh = await page.context.new_page()
                await fresh.goto(f"{a.http}/room/{room}")
                await fresh.wait_for_function(_WAIT_IDLE)
                cold += await first_output(fresh, 1)
                await fresh.close()
            results["python_cold_cached"] = summary(cold)
            await page.context.close()

            count = 20 if quick else 60
            code = (
                "let i = 0;\nconst t = setInterval(() => {\n"
                "  console.log(`t=${Date.now()};`);\n"
                f"  if (++i === {count}) clearInterval(t);\n"
                "}, 100);\n"
            )
            room = await create_room(a, code, "javascript")
            runner = await open_room(browser, f"{a.http}/room/{room}")
            watcher = await open_room(browser, f"{b.http}/room/{room}")
            collecting = asyncio.ensure_future(watcher.evaluate(_COLLECT_RELAY, count))
            await asyncio.sleep(0.2)
            await runner.get_by_test_id("run-button").click()
            results["relay"] = summary([float(d) for d in await collecting])
        finally:
            await browser.close()
    return results


async def main(args: argparse.Namespace) -> int:
    url = os.environ.get("BENCH_DATABASE_URL")
    postgres = PostgresServer(url, None) if url else PostgresServer.start_embedded()
    started = time.monotonic()
    try:
        await postgres.prepare_template()
        database = await postgres.new_database()
        with servers(database, 2) as procs:
            results = await measure(procs, args.quick)
    finally:
        await postgres.drop_all()
        postgres.stop()
    results["goals_ms"] = GOALS_MS
    results["seconds"] = round(time.monotonic() - started, 1)
    # A quick run is a smoke run: its numbers stay out of the committed results.
    folder = RESULTS / "tmp" if args.quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "runs_timing.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    raise SystemExit(asyncio.run(main(parser.parse_args())))

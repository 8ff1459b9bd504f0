// The console's budgets, measured (not asserted): first-load size of the list page, time to draw
// a 200- and a 500-block playbook and the JS heap after, frame rate while zooming at 200 blocks,
// and the time from a run's change on the server to the page showing it. Against a real server:
// RIPOSTE_URL and RIPOSTE_KEY, as for the journeys (scripts/console-bench.sh starts one).
import { chromium } from "playwright-core";
import { chain } from "./journeys.mjs";
import { startSink } from "./sink.mjs";

const url = process.env.RIPOSTE_URL;
const key = process.env.RIPOSTE_KEY;
const rounds = Number(process.env.ROUNDS ?? 3);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--enable-precise-memory-info", "--js-flags=--expose-gc"] });
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();

async function call(method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
const report = (what, value, unit, budget) => {
  results.push({ what, value, unit, budget });
  console.log(`${what.padEnd(44)} ${String(value).padStart(9)} ${unit.padEnd(6)} (budget ${budget})`);
};

// First load: every byte the list page's first visit takes off the wire (a browser with an empty
// cache, logged in, sending `Accept-Encoding: br, gzip` as Chromium does): bodies as sent, and
// the response headers. The console's files, and its API answers, apart.
await page.goto(`${url}/`);
await page.getByLabel("API key").fill(key);
await page.getByRole("button", { name: "Log in" }).click();
await page.getByRole("heading", { name: "Playbooks" }).waitFor();
const fresh = await browser.newContext({ viewport: { width: 1440, height: 900 }, storageState: await context.storageState() });
const firstVisit = await fresh.newPage();
const responses = [];
firstVisit.on("response", (response) => responses.push(response));
await firstVisit.goto(`${url}/ui/`);
await firstVisit.getByRole("heading", { name: "Playbooks" }).waitFor();
await firstVisit.waitForLoadState("networkidle");
const wire = { console: 0, api: 0, files: 0, raw: 0 };
for (const response of responses) {
  const sizes = await response.request().sizes();
  const onWire = sizes.responseBodySize + sizes.responseHeadersSize;
  const part = new URL(response.url()).pathname.startsWith("/ui/") ? "console" : "api";
  wire[part] += onWire;
  wire.files += 1;
  wire.raw += (await response.body().catch(() => Buffer.alloc(0))).length;
  if (process.env.BENCH_FILES) console.log(`  ${response.url()} ${onWire} on the wire, ${response.headers()["content-encoding"] ?? "identity"}`);
}
await fresh.close();
report("first load of the list page, on the wire", ((wire.console + wire.api) / 1024).toFixed(1), "KB", "<= 150 KB");
report("  of which the console's files", (wire.console / 1024).toFixed(1), "KB", "-");
report(`  uncompressed (${wire.files} responses)`, (wire.raw / 1024).toFixed(1), "KB", "-");
// BENCH_ONLY_LOAD=1: the first load only (what a build without the editor can be measured on).
if (process.env.BENCH_ONLY_LOAD) {
  await browser.close();
  process.exit(0);
}

// Drawing: from opening the playbook's page to its blocks on screen.
async function draw(size) {
  const created = await call("POST", "/api/v1/symphony/playbooks", { playbook: chain(`${size} blocks`, size) });
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    await page.goto(`${url}/ui/`);
    await page.getByRole("heading", { name: "Playbooks" }).waitFor();
    const started = Date.now();
    await page.goto(`${url}/ui/playbooks/${created.uuid}/workflow`);
    await page.locator(".react-flow__node").first().waitFor();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    times.push(Date.now() - started);
  }
  // What the page holds once garbage is collected.
  const heap = await page.evaluate(() => {
    globalThis.gc?.();
    return performance.memory?.usedJSHeapSize ?? 0;
  });
  return { uuid: created.uuid, ms: median(times), heapMb: heap / 1024 / 1024 };
}
const two = await draw(200);
report("200 blocks drawn (median)", two.ms, "ms", "<= 1000 ms");
const five = await draw(500);
report("500 blocks drawn (median)", five.ms, "ms", "<= 2000 ms");
report("JS heap with 500 blocks", five.heapMb.toFixed(1), "MB", "<= 60 MB");

// Zooming at 200 blocks: frames counted while the wheel zooms in and out for two seconds.
await page.goto(`${url}/ui/playbooks/${two.uuid}/workflow`);
await page.locator(".react-flow__node").first().waitFor();

// Selecting a block: from the click to its panel on screen.
const panelTimes = [];
for (let i = 1; i <= Math.max(rounds, 5); i += 1) {
  // Timed in the page: the click, then each frame until the panel is there and painted.
  panelTimes.push(
    await page.evaluate(async (nth) => {
      // A block on screen (those out of view are not drawn).
      const node = [...document.querySelectorAll(".react-flow__node")].filter((n) => !n.classList.contains("selected"))[nth];
      const name = node.getAttribute("aria-label").replace(/, node\.\d+$/, "");
      const started = performance.now();
      node.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      await new Promise((resolve) => {
        const look = () => (document.querySelector(`aside[aria-label="Block ${name}"]`) ? resolve() : requestAnimationFrame(look));
        look();
      });
      await new Promise((resolve) => requestAnimationFrame(resolve));
      return performance.now() - started;
    }, i),
  );
}
report("a block's panel ready after its click (median)", median(panelTimes).toFixed(0), "ms", "<= 100 ms");
const pane = await page.locator(".react-flow__pane").boundingBox();
await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
await page.evaluate(() => {
  globalThis.frames = 0;
  const count = () => {
    globalThis.frames += 1;
    if (!globalThis.stopCounting) requestAnimationFrame(count);
  };
  requestAnimationFrame(count);
});
const zoomStarted = Date.now();
for (let i = 0; Date.now() - zoomStarted < 2000; i += 1) {
  await page.mouse.wheel(0, i % 20 < 10 ? -120 : 120);
  await page.waitForTimeout(16);
}
const frames = await page.evaluate(() => {
  globalThis.stopCounting = true;
  return globalThis.frames;
});
report("frame rate while zooming, 200 blocks", ((frames * 1000) / (Date.now() - zoomStarted)).toFixed(0), "fps", ">= 30 fps");

// A run's change: the tool answers while the run page is open; how long until it shows.
const sink = await startSink();
const latencies = [];
for (let i = 0; i < rounds; i += 1) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  sink.hold = held;
  const playbook = await call("POST", "/api/v1/symphony/playbooks", {
    playbook: { name: `Held ${i}`, nodes: {
      0: { name: "Manual Trigger", type: "trigger", module_uuid: "92d8bb47-7c51-445d-81de-ae04edbb6f0a",
           trigger_uuid: "fc26eb9f-b272-4c15-b3bf-ace397c0dc57", outputs: { default: ["1"] } },
      1: { name: "Slow tool", type: "action", module_uuid: "5894985f-91eb-46db-9306-cc5ac6463d3d",
           action_uuid: "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5", arguments: { url: sink.url, method: "post" }, outputs: { default: [] } },
    } },
  });
  const run = await call("POST", `/api/v1/symphony/playbooks/${playbook.uuid}/run`, { event: {} });
  await page.goto(`${url}/ui/runs/${run.uuid}`);
  await page.getByRole("heading", { name: /Run of/ }).waitFor();
  await page.waitForTimeout(300 + Math.random() * 1000);
  const answered = Date.now();
  release();
  await page.getByLabel("Slow tool, node.1").getByText("succeeded").waitFor();
  latencies.push(Date.now() - answered);
  sink.hold = null;
}
await sink.close();
report("a run's change shown (median)", median(latencies), "ms", "<= 1000 ms");

await browser.close();
if (process.env.BENCH_JSON) console.log(JSON.stringify(results));

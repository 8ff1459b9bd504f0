// Each journey: a user's path through the console, with what must hold at each step.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import YAML from "yaml";
import { startSink } from "./sink.mjs";

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Calls the API with an API key, as a script would. */
async function call(url, key, method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** No serious or critical accessibility violation on the page as it stands. */
async function accessible(page, where) {
  await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () => await globalThis.axe.run());
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const described = (v) => `${v.id} (${v.impact}): ${v.help}, at ${v.nodes.slice(0, 3).map((n) => n.html.slice(0, 160)).join(" | ")}`;
  check(bad.length === 0, `${where}: ${bad.map(described).join("; ")}`);
}

async function logIn(page, url, key) {
  await page.goto(`${url}/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Playbooks" }).waitFor();
}

async function seedPlaybook(url, key, name, sinkUrl) {
  const text = await readFile(new URL("../../examples/sync-alerts/playbook.json", import.meta.url), "utf8");
  const playbook = { ...JSON.parse(text), name };
  if (sinkUrl) playbook.nodes["2"].arguments.url = sinkUrl;
  delete playbook.uuid;
  const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", { playbook });
  check(created.status === 201, `the playbook was not created: ${JSON.stringify(created.body)}`);
  return created.body.uuid;
}

/** With RIPOSTE_SCREENSHOTS=DIR, the page as it stands, for the README. */
async function screenshot(page, name) {
  const dir = process.env.RIPOSTE_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png` });
}

/** Waits until `condition()` holds, checking every 100 ms, for at most `seconds`. */
async function until(what, condition, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Presses Tab until the focused element is named `name` (a string, or a pattern): its
 * aria-label, its label, or its text. Journey 8 moves only this way.
 */
async function tabTo(page, name, presses = 250) {
  for (let i = 0; i < presses; i += 1) {
    await page.keyboard.press("Tab");
    const here = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e) return "";
      return (e.getAttribute("aria-label") ?? e.labels?.[0]?.textContent ?? e.textContent ?? "").trim();
    });
    if (typeof name === "string" ? here === name : name.test(here)) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

/** Types the test event in the "Test with…" popover, then closes it. */
async function setTestEvent(testBar, event) {
  await testBar.getByText("Test with…").click();
  await testBar.getByLabel("Test event (JSON)").fill(JSON.stringify(event));
  await testBar.getByText("Test with…").click();
}

/** A block on the graph, by its name and id. */
function block(page, name, id) {
  return page.getByLabel(`${name}, node.${id}`, { exact: true });
}

/** Drags a block from the library and drops it `below` a block of the graph. */
async function dragBlock(page, name, below) {
  await page.getByLabel("Search blocks").fill(name);
  const item = page.getByRole("complementary", { name: "Block library" }).getByRole("button", { name: new RegExp(`^${name}`) });
  const pane = page.locator(".react-flow__pane");
  const [paneBox, belowBox] = [await pane.boundingBox(), await below.boundingBox()];
  await item.dragTo(pane, {
    targetPosition: { x: belowBox.x - paneBox.x + belowBox.width / 2, y: belowBox.y - paneBox.y + belowBox.height + 80 },
  });
}

/** Links two blocks as a user does: from the first one's handle to the second one's. */
async function link(page, from, to) {
  const source = (await page.getByTitle(`Link from ${from}`, { exact: true }).boundingBox());
  const target = (await page.getByTitle(`Link into ${to}`, { exact: true }).boundingBox());
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
  await page.mouse.up();
}

const SEKOIA = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";
const MANUAL_TRIGGER = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
const HTTP = "5894985f-91eb-46db-9306-cc5ac6463d3d";
const REQUEST_URL = "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5";

/** The JSON body of the seed's Request URL, as the user types it. */
const SEED_JSON =
  '{"alert_short_id":"{{ node.0[\'alert_uuid\'] }}", "rule_name":"{{ node.1[\'rule\'][\'name\'] }}","rule_severity":"{{ node.1[\'rule\'][\'severity\'] }}","description":"This is a description"}';

export const journeys = {
  async "1. the seed, step for step: a playbook built in the editor pushes each new alert to the tool"({ page, url, key }) {
    const sink = await startSink();
    try {
      await buildSeedPlaybook(page, url, key, sink);
      const alert = await call(url, key, "POST", "/api/v1/sic/alerts", {
        title: "Ransomware on host-12",
        rule: { name: "Ransomware detected", severity: 80 },
      });
      check(alert.status === 201, JSON.stringify(alert.body));
      const received = await until("the sink to receive the alert", () => sink.received[0]);
      check(received.method === "POST", `the tool was called with ${received.method}`);
      check(
        received.headers.authorization === "Bearer YOUR_EXTERNAL_PRODUCT_API_KEY_NOT_THE_SEKOIAIO_ONE",
        `headers: ${JSON.stringify(received.headers)}`,
      );
      const expected = {
        alert_short_id: alert.body.uuid,
        rule_name: "Ransomware detected",
        rule_severity: "80",
        description: "This is a description",
      };
      check(JSON.stringify(JSON.parse(received.body)) === JSON.stringify(expected), `the tool received ${received.body}`);

      // See the runs: the run succeeded, and each block shows what it did.
      await page.getByRole("navigation", { name: "Playbook" }).getByRole("link", { name: "Runs" }).click();
      const row = page.getByRole("row", { name: /Succeeded/ });
      await row.waitFor();
      await accessible(page, "the playbook's runs");
      await row.getByRole("link").click();
      await page.getByRole("heading", { name: /Run of/ }).waitFor();
      for (const [name, id] of [["Alert Created", 0], ["Get Alert", 1], ["Request URL", 2]]) {
        const shown = block(page, name, id);
        await shown.getByText("succeeded").waitFor();
        await shown.click();
        const panel = page.getByRole("complementary", { name: `Block ${name}` });
        await panel.getByText("In this run").waitFor();
        check((await panel.locator(".status-text").textContent()) === "succeeded", `${name} succeeded`);
        const results = await panel.getByLabel("Results", { exact: true }).textContent();
        if (id === 1) check(results.includes("Ransomware detected"), `Get Alert's results: ${results}`);
        if (id === 2) check(results.includes('"status_code": 200'), `Request URL's results: ${results}`);
      }
      await accessible(page, "a run");
      await screenshot(page, "run");
    } finally {
      await sink.close();
    }
  },

  async "2. a failed run fixed: the red block says why, v2 succeeds, a rerun of the failed blocks keeps v1"({ page, url, key }) {
    const sink = await startSink();
    try {
      const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", {
        playbook: {
          name: "Notify the ticketing tool",
          nodes: {
            0: { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA, trigger_uuid: MANUAL_TRIGGER,
                 position: { x: 0, y: 0 }, outputs: { default: ["1"] } },
            1: { name: "Request URL", type: "action", module_uuid: HTTP, action_uuid: REQUEST_URL,
                 arguments: { url: sink.broken, method: "post", json: { text: "hello" } },
                 position: { x: 0, y: 150 }, outputs: { default: [] } },
          },
        },
      });
      check(created.status === 201, JSON.stringify(created.body));
      const uuid = created.body.uuid;
      await logIn(page, url, key);
      await page.getByRole("link", { name: "Notify the ticketing tool" }).click();
      await page.getByRole("button", { name: "Run now" }).click();

      // The run fails: the red block says failed, and shows the tool's answer.
      const failed = block(page, "Request URL", 1);
      await failed.getByText("failed").waitFor();
      const failedRun = /runs\/([^/]+)$/.exec(page.url())[1];
      await failed.click();
      const panel = page.getByRole("complementary", { name: "Block Request URL" });
      const error = await panel.locator("pre.error").textContent();
      check(error.includes("500"), `the error says the status: ${error}`);
      const results = await panel.getByLabel("Results", { exact: true }).textContent();
      check(results.includes("no such endpoint"), `the results show the body: ${results}`);
      await accessible(page, "a failed run");

      // Fixed and saved as v2.
      await page.getByRole("link", { name: "Notify the ticketing tool" }).click();
      await page.getByRole("link", { name: "Workflow" }).click();
      await block(page, "Request URL", 1).click();
      await page.getByRole("complementary", { name: "Block Request URL" }).getByLabel("url", { exact: true }).fill(sink.url);
      // The tab is lost before saving: the draft was kept by the browser, and is restored.
      await page.waitForTimeout(800);
      await page.reload();
      await page.getByRole("button", { name: "Restore the draft" }).click();
      await block(page, "Request URL", 1).click();
      const url1 = page.getByRole("complementary", { name: "Block Request URL" }).getByLabel("url", { exact: true });
      check((await url1.inputValue()) === sink.url, "the kept draft has the fix");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").getByText("Saved as v2.").waitFor();

      // Back on the failed run, each rerun says which version it runs.
      await page.goto(`${url}/ui/runs/${failedRun}`);
      const keeps = page.getByRole("button", { name: "Rerun failed blocks (keeps v1)" });
      await keeps.waitFor();
      await page.getByRole("button", { name: "Run again on the current version (v2)" }).click();
      await page.waitForURL((u) => !u.pathname.endsWith(failedRun));
      await block(page, "Request URL", 1).getByText("succeeded").waitFor();
      check(sink.received.at(-1).path === "/sink", `v2 called ${sink.received.at(-1).path}`);

      await page.goto(`${url}/ui/runs/${failedRun}`);
      await keeps.click();
      await until("the rerun of v1 to reach the tool", () => sink.received.filter((r) => r.path === "/broken").length === 2);
      const rerun = await until("the rerun to end", async () => {
        const run = (await call(url, key, "GET", `/api/v1/symphony/runs/${failedRun}`)).body;
        return run.status === "failed" && run.nodes["1"].attempts > 0 && run;
      });
      check(rerun.playbook_version === 1, `the rerun kept v1: ${JSON.stringify(rerun)}`);
      await block(page, "Request URL", 1).getByText("failed").waitFor();
      const runs = await call(url, key, "GET", `/api/v1/symphony/runs?playbook_uuid=${uuid}`);
      check(runs.body.total === 2, `two runs in all: ${runs.body.total}`);
    } finally {
      await sink.close();
    }
  },

  async "3. test without side effects: a mocked Request URL reaches nothing, a pinned Get Alert answers its output"({ page, url, key }) {
    const sink = await startSink();
    try {
      const uuid = await seedPlaybook(url, key, "Sync alerts, tested", sink.url);
      const alert = await call(url, key, "POST", "/api/v1/sic/alerts", {
        title: "Phishing on laptop-7",
        rule: { name: "Phishing link clicked", severity: 40 },
      });
      check(alert.status === 201, JSON.stringify(alert.body));
      await logIn(page, url, key);
      await page.getByRole("link", { name: "Sync alerts, tested" }).click();
      const testBar = page.getByRole("region", { name: "Test" });

      // Request URL mocked; the test event names the alert.
      await block(page, "Request URL", 2).click();
      let panel = page.getByRole("complementary", { name: "Block Request URL" });
      await panel.getByLabel("Mock this action").check();
      await panel.getByLabel("Mocked results (JSON)").fill('{"status_code": 202, "text": "mocked answer"}');
      await setTestEvent(testBar, { alert_uuid: alert.body.uuid });
      await accessible(page, "the editor with a mocked block");
      await testBar.getByRole("button", { name: "Test", exact: true }).click();
      await testBar.getByRole("status").getByText("Succeeded").waitFor();
      check((await panel.getByLabel("Results", { exact: true }).textContent()).includes("mocked answer"), "the mock answered");
      const sent = await panel.getByLabel("Arguments", { exact: true }).textContent();
      check(sent.includes("Phishing link clicked"), `Request URL was given the alert's rule: ${sent}`);

      // Get Alert pinned to what it read; the next test names an alert that does not exist.
      await block(page, "Get Alert", 1).click();
      panel = page.getByRole("complementary", { name: "Block Get Alert" });
      check((await panel.getByLabel("Results", { exact: true }).textContent()).includes("Phishing link clicked"), "Get Alert read the alert");
      await panel.getByRole("button", { name: "Pin this output" }).click();
      check(await panel.getByLabel("Mock this action").isChecked(), "pinning mocks the block with its output");
      await setTestEvent(testBar, { alert_uuid: "no-such-alert" });
      await testBar.getByRole("button", { name: "Test", exact: true }).click();
      await until("the second test run", async () => (await testBar.getByRole("status").textContent()).includes("Succeeded")
        && (await panel.getByLabel("Arguments", { exact: true }).textContent()).includes("no-such-alert"));
      await block(page, "Request URL", 2).click();
      const second = await page.getByRole("complementary", { name: "Block Request URL" }).getByLabel("Arguments", { exact: true }).textContent();
      check(second.includes("no-such-alert") && second.includes("Phishing link clicked"), `the pinned alert was used: ${second}`);

      // Nothing reached the tool, and nothing of the test is saved.
      check(sink.received.length === 0, `the tool received ${sink.received.length} requests`);
      check(await page.getByRole("button", { name: "Save", exact: true }).isDisabled(), "testing changes nothing to save");
      const stored = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`);
      check(stored.body.version === 1 && !JSON.stringify(stored.body.playbook).includes("mocked"), "the playbook is as it was");
      const runs = await call(url, key, "GET", `/api/v1/symphony/runs?playbook_uuid=${uuid}`);
      check(runs.body.total === 0, "a test run is not stored");
    } finally {
      await sink.close();
    }
  },

  async "4. variables and previews: only upstream blocks are offered, a misspelt key names its expression"({ page, url, key }) {
    const sink = await startSink();
    try {
      await seedPlaybook(url, key, "Sync alerts, previewed", sink.url);
      const alert = await call(url, key, "POST", "/api/v1/sic/alerts", {
        title: "Malware on srv-3",
        rule: { name: "Malware beacon", severity: 70 },
      });
      await logIn(page, url, key);
      await page.getByRole("link", { name: "Sync alerts, previewed" }).click();

      // Real upstream data for the previews: a test run, with Request URL mocked.
      await block(page, "Request URL", 2).click();
      let panel = page.getByRole("complementary", { name: "Block Request URL" });
      await panel.getByLabel("Mock this action").check();
      const testBar = page.getByRole("region", { name: "Test" });
      await setTestEvent(testBar, { alert_uuid: alert.body.uuid });
      await testBar.getByRole("button", { name: "Test", exact: true }).click();
      await testBar.getByRole("status").getByText("Succeeded").waitFor();

      // Get Alert may read the trigger only; Request URL the trigger and Get Alert, never itself.
      await block(page, "Get Alert", 1).click();
      const offered = async (field) => {
        await page.getByLabel(`Insert a variable into ${field}`, { exact: true }).focus();
        const choices = page.getByLabel(`Insert a variable into ${field}`, { exact: true }).locator("option");
        return (await choices.allTextContents()).filter((text) => text.startsWith("{{"));
      };
      const forGetAlert = await offered("uuid");
      check(forGetAlert.length > 0 && forGetAlert.every((e) => e.startsWith("{{ node.0")), `Get Alert is offered ${forGetAlert}`);
      await block(page, "Request URL", 2).click();
      const forRequest = await offered("url");
      check(forRequest.some((e) => e.startsWith("{{ node.0")) && forRequest.some((e) => e.startsWith("{{ node.1['rule']")),
        `Request URL is offered ${forRequest}`);
      check(!forRequest.some((e) => e.startsWith("{{ node.2")), "a block is not offered its own outputs");

      // Inserting puts the expression at the caret.
      const address = panel.getByLabel("url", { exact: true });
      await address.fill(`${sink.url}?alert=`);
      await address.press("End");
      await page.getByLabel("Insert a variable into url", { exact: true }).focus();
      await page.getByLabel("Insert a variable into url", { exact: true }).selectOption("{{ node.0['alert_uuid'] }}");
      check((await address.inputValue()) === `${sink.url}?alert={{ node.0['alert_uuid'] }}`, await address.inputValue());
      await panel.getByText(`Preview: "${sink.url}?alert=${alert.body.uuid}"`).waitFor();

      // A misspelt key: the preview names the expression; fixed, it shows the value.
      const body = panel.getByLabel("json", { exact: true });
      await body.fill('{"rule": "{{ node.1[\'rule\'][\'nmae\'] }}"}');
      await panel.locator(".preview.error").getByText("`node.1['rule']['nmae']`").waitFor();
      await accessible(page, "a field whose preview fails");
      await body.fill('{"rule": "{{ node.1[\'rule\'][\'name\'] }}"}');
      await panel.getByText('Preview: {"rule":"Malware beacon"}').waitFor();

      // "Test this block": Get Alert alone, on the test event; the block after it does not run.
      await block(page, "Get Alert", 1).click();
      await page.getByRole("complementary", { name: "Block Get Alert" }).getByRole("button", { name: "Test this block" }).click();
      await page.getByRole("button", { name: "Run it for real" }).click();
      await until("the block's test", async () => (await block(page, "Request URL", 2).locator(".block-status").count()) === 0);
      await block(page, "Get Alert", 1).getByText("succeeded").waitFor();
      check(sink.received.length === 0, "previews and mocked tests reach no tool");
    } finally {
      await sink.close();
    }
  },

  async "5. import a Sekoia playbook as JSON and as YAML, fix its issue, export the same JSON"({ page, url, key }) {
    const text = await readFile(new URL("../../crates/api/tests/fixtures/community/triage-by-severity.json", import.meta.url), "utf8");
    const original = JSON.parse(text);
    original.nodes["4"].arguments.url = "http://127.0.0.1:9/escalate";
    const broken = structuredClone(original);
    broken.nodes["4"].arguments.method = "fetch";
    await logIn(page, url, key);

    // JSON, with an issue: the issues panel leads to the block, fixed there, saved as v2.
    await importPlaybook(page, JSON.stringify(broken, null, 2));
    const issues = page.getByRole("region", { name: "Issues" });
    await issues.getByRole("heading", { name: "1 issue" }).waitFor();
    await accessible(page, "an imported playbook with an issue");
    await issues.getByRole("button", { name: "Request URL (node.4)" }).click();
    const panel = page.getByRole("complementary", { name: "Block Request URL" });
    check(await panel.getByLabel("method", { exact: true }).getAttribute("aria-invalid") === "true", "the field at fault is marked");
    await panel.getByLabel("method", { exact: true }).fill("post");
    await issues.getByRole("heading", { name: "No issue" }).waitFor();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Saved as v2.").waitFor();
    check(sameJson(await exported(page, "JSON"), original), "the export is the imported playbook, fixed");

    // YAML, without positions: laid out on import, the rest unchanged.
    const bare = structuredClone(original);
    bare.name = "Escalate severe alerts (YAML)";
    delete bare.uuid;
    for (const node of Object.values(bare.nodes)) delete node.position;
    await page.goto(`${url}/ui/`);
    await importPlaybook(page, YAML.stringify(bare));
    await block(page, "Severe?", 3).waitFor();
    const back = await exported(page, "JSON");
    check(Object.values(back.nodes).every((n) => typeof n.position?.x === "number"), "every block got a position");
    for (const node of Object.values(back.nodes)) delete node.position;
    delete back.uuid;
    check(sameJson(back, bare), `the YAML import is the playbook: ${JSON.stringify(back)}`);
    const yaml = YAML.parse(await exported(page, "YAML", true));
    check(yaml.nodes["3"].cases[0].comparison === ">=", "the YAML export reads back");
  },

  async "6. versions: v1 against v3, a run pinned to v1 shows v1, v1 restored as v4"({ page, url, key }) {
    const sink = await startSink();
    try {
      const trigger = { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA, trigger_uuid: MANUAL_TRIGGER,
                        position: { x: 0, y: 0 }, outputs: { default: ["1"] } };
      const post = (name, to, y, next) => ({ name, type: "action", module_uuid: HTTP, action_uuid: REQUEST_URL,
                                             arguments: { url: to, method: "post" }, position: { x: 0, y },
                                             outputs: { default: next ? [next] : [] } });
      const v1 = { name: "Versioned", nodes: { 0: trigger, 1: post("Notify", `${sink.url}/v1`, 150) } };
      const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", { playbook: v1 });
      const uuid = created.body.uuid;
      const run = await call(url, key, "POST", `/api/v1/symphony/playbooks/${uuid}/run`, { event: {} });
      check(run.status === 202, JSON.stringify(run.body));
      const v2 = { ...v1, nodes: { 0: trigger, 1: post("Notify", `${sink.url}/v2`, 150) } };
      const v3 = { ...v1, nodes: { 0: trigger, 1: post("Notify", `${sink.url}/v3`, 150, "2"), 2: post("Archive", `${sink.url}/archive`, 300) } };
      for (const next of [v2, v3]) await call(url, key, "PUT", `/api/v1/symphony/playbooks/${uuid}`, { playbook: next });

      await logIn(page, url, key);
      await page.goto(`${url}/ui/playbooks/${uuid}/versions`);
      const list = page.getByRole("table").first();
      await list.getByRole("row", { name: /v3 \(current\)/ }).waitFor();
      await page.getByLabel("Compare", { exact: true }).selectOption("1");
      await page.getByLabel("with", { exact: true }).selectOption("3");
      await page.getByRole("button", { name: "Compare", exact: true }).click();
      const changes = page.getByRole("table", { name: "Changes from v1 to v3" });
      await changes.getByRole("row", { name: /\$\.nodes\["1"\]\.arguments\.url changed/ }).getByText(`"${sink.url}/v3"`).waitFor();
      await changes.getByRole("row", { name: /\$\.nodes\["2"\] added/ }).waitFor();
      await accessible(page, "two versions compared");

      // The run started on v1 shows v1's graph: no Archive block.
      await page.goto(`${url}/ui/runs/${run.body.uuid}`);
      await block(page, "Notify", 1).getByText("succeeded").waitFor();
      check((await block(page, "Archive", 2).count()) === 0, "the run's graph is v1's");
      await page.getByText("v1 ·").waitFor();

      // v1 restored into the draft, saved as v4.
      await page.goto(`${url}/ui/playbooks/${uuid}/versions`);
      await page.getByRole("button", { name: "Restore v1" }).click();
      await page.getByText("v1 restored into the draft: Save to make it v4.").waitFor();
      check((await block(page, "Archive", 2).count()) === 0, "the draft is v1");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").getByText("Saved as v4.").waitFor();
      const v4 = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}/versions/4`);
      const first = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}/versions/1`);
      check(sameJson(v4.body.playbook, first.body.playbook), `v4 is v1: ${JSON.stringify(v4.body.playbook)}`);

      // Saved meanwhile elsewhere as v5: this page's edit of v4 is not saved over it unless asked.
      await call(url, key, "PUT", `/api/v1/symphony/playbooks/${uuid}`, { playbook: v3 });
      await block(page, "Notify", 1).click();
      await page.getByRole("complementary", { name: "Block Notify" }).getByLabel("Block name").fill("Notify the team");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const refused = page.getByRole("alert");
      await refused.getByText("the playbook was saved as v5 since v4").waitFor();
      await accessible(page, "a save refused for a newer version");
      await refused.getByRole("button", { name: "Save over it" }).click();
      await page.getByRole("status").getByText("Saved as v6.").waitFor();
    } finally {
      await sink.close();
    }
  },

  async "7. a crashing installed trigger: the list says Trigger crashed, its logs filtered to critical"({ page, url, key, dataDir }) {
    check(dataDir, "RIPOSTE_DATA_DIR names the server's data directory");
    const module = await installWatchdog(dataDir);
    await until("the server to load the module", async () => {
      const modules = await call(url, key, "GET", "/api/v1/modules");
      return modules.body.items.some((m) => m.uuid === module.uuid);
    });
    const listed = (await call(url, key, "GET", "/api/v1/modules")).body.items.find((m) => m.uuid === module.uuid);
    check(listed.logo === `/api/v1/modules/${module.uuid}/logo`, `the module's logo: ${listed.logo}`);
    const logo = await fetch(`${url}${listed.logo}`, { headers: { Authorization: `Bearer ${key}` } });
    check(logo.headers.get("content-type") === "image/svg+xml" && logo.headers.get("content-security-policy").startsWith("default-src 'none'"),
      "an SVG logo is served so that nothing in it runs");
    const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", {
      playbook: { name: "Watch the queue", nodes: { 0: { name: "Watch", type: "trigger", module_uuid: module.uuid,
        trigger_uuid: module.trigger, arguments: {}, position: { x: 0, y: 0 }, outputs: { default: [] } } } },
    });
    check(created.status === 201, JSON.stringify(created.body));
    const activated = await call(url, key, "POST", `/api/v1/symphony/playbooks/${created.body.uuid}/activate`);
    check(activated.status === 200, JSON.stringify(activated.body));

    await logIn(page, url, key);
    const row = page.getByRole("row", { name: /Watch the queue/ });
    await until("the badge", async () => {
      await page.reload();
      await page.getByRole("heading", { name: "Playbooks" }).waitFor();
      return (await row.getByRole("link", { name: "Trigger crashed" }).count()) === 1;
    });
    await accessible(page, "a playbook whose trigger crashed");
    await row.getByRole("link", { name: "Trigger crashed" }).click();
    const logs = page.getByRole("table", { name: "Logs of node.0" });
    await logs.getByText("the queue is slow").waitFor();
    await page.getByLabel("Level at least").selectOption("critical");
    await logs.getByText("cannot reach the queue: connection refused").waitFor();
    const rows = await logs.getByRole("row").count();
    check(rows === 2, `one critical log under the header: ${rows - 1}`);
    check((await logs.getByText("the queue is slow").count()) === 0, "lower levels are filtered out");
    await accessible(page, "trigger logs");
    await page.getByRole("link", { name: "Workflow" }).click();
    const logoShown = block(page, "Watch", 0).locator("img.block-logo");
    await logoShown.waitFor();
    check(await logoShown.evaluate((img) => img.complete && img.naturalWidth > 0), "the block shows its module's logo");
  },

  async "8. keyboard only: the seed playbook built without a pointer is journey 1's"({ page, url, key }) {
    const sink = await startSink();
    try {
      const reader = await call(url, key, "POST", "/api/v1/api-keys", { name: "reader", permissions: ["SIC_READ_ALERTS"] });
      await page.goto(`${url}/`);
      await tabTo(page, "API key");
      await page.keyboard.type(key);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Playbooks" }).waitFor();

      await tabTo(page, "+ PLAYBOOK");
      await page.keyboard.press("Enter");
      await tabTo(page, "Trigger");
      await page.keyboard.type("Alert Created");
      await tabTo(page, /^Alert Created/);
      await page.keyboard.press("Enter");
      await block(page, "Alert Created", 0).waitFor();
      const uuid = /playbooks\/([^/]+)\//.exec(page.url())[1];

      // The trigger selected from the keyboard; its configuration made in the panel.
      await tabTo(page, "Alert Created, node.0");
      await page.keyboard.press("Enter");
      await tabTo(page, "+ Create new configuration");
      await page.keyboard.press("Enter");
      await tabTo(page, "Name");
      await page.keyboard.type("ReadAlertContent");
      await tabTo(page, "api_key");
      await page.keyboard.type(reader.body.key);
      await tabTo(page, "base_url");
      await page.keyboard.type(url);
      await page.keyboard.press("Enter");
      await until("the configuration to be chosen", async () =>
        (await page.getByLabel("Module configuration").locator("option:checked").textContent()) === "ReadAlertContent");
      await tabTo(page, "Copy {{ node.0['alert_uuid'] }}");
      await page.keyboard.press("Enter");

      // Get Alert inserted after the selected trigger, linked to it.
      await tabTo(page, "Search blocks");
      await page.keyboard.type("Get Alert");
      await tabTo(page, /^Get Alert/);
      await page.keyboard.press("Enter");
      await block(page, "Get Alert", 1).waitFor();
      await tabTo(page, "Module configuration");
      await page.keyboard.press("ArrowDown");
      await tabTo(page, "uuid");
      await page.keyboard.press("Control+V");

      // Request URL after Get Alert, its form typed.
      await tabTo(page, "Search blocks");
      await page.keyboard.press("Control+A");
      await page.keyboard.type("Request URL");
      await tabTo(page, /^Request URL/);
      await page.keyboard.press("Enter");
      await block(page, "Request URL", 2).waitFor();
      for (const [field, text] of [["url", sink.url], ["method", "post"], ["json", SEED_JSON],
        ["headers", '{"Authorization": "Bearer YOUR_EXTERNAL_PRODUCT_API_KEY_NOT_THE_SEKOIAIO_ONE"}']]) {
        await tabTo(page, field);
        await page.keyboard.type(text);
      }
      await page.getByRole("region", { name: "Issues" }).getByRole("heading", { name: "No issue" }).waitFor();
      await page.keyboard.press("Control+S");
      await page.getByRole("status").getByText("Saved as v2.").waitFor();
      await tabTo(page, "Off");
      await page.keyboard.press("Space");
      await page.getByRole("switch", { name: "On" }).waitFor();

      const stored = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`);
      check(stored.body.active, "turned on");
      check(sameJson(await seedShape(stored.body.playbook), await seedShape(await seedExample(sink.url))),
        `the playbook is the seed's: ${JSON.stringify(stored.body.playbook.nodes)}`);
      const configurations = (await call(url, key, "GET", "/api/v1/symphony/module-configurations")).body.items;
      const named = (id) => configurations.find((c) => c.uuid === stored.body.playbook.nodes[id].module_configuration_uuid)?.name;
      check(named("0") === "ReadAlertContent" && named("1") === "ReadAlertContent", "both Sekoia.io blocks use the configuration");
    } finally {
      await sink.close();
    }
  },

  async "9. configurations and keys: a secret is never shown again nor sent back, a revoked key logs out"({ browser, page, url, key }) {
    const secret = "s3cret-tenant-key-0042";
    const sent = [];
    page.on("request", (request) => sent.push(`${request.method()} ${request.url()} ${request.postData() ?? ""}`));
    page.on("dialog", (dialog) => dialog.accept());
    await logIn(page, url, key);

    await page.getByRole("link", { name: "Module configurations" }).click();
    await page.getByRole("button", { name: "+ Configuration" }).click();
    const form = page.getByRole("form", { name: "New configuration" });
    await form.getByLabel("Module").selectOption({ label: "Sekoia.io" });
    await form.getByLabel("Name", { exact: true }).fill("Tenant");
    await form.getByLabel("api_key", { exact: true }).fill(secret);
    await form.getByLabel("base_url", { exact: true }).fill("https://api.example.test");
    await accessible(page, "a new configuration");
    await form.getByRole("button", { name: "Save" }).click();
    const row = page.getByRole("row", { name: /Tenant/ });
    await row.getByText("api_key").waitFor();
    check(!(await page.content()).includes(secret), "the secret is not on the page once saved");

    await row.getByRole("button", { name: "Edit Tenant" }).click();
    const edit = page.getByRole("form", { name: "Edit Tenant" });
    check((await edit.getByLabel("api_key", { exact: true }).inputValue()) === "", "the secret field starts empty");
    check((await edit.getByLabel("base_url", { exact: true }).inputValue()) === "https://api.example.test", "other fields are shown");
    check(!(await page.content()).includes(secret), "editing does not show the secret");
    await edit.getByLabel("Name", { exact: true }).fill("Tenant EU");
    await accessible(page, "a configuration being changed");
    await edit.getByRole("button", { name: "Save" }).click();
    await page.getByRole("row", { name: /Tenant EU/ }).waitFor();
    const puts = sent.filter((r) => r.startsWith("PUT "));
    check(puts.length === 1 && !puts[0].includes("api_key"), `the change leaves the secret out: ${puts}`);
    check(sent.filter((r) => r.includes(secret)).length === 1, "the secret was sent once, when it was typed");
    const stored = await call(url, key, "GET", "/api/v1/symphony/module-configurations");
    const tenant = stored.body.items.find((c) => c.name === "Tenant EU");
    check(JSON.stringify(tenant.secrets) === '["api_key"]' && !JSON.stringify(stored.body).includes(secret), JSON.stringify(tenant));

    // A key made here, shown once; revoked here, its session ends at its next request.
    await page.getByRole("link", { name: "API keys" }).click();
    const made = page.getByRole("form", { name: "New API key" });
    await made.getByLabel("Name", { exact: true }).fill("analyst");
    await made.getByLabel("SYMPHONY").check();
    await made.getByRole("button", { name: "Create the key" }).click();
    const shown = page.getByRole("status").locator("code");
    const analystKey = await shown.textContent();
    check(analystKey.length > 20, "the key is shown once");
    await accessible(page, "API keys with a key just made");
    await page.getByRole("button", { name: "Done" }).click();
    check(!(await page.content()).includes(analystKey), "the key is not shown again");

    const other = await browser.newContext({ bypassCSP: true });
    try {
      const analyst = await other.newPage();
      await logIn(analyst, url, analystKey);
      await page.getByRole("button", { name: "Revoke analyst" }).click();
      await page.getByRole("row", { name: /analyst/ }).waitFor({ state: "detached" });
      await analyst.getByRole("link", { name: "Module configurations" }).click();
      await analyst.getByLabel("API key").waitFor();
    } finally {
      await other.close();
    }
  },

  async "10. scale: a 200-block playbook opens, one of its blocks is edited and saved"({ page, url, key }) {
    const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", { playbook: chain("Two hundred blocks", 200) });
    check(created.status === 201, JSON.stringify(created.body));
    await logIn(page, url, key);
    await page.goto(`${url}/ui/playbooks/${created.body.uuid}/workflow`);
    await page.getByRole("region", { name: "Issues" }).getByRole("heading", { name: "No issue" }).waitFor();
    const find = page.getByRole("search", { name: "Find a block" });
    await find.getByRole("searchbox").fill("node.150");
    await find.getByRole("button", { name: "Find" }).click();
    const panel = page.getByRole("complementary", { name: "Block Step 150" });
    await panel.getByLabel("url", { exact: true }).fill("http://127.0.0.1:9/edited");
    await accessible(page, "a 200-block playbook");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Saved as v2.").waitFor();
    const stored = await call(url, key, "GET", `/api/v1/symphony/playbooks/${created.body.uuid}`);
    check(stored.body.playbook.nodes["150"].arguments.url === "http://127.0.0.1:9/edited", "the edit was saved");
    check(Object.keys(stored.body.playbook.nodes).length === 200, "every block is kept");
    check(Object.values(stored.body.playbook.nodes).every((n) => typeof n.position?.x === "number"), "laid out when opened");
  },

  async "operators: a condition with two cases and else, a foreach with a block in its body, a store, built in the editor"({ page, url, key }) {
    await logIn(page, url, key);
    await page.getByRole("button", { name: "+ PLAYBOOK" }).click();
    await page.getByLabel("Create a playbook from scratch").check();
    await page.getByLabel("Name", { exact: true }).fill("Triage and collect");
    await page.getByRole("list", { name: "Triggers" }).getByRole("button", { name: /^Manual Trigger/ }).click();
    const trigger = block(page, "Manual Trigger", 0);
    await trigger.waitFor();
    const uuid = /playbooks\/([^/]+)\//.exec(page.url())[1];
    const library = page.getByRole("complementary", { name: "Block library" });
    // From the keyboard: the block found in the library follows the selected one.
    const insert = async (name, section) => {
      await page.getByLabel("Search blocks").fill(name);
      await library.getByRole("region", { name: section }).getByRole("button", { name: new RegExp(`^${name}`) }).press("Enter");
    };
    const panelOf = (name) => page.getByRole("complementary", { name: `Block ${name}` });
    const rename = async (from, to) => {
      await panelOf(from).getByLabel("Block name").fill(to);
      return panelOf(to);
    };

    // The list comes from a first block.
    await trigger.click();
    await insert("Request URL", "HTTP");
    await block(page, "Request URL", 1).waitFor();
    let panel = await rename("Request URL", "Fetch items");
    await panel.getByLabel("url", { exact: true }).fill("http://127.0.0.1:9/items");
    await panel.getByLabel("method", { exact: true }).fill("get");

    // A condition after it: two cases, named as their branches, put in order.
    await insert("Condition", "Operators");
    await block(page, "Condition", 2).waitFor();
    panel = await rename("Condition", "Triage");
    const caseOf = (n) => panel.getByRole("group", { name: `Case ${n}`, exact: true });
    const fillCase = async (n, name, comparison, right) => {
      await caseOf(n).getByLabel("Case name", { exact: true }).fill(name);
      await caseOf(n).getByLabel("left", { exact: true }).fill("{{ node.1.severity }}");
      await caseOf(n).getByLabel("comparison", { exact: true }).selectOption(comparison);
      await caseOf(n).getByLabel("right", { exact: true }).fill(right);
    };
    await fillCase(1, "medium", ">=", "{{ 40 }}");
    await panel.getByRole("button", { name: "Add a case" }).click();
    await caseOf(2).getByLabel("Case name", { exact: true }).fill("medium");
    await caseOf(2).getByText("Another case is named medium.").waitFor();
    await fillCase(2, "high", ">=", "{{ 70 }}");
    await caseOf(2).getByRole("button", { name: "Move case 2 up" }).press("Enter");
    await until("the case moved up", async () => (await caseOf(1).getByLabel("Case name", { exact: true }).inputValue()) === "high");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
    check(focused === "Move case 1 down", `the moved case keeps the focus: ${focused}`);
    await panel.getByRole("button", { name: "Add a case" }).click();
    await caseOf(3).getByRole("button", { name: "Remove case 3" }).click();
    await caseOf(3).waitFor({ state: "detached" });
    await accessible(page, "a condition's cases");

    // A foreach on the first case: over the first block's items, a block in its body.
    await insert("Foreach", "Operators");
    await block(page, "Foreach", 3).waitFor();
    panel = await rename("Foreach", "Each item");
    await panel.getByLabel("items", { exact: true }).fill("{{ node.1.items }}");
    await insert("Request URL", "HTTP");
    await block(page, "Request URL", 4).waitFor();
    panel = await rename("Request URL", "Post item");
    await panel.getByLabel("url", { exact: true }).fill("http://127.0.0.1:9/item");
    await panel.getByLabel("method", { exact: true }).fill("post");
    await panel.getByLabel("json", { exact: true }).fill('{"item": "{{ node.3.default.value }}"}');
    await block(page, "Each item", 3).click();
    panel = panelOf("Each item");
    await panel.getByText("Inside the loop: Post item (node.4).").waitFor();
    check((await panel.getByRole("list", { name: "First blocks of the loop body" }).textContent()).includes("Post item (node.4)"),
      "the body starts with the block inserted after the foreach");
    await accessible(page, "a foreach");

    // A store dragged under the foreach, linked from its default branch and the other case by
    // pointer, from else in the panel.
    await dragBlock(page, "Store", block(page, "Each item", 3));
    const store = block(page, "Store", 5);
    await store.waitFor();
    await link(page, "Each item (node.3)", "Store (node.5)");
    await link(page, "Triage (node.2), medium", "Store (node.5)");
    await block(page, "Triage", 2).click();
    const linking = panelOf("Triage").getByRole("form", { name: "Link to a block" });
    await linking.getByLabel("Branch").selectOption("else");
    await linking.getByLabel("Link to").selectOption({ label: "Store (node.5)" });
    await linking.getByRole("button", { name: "Link", exact: true }).press("Enter");
    await store.click();
    panel = panelOf("Store");
    const keyOf = (n) => panel.getByRole("group", { name: `Key ${n}`, exact: true });
    await panel.getByRole("button", { name: "Add a key" }).click();
    await keyOf(1).getByLabel("Key", { exact: true }).fill("triaged");
    await keyOf(1).getByLabel("value", { exact: true }).fill("{{ node.1.severity }}");
    await panel.getByRole("button", { name: "Add a key" }).click();
    await keyOf(2).getByLabel("Key", { exact: true }).fill("seen");
    await keyOf(2).getByLabel("Change", { exact: true }).selectOption("append");
    await keyOf(2).getByLabel("value", { exact: true }).fill("{{ node.1.id }}");
    await accessible(page, "a store");

    // The graph names each branch on its link.
    await page.getByRole("button", { name: "Auto-layout" }).click();
    await page.getByRole("button", { name: "Fit View" }).click();
    for (const edge of ["From node.2 to node.3 (high)", "From node.2 to node.5 (medium)", "From node.2 to node.5 (else)",
      "From node.3 to node.4 (loop)", "From node.3 to node.5"]) {
      await page.getByLabel(edge, { exact: true }).waitFor();
    }
    await page.getByRole("region", { name: "Issues" }).getByRole("heading", { name: "No issue" }).waitFor();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Saved as v2.").waitFor();

    const stored = (await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`)).body;
    check(stored.problems.length === 0, JSON.stringify(stored.problems));
    const nodes = Object.fromEntries(Object.entries(stored.playbook.nodes).map(([id, { position, ...node }]) => [id, node]));
    const severity = "{{ node.1.severity }}";
    const expected = {
      2: { name: "Triage", type: "operator", subtype: "condition",
           cases: [{ name: "high", left: severity, comparison: ">=", right: "{{ 70 }}" },
                   { name: "medium", left: severity, comparison: ">=", right: "{{ 40 }}" }],
           outputs: { high: ["3"], medium: ["5"], else: ["5"] } },
      3: { name: "Each item", type: "operator", subtype: "foreach", items: "{{ node.1.items }}", loop: ["4"], outputs: { default: ["5"] } },
      5: { name: "Store", type: "operator", subtype: "store",
           modifications: [{ key: "triaged", type: "set", value: severity }, { key: "seen", type: "append", value: "{{ node.1.id }}" }],
           outputs: { default: [] } },
    };
    for (const [id, node] of Object.entries(expected)) {
      check(sameJson(nodes[id], node), `node ${id}: ${JSON.stringify(nodes[id])}`);
    }
    check(JSON.stringify(nodes["1"].outputs) === '{"default":["2"]}' && JSON.stringify(nodes["4"].outputs) === '{"default":[]}',
      `the actions' links: ${JSON.stringify(nodes)}`);

    // The playbook runs as built: mocked, the first block's list goes through the loop, then the store.
    for (const [name, id, results] of [["Fetch items", 1, { severity: 80, id: "a-1", items: ["x", "y"] }], ["Post item", 4, { ok: true }]]) {
      await block(page, name, id).click();
      await panelOf(name).getByLabel("Mock this action").check();
      await panelOf(name).getByLabel("Mocked results (JSON)").fill(JSON.stringify(results));
    }
    const testBar = page.getByRole("region", { name: "Test" });
    await testBar.getByRole("button", { name: "Test", exact: true }).click();
    await testBar.getByRole("status").getByText("Succeeded").waitFor();
    await block(page, "Store", 5).click();
    const kept = JSON.parse(await panelOf("Store").getByLabel("Results", { exact: true }).textContent());
    check(sameJson(kept, { triaged: 80, seen: ["a-1"] }), `the store holds ${JSON.stringify(kept)}`);
  },

  async "on the graph: copy and paste blocks as Sekoia JSON, undo, redo, auto-layout"({ page, url, key }) {
    const uuid = await seedPlaybook(url, key, "Copied blocks", "http://127.0.0.1:9/sink");
    await logIn(page, url, key);
    await page.goto(`${url}/ui/playbooks/${uuid}/workflow`);
    await block(page, "Get Alert", 1).click();
    await block(page, "Request URL", 2).click({ modifiers: ["Shift"] });
    await page.keyboard.press("Control+C");
    await page.getByRole("status").getByText("2 blocks copied as Sekoia JSON.").waitFor();
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    check(Object.keys(copied.nodes).join() === "1,2", `the clipboard holds the two blocks: ${Object.keys(copied.nodes)}`);
    await page.keyboard.press("Control+V");
    await page.getByRole("status").getByText("2 blocks pasted.").waitFor();
    await block(page, "Request URL", 4).waitFor();
    await page.getByRole("link", { name: "Code" }).click();
    const pasted = JSON.parse(await page.getByLabel("Playbook JSON").inputValue());
    check(JSON.stringify(pasted.nodes["3"].outputs) === '{"default":["4"]}', "the link between the copies follows them");
    check(pasted.nodes["4"].arguments.json.includes("node.3['rule']") && pasted.nodes["4"].arguments.json.includes("node.0['alert_uuid']"),
      `references to a copied block follow it, others stay: ${pasted.nodes["4"].arguments.json}`);
    await accessible(page, "the Code tab");
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByLabel("Name", { exact: true }).waitFor();
    await accessible(page, "the Overview tab");
    await page.getByRole("link", { name: "Workflow" }).click();

    await page.getByRole("button", { name: "Undo" }).click();
    check((await block(page, "Request URL", 4).count()) === 0, "undo removes the pasted blocks");
    await page.getByRole("button", { name: "Redo" }).click();
    await block(page, "Request URL", 4).waitFor();
    await page.getByRole("button", { name: "Auto-layout" }).click();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Saved as v2.").waitFor();
    const stored = (await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`)).body.playbook.nodes;
    const at = (id) => `${stored[id].position.x},${stored[id].position.y}`;
    check(new Set(["0", "1", "2", "3", "4"].map(at)).size === 5, `laid out, no two blocks in one place: ${["0", "1", "2", "3", "4"].map(at)}`);
    check(stored["0"].position.y < stored["1"].position.y && stored["1"].position.y < stored["2"].position.y, "top to bottom");
  },

  async "alerts, runs, modules and intakes: a test alert starts its runs, which are run again in bulk"({ page, url, key }) {
    const sink = await startSink();
    try {
      const uuid = await seedPlaybook(url, key, "Sync alerts, in bulk", sink.url);
      await call(url, key, "POST", `/api/v1/symphony/playbooks/${uuid}/activate`);
      await logIn(page, url, key);

      // A test alert made in the console starts the playbook; its page lists that run.
      await page.getByRole("link", { name: "Alerts" }).click();
      await page.getByText("Create a test alert").click();
      const form = page.getByRole("form", { name: "Test alert" });
      await form.getByLabel("Title").fill("Beaconing from host-9");
      await form.getByLabel("Rule name").fill("C2 beacon");
      await form.getByLabel("Severity (0 to 100)").fill("85");
      await accessible(page, "the alerts page");
      await form.getByRole("button", { name: "Create the alert" }).click();
      await page.getByRole("heading", { name: "Beaconing from host-9" }).waitFor();
      const started = page.getByRole("table", { name: "Runs it started" });
      await started.getByRole("row", { name: /Sync alerts, in bulk/ }).getByText("Succeeded").waitFor();
      const pushed = await until("the tool to receive the alert", () => sink.received[0]);
      check(JSON.parse(pushed.body).rule_name === "C2 beacon", pushed.body);
      await page.getByLabel("Comment", { exact: true }).fill("Host isolated by the on-call analyst");
      await page.getByRole("button", { name: "Add the comment" }).click();
      await page.getByText("Host isolated by the on-call analyst").waitFor();
      await accessible(page, "an alert");
      await screenshot(page, "alert");

      // All runs of the playbook, run again in bulk.
      await page.getByRole("link", { name: "Runs", exact: true }).click();
      await page.getByLabel("Playbook").selectOption({ label: "Sync alerts, in bulk" });
      const boxes = page.getByRole("checkbox", { name: /^Select Run/ });
      await until("the run listed", async () => (await boxes.count()) === 1);
      await boxes.first().check();
      await accessible(page, "all runs");
      await page.getByRole("button", { name: "Run the selected again (current versions)" }).click();
      await page.getByRole("status").getByText("1 run again.").waitFor();
      await until("the second run", async () => (await boxes.count()) === 2);
      await until("the tool to receive it twice", () => sink.received.length === 2);

      await page.getByRole("link", { name: "Modules" }).click();
      await page.getByRole("table", { name: "Blocks of HTTP" }).getByText("Request URL").waitFor();
      await accessible(page, "modules");
      await page.getByRole("link", { name: "Intakes" }).click();
      await page.getByLabel("Name").fill("Firewall logs");
      await page.getByRole("button", { name: "Create the intake" }).click();
      await page.getByRole("row", { name: /Firewall logs/ }).waitFor();
      await accessible(page, "intakes");
    } finally {
      await sink.close();
    }
  },

  async "log in with a key, turn a playbook on, log out"({ page, context, url, key }) {
    const uuid = await seedPlaybook(url, key, "Push alerts to the ticketing tool");
    await page.goto(`${url}/`);
    await page.getByLabel("API key").waitFor();
    await accessible(page, "the login page");
    await logIn(page, url, key);
    const row = page.getByRole("row", { name: /Push alerts to the ticketing tool/ });
    await row.getByText("No issue").waitFor();
    const toggle = row.getByRole("switch");
    check((await toggle.getAttribute("aria-checked")) === "false", "the new playbook starts Off");
    await accessible(page, "the playbooks page");
    await page.getByLabel("Theme").selectOption("dark");
    check((await page.evaluate(() => document.documentElement.dataset.theme)) === "dark", "the dark theme is applied");
    await accessible(page, "the playbooks page, dark");
    await page.reload();
    await page.getByRole("heading", { name: "Playbooks" }).waitFor();
    check((await page.getByLabel("Theme").inputValue()) === "dark", "the theme is remembered");
    await page.getByLabel("Theme").selectOption("light");
    await toggle.click();
    await row.getByRole("switch", { checked: true }).waitFor();
    const stored = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`);
    check(stored.body.active === true, "the switch turned the playbook on in the server");

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "riposte_session");
    check(session?.httpOnly && session.sameSite === "Strict", `the session cookie: ${JSON.stringify(session)}`);
    const stored_in_page = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    check(!stored_in_page.includes(key), "the key is not kept in the browser");

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API key").waitFor();
    await page.reload();
    await page.getByLabel("API key").waitFor();
  },

  async "a playbook that cannot run says why, and its switch says it was refused"({ page, url, key }) {
    const playbook = {
      name: "Broken Request URL",
      nodes: {
        0: { name: "Manual Trigger", type: "trigger", module_uuid: "92d8bb47-7c51-445d-81de-ae04edbb6f0a",
             trigger_uuid: "fc26eb9f-b272-4c15-b3bf-ace397c0dc57", outputs: { default: ["1"] } },
        1: { name: "Request URL", type: "action", module_uuid: "5894985f-91eb-46db-9306-cc5ac6463d3d",
             action_uuid: "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5", arguments: { url: "http://127.0.0.1:9/", method: "fetch" },
             outputs: { default: [] } },
      },
    };
    const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", { playbook });
    check(created.status === 201, JSON.stringify(created.body));
    await logIn(page, url, key);
    const row = page.getByRole("row", { name: /Broken Request URL/ });
    await row.getByText("1 issue").waitFor();
    await row.getByRole("switch").click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    check((await alert.textContent()).includes("Broken Request URL: $.playbook.nodes[\"1\"].arguments.method"), await alert.textContent());
    check((await row.getByRole("switch").getAttribute("aria-checked")) === "false", "it stays Off");
  },

  async "a revoked key ends its session"({ page, url, key }) {
    const made = await call(url, key, "POST", "/api/v1/api-keys", { name: "analyst", permissions: ["SYMPHONY"] });
    check(made.status === 201, JSON.stringify(made.body));
    await logIn(page, url, made.body.key);
    const revoked = await call(url, key, "DELETE", `/api/v1/api-keys/${made.body.uuid}`);
    check(revoked.status === 204, `revoking: ${revoked.status}`);
    await page.reload();
    await page.getByLabel("API key").waitFor();
  },

  async "the playbook list: 60 playbooks searched, filtered, sorted and paged by the server as summaries"({ page, url, key }) {
    for (let n = 0; n < 60; n += 1) {
      const nodes = { 0: { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA, trigger_uuid: MANUAL_TRIGGER, outputs: { default: [] } } };
      const made = await call(url, key, "POST", "/api/v1/symphony/playbooks", { playbook: { name: `Listed ${String(n).padStart(2, "0")}`, nodes } });
      check(made.status === 201, JSON.stringify(made.body));
      if (n === 7) check((await call(url, key, "POST", `/api/v1/symphony/playbooks/${made.body.uuid}/activate`)).status === 200, "turned on");
    }
    const asked = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/v1/symphony/playbooks") asked.push(new URL(request.url()).searchParams);
    });
    await logIn(page, url, key);
    const rows = page.getByRole("row", { name: /Listed/ });
    await page.getByLabel("Search playbooks").fill("listed 1");
    await until("ten playbooks match", async () => (await rows.count()) === 10);
    const search = asked.at(-1);
    check(search.get("summary") === "true" && search.get("search") === "listed 1", `the server searches: ${search}`);
    await page.getByLabel("Search playbooks").fill("Listed");
    await page.getByLabel("State").selectOption("on");
    await until("the one that is on", async () => (await rows.count()) === 1);
    await page.getByRole("row", { name: /Listed 07/ }).waitFor();
    await page.getByLabel("State").selectOption("all");
    await page.getByLabel("Sort by").selectOption("name");
    const pages = page.getByRole("navigation", { name: "Pages of playbooks" });
    await pages.getByText("1–50 of 60").waitFor();
    await until("sorted by name", async () => (await rows.first().textContent()).includes("Listed 00"));
    await pages.getByRole("button", { name: "Next" }).click();
    await pages.getByText("51–60 of 60").waitFor();
    await until("the next page, by name", async () => (await rows.first().textContent()).includes("Listed 50"));
    check(asked.every((query) => query.get("limit") === "50" && query.get("summary") === "true"), "a page of summaries each time");
    await accessible(page, "the playbooks page, searched and paged");
  },

  async "over the wire: the console's files and the API's answers arrive compressed"({ browser, url, key }) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const page = await context.newPage();
      const files = [];
      page.on("response", (response) => {
        if (/\/ui\/assets\/.+\.(js|css)$/.test(new URL(response.url()).pathname)) files.push(response);
      });
      await logIn(page, url, key);
      check(files.length > 0, "the page loaded its files");
      for (const response of files) {
        const [sizes, body] = [await response.request().sizes(), await response.body()];
        if (body.length < 1024) continue;
        check(response.headers()["content-encoding"] === "br", `${response.url()}: ${response.headers()["content-encoding"]}`);
        check(sizes.responseBodySize * 2 < body.length, `${response.url()}: ${sizes.responseBodySize} bytes on the wire for ${body.length}`);
      }
      const listed = await page.evaluate(async () => {
        const response = await fetch("/api/openapi.json");
        return { encoding: response.headers.get("content-encoding"), length: (await response.text()).length };
      });
      check(listed.encoding === "br" && listed.length > 10000, `the API's description: ${JSON.stringify(listed)}`);
    } finally {
      await context.close();
    }
  },

  async "a run in progress: the blocks it has not reached are pending, not skipped"({ page, url, key }) {
    const sink = await startSink();
    let release;
    sink.hold = new Promise((resolve) => (release = resolve));
    try {
      const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", {
        playbook: {
          name: "Two calls in a row",
          nodes: {
            0: { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA, trigger_uuid: MANUAL_TRIGGER,
                 position: { x: 0, y: 0 }, outputs: { default: ["1"] } },
            1: { name: "First call", type: "action", module_uuid: HTTP, action_uuid: REQUEST_URL,
                 arguments: { url: sink.url, method: "post", json: { n: 1 } }, position: { x: 0, y: 150 }, outputs: { default: ["2"] } },
            2: { name: "Second call", type: "action", module_uuid: HTTP, action_uuid: REQUEST_URL,
                 arguments: { url: sink.url, method: "post", json: { n: 2 } }, position: { x: 0, y: 300 }, outputs: { default: [] } },
          },
        },
      });
      check(created.status === 201, JSON.stringify(created.body));
      await logIn(page, url, key);
      await page.getByRole("link", { name: "Two calls in a row" }).click();
      await page.getByRole("button", { name: "Run now" }).click();
      await block(page, "First call", 1).getByText("running").waitFor();
      await block(page, "Second call", 2).getByText("pending").waitFor();
      await page.getByLabel("From node.1 to node.2: not reached yet", { exact: true }).waitFor({ state: "attached" });
      await page.getByLabel("From node.0 to node.1: taken", { exact: true }).waitFor({ state: "attached" });
      await accessible(page, "a run in progress");
      sink.hold = null;
      release();
      await block(page, "Second call", 2).getByText("succeeded").waitFor();
      await page.getByLabel("From node.1 to node.2: taken", { exact: true }).waitFor({ state: "attached" });
    } finally {
      sink.hold = null;
      release();
      await sink.close();
    }
  },

  async "the issues panel: a dropped block that nothing links to is a warning that leads to it"({ page, url, key }) {
    const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", {
      playbook: { name: "Half built", nodes: { 0: { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA,
        trigger_uuid: MANUAL_TRIGGER, position: { x: 0, y: 0 }, outputs: { default: [] } } } },
    });
    check(created.status === 201, JSON.stringify(created.body));
    await logIn(page, url, key);
    await page.getByRole("link", { name: "Half built" }).click();
    const issues = page.getByRole("region", { name: "Issues" });
    await issues.getByRole("heading", { name: "No issue" }).waitFor();
    await dragBlock(page, "Request URL", block(page, "Manual Trigger", 0));
    await issues.getByRole("heading", { name: /1 warning$/ }).waitFor({ timeout: 10000 }).catch(async () => {
      throw new Error(`the issues panel says: ${await issues.textContent()}`);
    });
    const warning = issues.getByRole("listitem").filter({ hasText: "it never runs" });
    await warning.getByRole("button", { name: /Request URL \(node\.1\)/ }).click();
    await page.getByRole("complementary", { name: "Block Request URL" }).waitFor();
    await accessible(page, "the issues panel with a warning");
  },

  async "keyboard: skip links reach the graph in three keys, a focused block shows it, Delete then one Ctrl+Z brings a block back with its links"({ page, url, key }) {
    const uuid = await seedPlaybook(url, key, "Keyboard reach", "http://127.0.0.1:9/sink");
    await logIn(page, url, key);
    const focused = () => page.evaluate(() => {
      const e = document.activeElement;
      return { label: (e?.getAttribute("aria-label") ?? e?.textContent ?? "").trim(), id: e?.id ?? "", inGraph: !!e?.closest(".react-flow") };
    });

    // On any page, the first Tab shows "Skip to main content", which gives the main content the focus.
    await page.keyboard.press("Tab");
    check((await focused()).label === "Skip to main content", `the first Tab reaches ${(await focused()).label}`);
    check(await page.getByRole("link", { name: "Skip to main content" }).isVisible(), "the focused skip link shows");
    await accessible(page, "the playbook list, its skip link focused");
    await page.keyboard.press("Enter");
    check((await focused()).id === "main", `Skip to main content focuses ${JSON.stringify(await focused())}`);
    await page.keyboard.press("Tab");
    check((await focused()).label === "+ PLAYBOOK", `after the main content comes ${(await focused()).label}`);

    // The editor: from the page's top, Tab, Tab, Enter land on the trigger; its focus shows, in both themes.
    await page.goto(`${url}/ui/playbooks/${uuid}/workflow`);
    const trigger = block(page, "Alert Created", 0);
    await trigger.waitFor();
    await page.getByRole("region", { name: "Issues" }).getByRole("heading").waitFor();
    const around = async (locator) => {
      const box = await locator.boundingBox();
      return page.screenshot({ clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24 } });
    };
    const unfocused = await around(trigger);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    check((await focused()).label === "Skip to the graph", `the second Tab reaches ${(await focused()).label}`);
    await page.keyboard.press("Enter");
    let here = await focused();
    check(here.inGraph && here.label === "Alert Created, node.0", `Skip to the graph focuses ${JSON.stringify(here)}`);
    const ringed = await around(trigger);
    check(!ringed.equals(unfocused), "a focused block looks the same as when it is not focused");
    await accessible(page, "the editor, a block focused");
    await page.getByLabel("Theme").selectOption("dark");
    await page.locator(":root[data-theme='dark']").waitFor();
    await page.evaluate(() => document.getElementById("graph").focus());
    const darkUnfocused = await around(trigger);
    await page.getByRole("link", { name: "Skip to the graph" }).focus();
    await page.keyboard.press("Enter");
    const darkRinged = await around(trigger);
    check(!darkRinged.equals(darkUnfocused), "on the dark theme, a focused block looks the same as when it is not focused");
    await page.getByLabel("Theme").selectOption("light");

    // A link focused shows too.
    const link01 = page.getByRole("group", { name: "From node.0 to node.1", exact: true });
    const unfocusedLink = await around(link01);
    await link01.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    check((await focused()).label === "From node.0 to node.1", `the link is not focused: ${JSON.stringify(await focused())}`);
    check(!(await around(link01)).equals(unfocusedLink), "a focused link looks the same as when it is not focused");

    // Get Alert, chosen with Enter, then deleted with Delete: gone with both its links.
    await block(page, "Get Alert", 1).focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("complementary", { name: "Block Get Alert" });
    await panel.waitFor();
    await page.getByRole("link", { name: "Skip to the block panel" }).focus();
    await page.keyboard.press("Enter");
    check((await focused()).id === "block-panel", `Skip to the block panel focuses ${JSON.stringify(await focused())}`);
    await accessible(page, "the editor, the block panel focused");
    await block(page, "Get Alert", 1).focus();
    await page.keyboard.press("Delete");
    await block(page, "Get Alert", 1).waitFor({ state: "detached" });
    const links = () => page.locator(".react-flow__edge").evaluateAll((edges) => edges.map((e) => e.getAttribute("aria-label")).sort());
    check((await links()).length === 0, `the block's links are gone with it: ${await links()}`);

    // One Ctrl+Z: the block and both its links are back, and there is nothing more to undo.
    await page.keyboard.press("Control+z");
    await block(page, "Get Alert", 1).waitFor();
    await until("both links back", async () => JSON.stringify(await links()) === JSON.stringify(["From node.0 to node.1", "From node.1 to node.2"]), 5)
      .catch(async () => {
        throw new Error(`after one undo, the links are ${JSON.stringify(await links())}`);
      });
    check(await page.getByRole("button", { name: "Undo" }).isDisabled(), "the deletion took more than one undo step");
  },

  async "a run in a list and on its page: the alert it is about, local times, its blocks on a timeline"({ page, url, key }) {
    const sink = await startSink();
    try {
      const uuid = await seedPlaybook(url, key, "Sync alerts, timed", sink.url);
      await call(url, key, "POST", `/api/v1/symphony/playbooks/${uuid}/activate`);
      const alert = await call(url, key, "POST", "/api/v1/sic/alerts", { title: "Beaconing", rule: { name: "C2 beacon" } });
      check(alert.status === 201, JSON.stringify(alert.body));
      await until("the run to end", async () => {
        const runs = await call(url, key, "GET", `/api/v1/symphony/runs?playbook_uuid=${uuid}`);
        return runs.body.items.some((run) => run.status === "succeeded");
      });
      await logIn(page, url, key);
      await page.getByRole("link", { name: "Runs", exact: true }).click();
      await page.getByRole("heading", { name: "Runs" }).waitFor();
      await page.getByLabel("Playbook", { exact: true }).selectOption({ label: "Sync alerts, timed" });
      // Other journeys' playbooks start on the same alert: this playbook's run is one row.
      const row = page.getByRole("row").filter({ hasText: alert.body.short_id }).filter({ hasText: "Sync alerts, timed" });
      await row.waitFor();
      const time = row.locator("time");
      const title = await time.getAttribute("title");
      check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(title ?? ""), `the UTC time on hover: ${title}`);
      check(!(await time.textContent()).includes("T"), `a local time, not an ISO string: ${await time.textContent()}`);
      await accessible(page, "runs with their alerts");
      await row.getByRole("link").first().click();
      const timeline = page.getByRole("table", { name: "Timeline" });
      await timeline.waitFor();
      const names = await timeline.getByRole("rowheader").allTextContents();
      check(names.length === 3 && names[0].startsWith("Alert Created") && names[1].startsWith("Get Alert") && names[2].startsWith("Request URL"),
        `the blocks in the order they ran: ${names}`);
      check((await timeline.getByRole("row").nth(1).textContent()).includes("+0 ms"), "the first block starts the timeline");
      await accessible(page, "a run's timeline");
    } finally {
      await sink.close();
    }
  },

  async "a block's test that would reach a real tool asks first; mocks and pins stay in the browser across a reload, never in the saved playbook"({ page, url, key }) {
    const sink = await startSink();
    try {
      const uuid = await seedPlaybook(url, key, "Sync alerts, asked", sink.url);
      const alert = await call(url, key, "POST", "/api/v1/sic/alerts", { title: "Exfiltration", rule: { name: "Large upload", severity: 60 } });
      check(alert.status === 201, JSON.stringify(alert.body));
      await logIn(page, url, key);
      await page.getByRole("link", { name: "Sync alerts, asked" }).click();
      await setTestEvent(page.getByRole("region", { name: "Test" }), { alert_uuid: alert.body.uuid });

      // Nothing mocks Request URL: the test names the tool and where it is, and waits.
      await block(page, "Request URL", 2).click();
      let panel = page.getByRole("complementary", { name: "Block Request URL" });
      const testIt = panel.getByRole("button", { name: "Test this block" });
      await testIt.click();
      const notice = panel.getByRole("alertdialog");
      await notice.waitFor();
      const said = await notice.textContent();
      check(said.includes(sink.url) && said.includes("Request URL") && said.includes("Get Alert"), `the notice names the tools: ${said}`);
      check(await notice.evaluate((e) => e === document.activeElement), "the notice takes the focus");
      await accessible(page, "the notice before a test reaches a real tool");
      await page.waitForTimeout(300);
      check(sink.received.length === 0, `the tool was called before the yes: ${sink.received.length}`);
      await page.keyboard.press("Escape");
      await notice.waitFor({ state: "detached" });
      check(await testIt.evaluate((e) => e === document.activeElement), "Escape gives the focus back to Test this block");
      await page.waitForTimeout(300);
      check(sink.received.length === 0, "Escape runs nothing");

      // Run it for real: the tool gets the call.
      await testIt.click();
      await notice.getByRole("button", { name: "Run it for real" }).click();
      await until("the tool to be called", async () => sink.received.length === 1);
      await block(page, "Request URL", 2).getByText("succeeded").waitFor();

      // Get Alert pinned to what it read; Request URL mocked from the notice, which now names it alone.
      await block(page, "Get Alert", 1).click();
      await page.getByRole("complementary", { name: "Block Get Alert" }).getByRole("button", { name: "Pin this output" }).click();
      await block(page, "Request URL", 2).click();
      await testIt.click();
      check(!(await notice.textContent()).includes("Get Alert"), "a pinned block is not a real call");
      await notice.getByRole("button", { name: "Mock it instead" }).click();
      const answer = panel.getByLabel("Mocked results (JSON)");
      check(await answer.evaluate((e) => e === document.activeElement), "Mock it instead leads to the mocked results");
      await answer.fill('{"status_code": 299, "text": "kept mock"}');
      await panel.getByLabel("Block name").fill("Push to the tool");

      // Reloaded: the draft is offered back, the mock and the pin are still there.
      await page.waitForTimeout(600);
      await page.reload();
      await page.getByRole("button", { name: "Restore the draft" }).click();
      await block(page, "Push to the tool", 2).click();
      panel = page.getByRole("complementary", { name: "Block Push to the tool" });
      check(await panel.getByLabel("Mock this action").isChecked(), "the mock outlived the reload");
      check((await panel.getByLabel("Mocked results (JSON)").inputValue()).includes("kept mock"), "the mocked results outlived the reload");
      await setTestEvent(page.getByRole("region", { name: "Test" }), { alert_uuid: alert.body.uuid });
      await panel.getByRole("button", { name: "Test this block" }).click();
      await page.getByRole("region", { name: "Test" }).getByRole("status").getByText("Succeeded").waitFor();
      check(await panel.getByRole("alertdialog").count() === 0, "all mocked or pinned: nothing to ask");
      check((await panel.getByLabel("Results", { exact: true }).textContent()).includes("kept mock"), "the kept mock answered");
      check(sink.received.length === 1, `mocked, the tool was not called again: ${sink.received.length}`);

      // Saved: the draft goes to the server, the mocks do not.
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText("Saved as v2.").waitFor();
      const stored = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`);
      const json = JSON.stringify(stored.body.playbook);
      check(json.includes("Push to the tool"), "the draft was saved");
      check(!json.includes("kept mock") && !json.includes("299") && !/mock/i.test(json), `no mock in the saved playbook: ${json}`);

      // Logging out forgets what this browser kept.
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByLabel("API key").waitFor();
      const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("riposte:draft:") || k.startsWith("riposte:mocks:")));
      check(kept.length === 0, `kept after logout: ${kept}`);
    } finally {
      await sink.close();
    }
  },

  async "a run's block panel: widened by its divider with the keys and the pointer, kept across a reload, its error read whole"({ page, url, key }) {
    const sink = await startSink();
    try {
      const long = `http://127.0.0.1:9/${"a-very-long-path-segment/".repeat(12)}end`;
      const created = await call(url, key, "POST", "/api/v1/symphony/playbooks", {
        playbook: {
          name: "A call that fails far away",
          nodes: {
            0: { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA, trigger_uuid: MANUAL_TRIGGER,
                 position: { x: 0, y: 0 }, outputs: { default: ["1"] } },
            1: { name: "Request URL", type: "action", module_uuid: HTTP, action_uuid: REQUEST_URL,
                 arguments: { url: long, method: "post", json: { n: 1 } }, position: { x: 0, y: 150 }, outputs: { default: [] } },
          },
        },
      });
      check(created.status === 201, JSON.stringify(created.body));
      await logIn(page, url, key);
      await page.getByRole("link", { name: "A call that fails far away" }).click();
      await page.getByRole("button", { name: "Run now" }).click();
      const failed = block(page, "Request URL", 1);
      await failed.getByText("failed").waitFor({ timeout: 60000 });
      await failed.click();
      const panel = page.getByRole("complementary", { name: "Block Request URL" });
      const error = panel.locator("pre.error");
      await error.waitFor();
      const cut = await error.evaluate((pre) => pre.scrollWidth > pre.clientWidth);
      check(!cut, "the error line wraps instead of running out of the panel");

      const before = (await panel.boundingBox()).width;
      const divider = page.getByRole("separator", { name: "Resize the block panel" });
      await divider.focus();
      for (let i = 0; i < 5; i += 1) await page.keyboard.press("ArrowLeft");
      await until("the panel wider by 80 px", async () => Math.round((await panel.boundingBox()).width - before) === 80);
      check((await divider.getAttribute("aria-valuenow")) === String(Math.round(before) + 80), await divider.getAttribute("aria-valuenow"));
      const handle = await divider.boundingBox();
      await page.mouse.move(handle.x + handle.width / 2, handle.y + 200);
      await page.mouse.down();
      await page.mouse.move(handle.x - 100, handle.y + 200, { steps: 8 });
      await page.mouse.up();
      const dragged = (await panel.boundingBox()).width;
      check(dragged > before + 150, `dragged wider: ${before} -> ${dragged}`);
      await accessible(page, "a run's block panel, widened");
      await page.reload();
      await block(page, "Request URL", 1).click();
      await until("the width kept across a reload", async () => Math.abs((await panel.boundingBox()).width - dragged) < 2);
    } finally {
      await sink.close();
    }
  },
};

/**
 * The seed's "Playbook creation" and "Playbook configuration", then Save and Off -> On: what
 * journeys 1 and 8 build. Returns the playbook's UUID.
 */
async function buildSeedPlaybook(page, url, key, sink) {
  // The Sekoia.io configuration reads this server's alerts over its API, with a key that may.
  const reader = await call(url, key, "POST", "/api/v1/api-keys", { name: "alerts reader", permissions: ["SIC_READ_ALERTS"] });
  check(reader.status === 201, JSON.stringify(reader.body));

  await logIn(page, url, key);
  await page.getByRole("button", { name: "+ PLAYBOOK" }).click();
  await page.getByLabel("Create a playbook from scratch").check();
  await accessible(page, "the new playbook dialog");
  await page.getByRole("list", { name: "Triggers" }).getByRole("button", { name: /^Alert Created/ }).click();
  const trigger = block(page, "Alert Created", 0);
  await trigger.waitFor();
  const uuid = /playbooks\/([^/]+)\//.exec(page.url())[1];

  // 1. Configure the Alert Created block: a new configuration, made in the right panel.
  await trigger.click();
  let panel = page.getByRole("complementary", { name: "Block Alert Created" });
  await panel.getByRole("button", { name: "+ Create new configuration" }).click();
  const form = panel.getByRole("form", { name: "New configuration" });
  await form.getByLabel("Name", { exact: true }).fill("ReadAlertContent");
  await form.getByLabel("api_key", { exact: true }).fill(reader.body.key);
  await form.getByLabel("base_url", { exact: true }).fill(url);
  await accessible(page, "the editor with a new configuration");
  await form.getByRole("button", { name: "Save" }).click();
  await until("the configuration to be chosen", async () =>
    (await panel.getByLabel("Module configuration").locator("option:checked").textContent()) === "ReadAlertContent");

  // 2. Get Alert: dragged under the trigger, given the configuration and the alert's uuid.
  await dragBlock(page, "Get Alert", trigger);
  const getAlert = block(page, "Get Alert", 1);
  await getAlert.waitFor();
  await getAlert.click();
  panel = page.getByRole("complementary", { name: "Block Get Alert" });
  await panel.getByLabel("Module configuration").selectOption({ label: "ReadAlertContent" });
  await trigger.click();
  await page.getByRole("complementary", { name: "Block Alert Created" })
    .getByRole("button", { name: "Copy {{ node.0['alert_uuid'] }}" }).click();
  await getAlert.click();
  await panel.getByLabel("uuid", { exact: true }).click();
  await page.keyboard.press("Control+V");
  const pasted = await panel.getByLabel("uuid", { exact: true }).inputValue();
  check(pasted === "{{ node.0['alert_uuid'] }}", `the uuid field holds ${pasted}`);
  await link(page, "Alert Created (node.0)", "Get Alert (node.1)");

  // 3. Request URL, under Get Alert, with the seed's form.
  await dragBlock(page, "Request URL", getAlert);
  const request = block(page, "Request URL", 2);
  await request.waitFor();
  await request.click();
  panel = page.getByRole("complementary", { name: "Block Request URL" });
  await panel.getByLabel("json", { exact: true }).fill(SEED_JSON);
  await panel.getByLabel("method", { exact: true }).fill("post");
  await panel.getByLabel("url", { exact: true }).fill(sink.url);
  await panel.getByLabel("headers", { exact: true }).fill('{"Authorization": "Bearer YOUR_EXTERNAL_PRODUCT_API_KEY_NOT_THE_SEKOIAIO_ONE"}');
  await link(page, "Get Alert (node.1)", "Request URL (node.2)");
  await page.getByRole("region", { name: "Issues" }).getByRole("heading", { name: "No issue" }).waitFor();
  await accessible(page, "the editor");
  await screenshot(page, "editor");

  // Save, then Off -> On.
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").getByText("Saved as v2.").waitFor();
  const toggle = page.getByRole("switch", { name: "Off" });
  await toggle.click();
  await page.getByRole("switch", { name: "On" }).waitFor();

  const stored = await call(url, key, "GET", `/api/v1/symphony/playbooks/${uuid}`);
  check(stored.body.active && stored.body.problems.length === 0, JSON.stringify(stored.body.problems));
  const nodes = stored.body.playbook.nodes;
  check(JSON.stringify(nodes["0"].outputs) === '{"default":["1"]}', `node 0 links: ${JSON.stringify(nodes["0"].outputs)}`);
  check(JSON.stringify(nodes["1"].outputs) === '{"default":["2"]}', `node 1 links: ${JSON.stringify(nodes["1"].outputs)}`);
  check(nodes["1"].arguments.uuid === "{{ node.0['alert_uuid'] }}", JSON.stringify(nodes["1"].arguments));
  check(sameJson(await seedShape(stored.body.playbook), await seedShape(await seedExample(sink.url))),
    `the playbook is the seed's: ${JSON.stringify(stored.body.playbook)}`);
  return uuid;
}

/** The README's playbook (examples/sync-alerts), which the seed describes, posting to `sinkUrl`. */
async function seedExample(sinkUrl) {
  const text = await readFile(new URL("../../examples/sync-alerts/playbook.json", import.meta.url), "utf8");
  const playbook = JSON.parse(text);
  playbook.nodes["2"].arguments.url = sinkUrl;
  return playbook;
}

/** What a playbook does, leaving out where its blocks sit and which configuration they use. */
async function seedShape(playbook) {
  return Object.fromEntries(Object.entries(playbook.nodes).map(([id, node]) => {
    const { position, module_configuration_uuid, ...rest } = node;
    return [id, { arguments: {}, ...rest }];
  }));
}

/** `+ PLAYBOOK`, import, from text (JSON or YAML); waits for the editor. */
async function importPlaybook(page, text) {
  await page.getByRole("button", { name: "+ PLAYBOOK" }).click();
  await page.getByLabel("Import a playbook (Sekoia JSON or YAML)").check();
  await page.getByLabel("Playbook (JSON or YAML)").fill(text);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await page.getByRole("complementary", { name: "Block library" }).waitFor();
}

/** What the Code tab's export downloads, parsed (or as text). */
async function exported(page, format, asText = false) {
  await page.getByRole("link", { name: "Code" }).click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: `Export ${format}` }).click(),
  ]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString();
  await page.getByRole("link", { name: "Workflow" }).click();
  return asText ? text : JSON.parse(text);
}

/** The same JSON value, whatever the order of object keys. */
function sameJson(a, b) {
  const canonical = (v) =>
    Array.isArray(v) ? v.map(canonical)
      : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
      : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * Installs into the server's data directory a module whose trigger logs, then logs `critical`:
 * a folder of Sekoia manifests and `riposte-module.json`, its program a Node script.
 */
async function installWatchdog(dataDir) {
  const module = { uuid: "5b0e4c1e-6d7a-4c55-9a53-2f3e8a1d7c90", trigger: "0d6a3f51-2b8e-4f8c-a9d4-6e1c7b2f5a38" };
  const dir = `${dataDir}/modules/watchdog`;
  await mkdir(dir, { recursive: true });
  const script = `const post = (logs) => fetch(process.env.URL_LOGS, {
  method: "POST",
  headers: { Authorization: "Bearer " + process.env.TOKEN, "Content-Type": "application/json" },
  body: JSON.stringify({ logs }),
});
const at = () => new Date().toISOString();
await post([{ date: at(), level: "info", message: "watching the queue" }, { date: at(), level: "warning", message: "the queue is slow" }]);
await post([{ date: at(), level: "critical", message: "cannot reach the queue: connection refused" }]);
setInterval(() => {}, 1000);
`;
  await writeFile(`${dir}/trigger.mjs`, script);
  await writeFile(`${dir}/manifest.json`, JSON.stringify({ uuid: module.uuid, name: "Watchdog", slug: "watchdog", version: "1.0.0",
    description: "Watches a queue", configuration: { type: "object", properties: {} } }));
  await writeFile(`${dir}/trigger_watch.json`, JSON.stringify({ uuid: module.trigger, name: "Watch", docker_parameters: "watch",
    description: "Starts a run for each message", arguments: { type: "object", properties: {} }, results: {} }));
  await writeFile(`${dir}/logo.svg`, '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4" fill="#c33"/></svg>');
  await writeFile(`${dir}/riposte-module.json`, JSON.stringify({ command: ["node", "trigger.mjs"] }));
  return module;
}

/** A Manual Trigger then `size - 1` Request URL blocks one after another, without positions. */
export function chain(name, size) {
  const nodes = { 0: { name: "Manual Trigger", type: "trigger", module_uuid: SEKOIA, trigger_uuid: MANUAL_TRIGGER,
                       outputs: { default: ["1"] } } };
  for (let i = 1; i < size; i += 1) {
    nodes[i] = { name: `Step ${i}`, type: "action", module_uuid: HTTP, action_uuid: REQUEST_URL,
                 arguments: { url: `http://127.0.0.1:9/step/${i}`, method: "post", json: { step: i, from: `{{ node.${i - 1} }}` } },
                 outputs: { default: i + 1 < size ? [String(i + 1)] : [] } };
  }
  return { name, nodes };
}

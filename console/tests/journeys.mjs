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
      await page.getByRole("link", { name: "Runs" }).click();
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
      await testBar.getByText("Test with…").click();
      await testBar.getByLabel("Test event (JSON)").fill(JSON.stringify({ alert_uuid: alert.body.uuid }));
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
      await testBar.getByLabel("Test event (JSON)").fill(JSON.stringify({ alert_uuid: "no-such-alert" }));
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
      await testBar.getByText("Test with…").click();
      await testBar.getByLabel("Test event (JSON)").fill(JSON.stringify({ alert_uuid: alert.body.uuid }));
      await testBar.getByRole("button", { name: "Test", exact: true }).click();
      await testBar.getByRole("status").getByText("Succeeded").waitFor();

      // Get Alert may read the trigger only; Request URL the trigger and Get Alert, never itself.
      await block(page, "Get Alert", 1).click();
      const offered = async (field) => {
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
  return uuid;
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
  await writeFile(`${dir}/riposte-module.json`, JSON.stringify({ command: ["node", "trigger.mjs"] }));
  return module;
}

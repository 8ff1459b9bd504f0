// Each journey: a user's path through the console, with what must hold at each step.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
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

async function seedPlaybook(url, key, name) {
  const text = await readFile(new URL("../../examples/sync-alerts/playbook.json", import.meta.url), "utf8");
  const playbook = { ...JSON.parse(text), name };
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
        const results = await panel.getByLabel("Results").textContent();
        if (id === 1) check(results.includes("Ransomware detected"), `Get Alert's results: ${results}`);
        if (id === 2) check(results.includes('"status_code": 200'), `Request URL's results: ${results}`);
      }
      await accessible(page, "a run");
      await screenshot(page, "run");
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

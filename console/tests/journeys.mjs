// Each journey: a user's path through the console, with what must hold at each step.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

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
  check(bad.length === 0, `${where}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.help}`).join("; ")}`);
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

export const journeys = {
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

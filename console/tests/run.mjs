// The console's journeys in a real browser (Debian's Chromium, driven by playwright-core)
// against a real `riposte serve`: RIPOSTE_URL and RIPOSTE_KEY (an admin key) say which, and
// RIPOSTE_DATA_DIR its data directory (where a journey installs a module).
// Prints one line per journey and the pass/fail count; exits 1 when one fails.
import { chromium } from "playwright-core";
import { journeys } from "./journeys.mjs";

const url = process.env.RIPOSTE_URL;
const key = process.env.RIPOSTE_KEY;
if (!url || !key) {
  console.error("set RIPOSTE_URL and RIPOSTE_KEY");
  process.exit(2);
}
// RIPOSTE_JOURNEYS=text runs only the journeys whose name holds it.
const only = process.env.RIPOSTE_JOURNEYS;
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
let passed = 0;
const failed = [];
for (const [name, journey] of Object.entries(journeys)) {
  if (only && !name.includes(only)) continue;
  // The console's content security policy refuses inline scripts: axe-core is injected as one.
  // The clipboard is granted as a user grants it when copying a variable.
  const context = await browser.newContext({
    bypassCSP: true,
    permissions: ["clipboard-read", "clipboard-write"],
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  try {
    await journey({ browser, page, context, url, key, dataDir: process.env.RIPOSTE_DATA_DIR });
    if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join("; ")}`);
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed.push(name);
    const shot = `${process.env.RIPOSTE_FAILURES ?? "/tmp"}/journey-${failed.length}.png`;
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    console.log(`     the page as it stood: ${shot}`);
    console.log(`FAIL ${name}: ${error instanceof Error ? error.stack : error}`);
  } finally {
    await context.close();
  }
}
await browser.close();
console.log(`${passed} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);

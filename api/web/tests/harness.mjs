// What the explorer's browser checks share: the system's Chromium (EXPLORER_CHROMIUM) on the
// explorer at EXPLORER_URL, refusing and recording every request that leaves its origin,
// recording page errors; named checks that screenshot the page when they fail; and the
// closing checks (nothing left the origin, no page error) with the "N passed, M failed" line
// the Rust side reads. The scenario (what the page should show) is EXPLORER_SCENARIO (JSON);
// screenshots go to EXPLORER_SCREENSHOTS.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** How long a page may take to show what a check waits for (ms). */
const TIMEOUT = 60_000;

/** Opens the browser on the explorer; returns the page and the checks' helpers. */
export async function openExplorer() {
  const base = process.env.EXPLORER_URL;
  const scenario = JSON.parse(process.env.EXPLORER_SCENARIO ?? "{}");
  const shots = process.env.EXPLORER_SCREENSHOTS;
  const executablePath = process.env.EXPLORER_CHROMIUM;
  if (!base || !shots || !executablePath) {
    console.error("set EXPLORER_URL, EXPLORER_SCENARIO, EXPLORER_SCREENSHOTS and EXPLORER_CHROMIUM");
    process.exit(2);
  }
  mkdirSync(shots, { recursive: true });
  const origin = new URL(base).origin;

  const browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const outside = [];
  const problems = [];
  // Every request not to the API is recorded and refused: the explorer must work offline.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith("data:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("websocket", (ws) => {
    const host = new URL(ws.url()).host;
    if (host !== new URL(base).host) outside.push(ws.url());
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });

  let passed = 0;
  let failed = 0;
  async function check(name, body) {
    try {
      await body();
      passed += 1;
      console.log(`ok: ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAILED: ${name}: ${error.message.split("\n")[0]} (at ${page.url()})`);
      await page
        .screenshot({ path: join(shots, `failed-${name.replace(/\W+/g, "-")}.png`), fullPage: true })
        .catch(() => {});
    }
  }
  function expect(condition, message) {
    if (!condition) throw new Error(message);
  }
  /** Checks that nothing left the origin and no page failed, closes the browser, exits. */
  async function finish() {
    await check("no request left the API's origin", async () => {
      expect(outside.length === 0, `requests outside ${origin}: ${outside.join(", ")}`);
    });
    await check("no page error", async () => {
      expect(problems.length === 0, problems.join("; "));
    });
    await browser.close();
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  }
  return {
    base,
    scenario,
    page,
    check,
    expect,
    finish,
    shot: (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true }),
    text: async (selector) => (await page.locator(selector).first().textContent({ timeout: TIMEOUT })) ?? "",
    waitText: (selector, wanted) => page.locator(selector, { hasText: wanted }).first().waitFor({ timeout: TIMEOUT }),
    // Polled in the page: a URL replaced with history.replaceState is not always seen by
    // waitForURL.
    waitPath: (path) =>
      page
        .waitForFunction((wanted) => location.pathname === wanted, path, { timeout: TIMEOUT })
        .catch((error) => {
          throw new Error(`never at ${path}: ${error.message.split("\n")[0]}`);
        }),
    search: async (query) => {
      await page.locator("form.search input").first().fill(query);
      await page.locator("form.search input").first().press("Enter");
    },
  };
}

// Drives the system's Chromium through the explorer served at EXPLORER_URL and checks each
// page against the scenario in EXPLORER_SCENARIO (JSON); saves a screenshot of each page in
// EXPLORER_SCREENSHOTS. Fails on any request that leaves the API's origin, any page error
// and any failed check. Run by api/tests/explorer_browser.rs.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

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
const TIMEOUT = 60_000;

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
    console.log(`FAILED: ${name}: ${error.message.split("\n")[0]}`);
    await page.screenshot({ path: join(shots, `failed-${name.replace(/\W+/g, "-")}.png`), fullPage: true }).catch(() => {});
  }
}
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const text = async (selector) => (await page.locator(selector).first().textContent({ timeout: TIMEOUT })) ?? "";
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
async function waitText(selector, wanted) {
  await page.locator(selector, { hasText: wanted }).first().waitFor({ timeout: TIMEOUT });
}
async function search(query) {
  await page.locator("form.search input").first().fill(query);
  await page.locator("form.search input").first().press("Enter");
}

await check("home shows the network summary", async () => {
  await page.goto(`${base}/`);
  await waitText("#summary .fact", "Epoch");
  const summary = await text("#summary");
  expect(summary.includes(`Epoch${scenario.currentEpoch}`), `summary lacks the epoch: ${summary}`);
  expect(summary.includes("Committee3 nodes"), `summary lacks the committee: ${summary}`);
  expect(summary.includes(`Blobs registered${scenario.blobs}`), `summary lacks the blobs: ${summary}`);
  await waitText("table", "node-8");
  await shot("home");
});

await check("the blob list pages", async () => {
  await page.locator("button", { hasText: "Next" }).first().click();
  await waitText(".pager span", "page 2");
  await page.locator("button", { hasText: "Previous" }).first().click();
  await waitText(".pager span", "page 1");
});

// The scenario's certified blob was stored for epochs 1 to 3 and the network is in epoch 5.
await check("searching a blob id lands on its certified page", async () => {
  await search(scenario.certifiedBlob);
  await page.waitForURL(`**/blobs/${scenario.certifiedBlob}`);
  await waitText("#blob-state", "EXPIRED");
  await waitText("table", "CERTIFIED");
  const certified = await text("#certified-epoch");
  expect(certified.startsWith("epoch 1"), `certification: ${certified}`);
  await waitText("table", "content-type");
  await waitText("table", "BlobCertified");
  await shot("blob");
});

await check("an expired blob offers no download", async () => {
  expect((await page.locator("a", { hasText: "Download" }).count()) === 0, "a download link");
});

await check("searching a node id lands on its page with scores and plots", async () => {
  await search(scenario.nodeB);
  await page.waitForURL(`**/nodes/${scenario.nodeB}`);
  await waitText("#node-name", "node-18");
  await waitText("figure figcaption", "Score per epoch");
  const bars = await page.locator("figure", { hasText: "Score per epoch" }).locator("rect.bar").count();
  expect(bars >= 3, `${bars} score bars`);
  const low = await page.locator("figure", { hasText: "Score per epoch" }).locator("rect.bar.warn").count();
  expect(low >= 3, `${low} low score bars`);
  const rates = await page.locator("figure", { hasText: "Exchange rate" }).locator("circle").count();
  expect(rates >= 2, `${rates} exchange rates plotted`);
  await waitText("table", "Penalty");
  await waitText("table", "1,500 WAL");
  await shot("node");
});

await check("a staker's page shows its stakes and votes", async () => {
  await page.goto(`${base}/stakers/${scenario.stakerA}`);
  await waitText("#stakes table", "2,000 WAL");
  await waitText("#stakes table", "node-8");
  await waitText("table", "STORAGE_PRICE");
  await waitText("table", "WITHDRAWN");
  await shot("staker");
});

await check("governance lists proposals with tallies", async () => {
  await page.locator("header a", { hasText: "Governance" }).click();
  await page.waitForURL("**/governance");
  await waitText("table", "WRITE_PRICE");
  await waitText("table", "EXECUTED");
  expect((await page.locator(".splitbar").count()) >= 2, "no tally bars");
  await shot("governance");
});

await check("a proposal shows its tally, quorum and votes", async () => {
  await page.locator("a", { hasText: "WRITE_PRICE" }).first().click();
  await page.waitForURL(`**/proposals/${scenario.openProposal}`);
  await waitText("#proposal-status", "OPEN");
  const tally = await text("#tally");
  expect(tally.includes("Against1,500 WAL"), `tally: ${tally}`);
  await waitText("table", "AGAINST");
  expect((await page.locator(".progress").count()) === 1, "no quorum bar");
  await shot("proposal");
});

await check("an epoch shows its committee and shard map", async () => {
  await search("2");
  await page.waitForURL("**/epochs/2");
  await waitText("figure figcaption", "Shard map");
  const shards = await page.locator("figure.shardmap rect.shard").count();
  expect(shards === 12, `${shards} shards drawn`);
  await waitText("table", "node-28");
  await shot("epoch");
});

await check("the committee page shows the current epoch", async () => {
  await page.locator("header a", { hasText: "Committee" }).click();
  await waitText("h1", `Committee of epoch ${scenario.currentEpoch}`);
  await shot("committee");
});

await check("a page reloads at its own URL", async () => {
  await page.goto(`${base}/blobs/${scenario.certifiedBlob}`);
  await waitText("#blob-state", "EXPIRED");
});

await check("an unknown blob says so", async () => {
  await page.goto(`${base}/blobs/${scenario.unknownBlob}`);
  await waitText(".notfound", "was ever registered");
});

await check("a search for nonsense says what it takes", async () => {
  await page.goto(`${base}/`);
  await search("not an id");
  await waitText(".search .message", "is not a blob id");
});

await check("GraphiQL loads from the API itself", async () => {
  await page.goto(`${base}/graphql`);
  await page.locator(".graphiql-container").waitFor();
  // A query runs and its answer shows.
  await page.locator(".graphiql-query-editor .CodeMirror").first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("{ networkStats { currentEpoch } }");
  await page.keyboard.press("Control+Enter");
  await waitText(".graphiql-response", "currentEpoch");
  await shot("graphiql");
});

await check("no request left the API's origin", async () => {
  expect(outside.length === 0, `requests outside ${origin}: ${outside.join(", ")}`);
});

await check("no page error", async () => {
  expect(problems.length === 0, problems.join("; "));
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

// Drives the system's Chromium through the explorer served at EXPLORER_URL and checks each
// page against the scenario in EXPLORER_SCENARIO (JSON); saves a screenshot of each page in
// EXPLORER_SCREENSHOTS. Fails on any request that leaves the API's origin, any page error
// and any failed check (see harness.mjs). Run by api/tests/explorer_browser.rs.
import { openExplorer } from "./harness.mjs";

const { base, scenario, page, check, expect, finish, shot, text, waitText, waitPath, search } = await openExplorer();

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
  const signers = await text("#signers");
  expect(signers.startsWith(`${scenario.signers} members of the committee of epoch 1, holding ${scenario.signedShards} shards`), `signers: ${signers}`);
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
  await waitPath(`/proposals/${scenario.openProposal.number}`);
  await waitText("h1", `Proposal #${scenario.openProposal.number}`);
  await waitText("#proposal-status", "OPEN");
  const tally = await text("#tally");
  expect(tally.includes("Against1,500 WAL"), `tally: ${tally}`);
  await waitText("table", "AGAINST");
  expect((await page.locator(".progress").count()) === 1, "no quorum bar");
  await shot("proposal");
});

await check("a proposal's number finds it, and its object id's URL turns into its number's", async () => {
  await search(`#${scenario.openProposal.number}`);
  await waitPath(`/proposals/${scenario.openProposal.number}`);
  await page.goto(`${base}/proposals/${scenario.openProposal.id}`);
  await waitPath(`/proposals/${scenario.openProposal.number}`);
  await waitText("#proposal-status", "OPEN");
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

await finish();

// The explorer on a live local network, after the `walrus` CLI stored a blob, staked, made
// a proposal and voted (cli/tests/explorer_devnet.rs): each shows on its page, and so do the
// files of a quilt stored with `walrus store-quilt`. The scenario
// (EXPLORER_SCENARIO) names the blob and its certification epoch, a node, the staker, the
// stake as the page writes it and the proposal. See harness.mjs for what every run checks.
import { openExplorer } from "./harness.mjs";

const { base, scenario, page, check, expect, finish, shot, text, waitText, waitPath, search } = await openExplorer();

await check("searching the stored blob's id on / lands on its certified page", async () => {
  await page.goto(`${base}/`);
  await waitText("#summary .fact", "Epoch");
  await search(scenario.blobId);
  await page.waitForURL(`**/blobs/${scenario.blobId}`);
  await waitText("#blob-state", "CERTIFIED");
  const certified = await text("#certified-epoch");
  expect(certified.startsWith(`epoch ${scenario.certifiedEpoch},`), `certification: ${certified}`);
  await waitText("table", "BlobCertified");
  await waitText("#signers", "members of the committee");
  await shot("devnet-blob");
});

await check("a quilt's page lists its files with download links", async () => {
  await search(scenario.quiltId);
  await page.waitForURL(`**/blobs/${scenario.quiltId}`);
  await waitText("#blob-state", "CERTIFIED");
  await waitText("#quilt-patches", `${scenario.quiltFiles.length} files stored as one quilt`);
  for (const file of scenario.quiltFiles) {
    await waitText("table", file);
  }
  const links = await page.locator('a[href*="/v1/blobs/by-quilt-patch-id/"]').count();
  expect(links === scenario.quiltFiles.length, `${links} patch links`);
  await shot("devnet-quilt");
});

await check("a node's page shows its scores and their plot", async () => {
  await search(scenario.nodeId);
  await page.waitForURL(`**/nodes/${scenario.nodeId}`);
  await waitText("figure figcaption", "Score per epoch");
  const bars = await page.locator("figure", { hasText: "Score per epoch" }).locator("rect.bar").count();
  expect(bars >= 1, `${bars} score bars`);
  await waitText("h2", "Scores, challenges");
  await shot("devnet-node");
});

await check("the staker's page shows the stake", async () => {
  await search(scenario.staker);
  await page.waitForURL(`**/stakers/${scenario.staker}`);
  await waitText("#stakes table", scenario.stake);
  await waitText("table", "STORAGE_PRICE");
  await shot("devnet-staker");
});

await check("the proposal's page shows the vote in its tally", async () => {
  await search(scenario.proposal.id);
  await waitPath(`/proposals/${scenario.proposal.number}`);
  await waitText("h1", `Proposal #${scenario.proposal.number}`);
  const tally = await text("#tally");
  expect(tally.includes(`For${scenario.stake}`), `tally: ${tally}`);
  await waitText("table", "FOR");
  await shot("devnet-proposal");
});

await finish();

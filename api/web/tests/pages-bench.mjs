// Page load times of the explorer (run by api/benches/explorer_pages.rs on the indexed
// scenario with many blobs): each page is loaded EXPLORER_VISITS times (default 5) in
// Chromium, from navigation until its content shows ("ready") and until its GraphQL
// requests are all answered; prints, per page, the medians of the time to ready, of the
// number of GraphQL requests, of their summed and of their longest durations.
import { openExplorer } from "./harness.mjs";

const { base, scenario: s, page, check, finish } = await openExplorer();
const visits = Number(process.env.EXPLORER_VISITS ?? 5);

// Each page, and what shows once its data is there.
const pages = [
  ["/", "/", "#summary .fact"],
  ["/blobs/{id}", `/blobs/${s.certifiedBlob}`, "#certified-epoch"],
  ["/epochs/{n}", "/epochs/2", "figure.shardmap"],
  ["/committee", "/committee", "figure.shardmap"],
  ["/nodes/{id}", `/nodes/${s.nodeB}`, "figure rect.bar"],
  ["/stakers/{publisher}", `/stakers/${s.publisher}`, "table td a"],
  ["/stakers/{staker}", `/stakers/${s.stakerA}`, "#stakes table"],
  ["/governance", "/governance", ".splitbar"],
  ["/proposals/{n}", "/proposals/2", "#tally"],
];

let requests = [];
page.on("requestfinished", (request) => {
  if (new URL(request.url()).pathname === "/graphql") requests.push(request.timing().responseEnd);
});
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

const rows = [];
for (const [name, path, ready] of pages) {
  await check(`${name} loads`, async () => {
    const readyMs = [];
    const counts = [];
    const sums = [];
    const longest = [];
    for (let visit = 0; visit < visits; visit += 1) {
      requests = [];
      const started = performance.now();
      await page.goto(`${base}${path}`);
      await page.locator(ready).first().waitFor();
      readyMs.push(performance.now() - started);
      await page.waitForLoadState("networkidle");
      counts.push(requests.length);
      sums.push(requests.reduce((sum, ms) => sum + ms, 0));
      longest.push(Math.max(0, ...requests));
    }
    rows.push([name, median(readyMs), median(counts), median(sums), median(longest)]);
  });
}
console.log(`\n${visits} visits per page; medians`);
console.log("page                    ready ms  GraphQL requests  their sum ms  longest ms");
for (const [name, ready, count, sum, longest] of rows) {
  console.log(
    `${name.padEnd(22)} ${ready.toFixed(0).padStart(9)} ${String(count).padStart(17)} ${sum
      .toFixed(1)
      .padStart(13)} ${longest.toFixed(1).padStart(11)}`,
  );
}
console.log("");
await finish();

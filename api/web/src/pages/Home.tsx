// `/`: the search box, the network summary (live) and the latest blobs and the nodes.
import { useState } from "preact/hooks";
import { gql, useQuery } from "../lib/graphql";
import { Link, navigate } from "../lib/router";
import { Fact, Paged, Status } from "../lib/table";
import { bps, bytes, count, short, time, wal } from "../lib/format";
import { untilEpoch, useEpochClock } from "../lib/clock";

/** Where a search hit's page is. */
export function pathOf(hit: { kind: string; id: string }): string {
  const base = { BLOB: "blobs", NODE: "nodes", PROPOSAL: "proposals", ADDRESS: "stakers", EPOCH: "epochs" }[hit.kind];
  return `/${base}/${encodeURIComponent(hit.id)}`;
}

/** The search box: a blob id, object id, address, epoch number or proposal number (#N) goes to its page. */
export function Search() {
  const [text, setText] = useState("");
  const [message, setMessage] = useState("");
  const submit = async (event: Event) => {
    event.preventDefault();
    const query = text.trim();
    if (!query) return;
    setMessage("Searching…");
    try {
      const { search } = await gql<{ search: { kind: string; id: string } | null }>(
        `query($text: String!) { search(text: $text) { kind id } }`,
        { text: query },
      );
      if (search) {
        setMessage("");
        navigate(pathOf(search));
      } else {
        setMessage(`Nothing on the network is called ${query}.`);
      }
    } catch (error) {
      setMessage((error as Error).message);
    }
  };
  return (
    <form class="search" onSubmit={submit} role="search">
      <input
        name="q"
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        placeholder="Blob id, object id, node id, address, epoch or #proposal"
        aria-label="search"
      />
      <button type="submit">Search</button>
      {message && <p class="message">{message}</p>}
    </form>
  );
}

const SUMMARY = `{
  networkStats { currentEpoch indexedCheckpoint blobsRegistered blobsStored bytesStored nodes totalStaked events }
  epoch { epoch nShards startMs storagePrice writePrice capacityUsed committee { position } }
  supply { burned current }
}`;

interface SummaryData {
  networkStats: Record<string, string | number | null>;
  epoch: {
    epoch: number;
    nShards: number;
    startMs: string;
    storagePrice: string | null;
    writePrice: string | null;
    capacityUsed: string;
    committee: unknown[];
  } | null;
  supply: { burned: string; current: string };
}

const BLOBS = `query($first: Int, $after: String) {
  blobs(sort: { field: REGISTERED, descending: true }, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { blobId objectId size state registeredEpoch endEpoch }
  }
}`;

const NODES = `query($first: Int, $after: String) {
  nodes(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name removedEpoch pool { stake commissionRate } apy lastScore { score } }
  }
}`;

interface BlobItem {
  blobId: string;
  objectId: string;
  size: string;
  state: string;
  registeredEpoch: number;
  endEpoch: number;
}

interface NodeItem {
  id: string;
  name: string;
  removedEpoch: number | null;
  pool: { stake: string; commissionRate: number } | null;
  apy: number | null;
  lastScore: { score: number } | null;
}

/** How often the summary refreshes. */
const LIVE_MS = 5_000;

export function Home() {
  const { data, error } = useQuery<SummaryData>(SUMMARY, {}, LIVE_MS);
  const clock = useEpochClock(LIVE_MS);
  return (
    <>
      <h1>Walrus explorer</h1>
      <Search />
      <h2>Network</h2>
      {!data ? (
        <Status error={error} />
      ) : (
        <div class="facts" id="summary">
          <Fact label="Epoch">{data.networkStats.currentEpoch}</Fact>
          <Fact label="Epoch ends in">
            {clock ? untilEpoch(clock, clock.epoch + 1) || "unknown (first epoch)" : "–"}
          </Fact>
          <Fact label="Committee">{data.epoch ? `${data.epoch.committee.length} nodes` : "–"}</Fact>
          <Fact label="Shards">{data.epoch?.nShards ?? "–"}</Fact>
          <Fact label="Stored">{bytes(data.networkStats.bytesStored)}</Fact>
          <Fact label="Blobs stored">{count(data.networkStats.blobsStored)}</Fact>
          <Fact label="Blobs registered">{count(data.networkStats.blobsRegistered)}</Fact>
          <Fact label="Capacity used">{data.epoch ? bytes(data.epoch.capacityUsed) : "–"}</Fact>
          <Fact label="Total stake">{wal(data.networkStats.totalStaked as string)}</Fact>
          <Fact label="WAL burned">{wal(data.supply.burned)}</Fact>
          <Fact label="WAL supply">{wal(data.supply.current, 0)}</Fact>
          <Fact label="Storage price">
            {data.epoch?.storagePrice ? `${count(data.epoch.storagePrice)} FROST / MiB / epoch` : "–"}
          </Fact>
          <Fact label="Write price">
            {data.epoch?.writePrice ? `${count(data.epoch.writePrice)} FROST / MiB` : "–"}
          </Fact>
          <Fact label="Indexed checkpoint">{count(data.networkStats.indexedCheckpoint)}</Fact>
        </div>
      )}
      <h2>Latest blobs</h2>
      <Paged<{ blobs: unknown }, BlobItem>
        query={BLOBS}
        variables={{}}
        pick={(d) => d.blobs as never}
        refreshMs={LIVE_MS}
        empty="No blobs yet."
        columns={[
          { title: "Blob id", cell: (b) => <Link href={`/blobs/${b.blobId}`}>{short(b.blobId)}</Link> },
          { title: "State", cell: (b) => <span class={`state ${b.state}`}>{b.state}</span> },
          { title: "Size", cell: (b) => bytes(b.size) },
          { title: "Registered", cell: (b) => `epoch ${b.registeredEpoch}` },
          { title: "Until", cell: (b) => `epoch ${b.endEpoch}` },
        ]}
      />
      <h2>Storage nodes</h2>
      <Paged<{ nodes: unknown }, NodeItem>
        query={NODES}
        variables={{}}
        pick={(d) => d.nodes as never}
        empty="No storage nodes registered."
        columns={[
          { title: "Node", cell: (n) => <Link href={`/nodes/${n.id}`}>{n.name}</Link> },
          { title: "Stake", cell: (n) => wal(n.pool?.stake) },
          { title: "Commission", cell: (n) => (n.pool ? bps(n.pool.commissionRate) : "–") },
          { title: "APY (7 epochs)", cell: (n) => (n.apy === null ? "–" : `${(n.apy * 100).toFixed(2)}%`) },
          { title: "Last score", cell: (n) => (n.lastScore ? bps(n.lastScore.score) : "–") },
          { title: "Status", cell: (n) => (n.removedEpoch === null ? "candidate" : `removed in epoch ${n.removedEpoch}`) },
        ]}
      />
      <p class="muted">
        Every figure comes from the <a href="/graphql">GraphQL API</a>; the summary refreshes every{" "}
        {LIVE_MS / 1000} s. Last update {time(Date.now())}.
      </p>
    </>
  );
}

// `/epochs/{n}` and `/committee` (the current epoch): the committee, its shard map and
// what moved since the previous epoch, prices voted and chosen, and the scores paid.
import { useQuery } from "../lib/graphql";
import { Link } from "../lib/router";
import { Fact, Paged, Status, Table } from "../lib/table";
import { bps, bytes, count, time, wal } from "../lib/format";
import { ShardMap, memberColour, type ShardOwner } from "../lib/plots";

const EPOCH = `query($epoch: Int) {
  epoch(epoch: $epoch) {
    epoch nShards startCheckpoint startMs storagePrice writePrice rewardsTotal burned capacityUsed
    committee { position weight shards node { id name pool { storagePriceVote writePriceVote stake } } }
  }
}`;

interface Member {
  position: number;
  weight: number;
  shards: number[] | null;
  node: {
    id: string;
    name: string;
    pool: { storagePriceVote: string | null; writePriceVote: string | null; stake: string } | null;
  } | null;
}

interface EpochData {
  epoch: {
    epoch: number;
    nShards: number;
    startCheckpoint: string;
    startMs: string;
    storagePrice: string | null;
    writePrice: string | null;
    rewardsTotal: string | null;
    burned: string;
    capacityUsed: string;
    committee: Member[];
  } | null;
}

const PREVIOUS = `query($epoch: Int) { epoch(epoch: $epoch) { committee { shards node { id name } } } }`;

const SCORES = `query($epoch: Int, $first: Int, $after: String) {
  epoch(epoch: $epoch) {
    nodeScores(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { node { id name } score strikes reward { amount } penalty { burned } }
    }
  }
}`;

interface ScoreItem {
  node: { id: string; name: string } | null;
  score: number;
  strikes: number;
  reward: { amount: string } | null;
  penalty: { burned: string } | null;
}

function owners(committee: { shards: number[] | null; node: { name: string } | null }[]): ShardOwner[] {
  return committee.map((m, i) => ({ label: m.node?.name ?? `member ${i}`, shards: m.shards ?? [] }));
}

/** The shard map of an epoch against the one before it. */
function Shards(props: { epoch: number; nShards: number; committee: Member[] }) {
  const previous = useQuery<{ epoch: { committee: Member[] } | null }>(PREVIOUS, { epoch: props.epoch - 1 });
  const before = props.epoch > 1 && previous.data?.epoch ? owners(previous.data.epoch.committee) : undefined;
  return <ShardMap nShards={props.nShards} owners={owners(props.committee)} previous={before} />;
}

export function EpochPage(props: { epoch?: number }) {
  const { data, error } = useQuery<EpochData>(EPOCH, { epoch: props.epoch ?? null }, props.epoch ? undefined : 10_000);
  const e = data?.epoch;
  const title = props.epoch === undefined ? "Committee" : `Epoch ${props.epoch}`;
  if (!e) {
    return (
      <>
        <h1>{title}</h1>
        <Status error={error} missing={data ? `Epoch ${props.epoch} has not started.` : undefined} />
      </>
    );
  }
  return (
    <>
      <h1>
        {props.epoch === undefined ? `Committee of epoch ${e.epoch}` : title}
      </h1>
      <p class="nav">
        {e.epoch > 1 && <Link href={`/epochs/${e.epoch - 1}`}>← epoch {e.epoch - 1}</Link>}{" "}
        <Link href={`/epochs/${e.epoch + 1}`}>epoch {e.epoch + 1} →</Link>
      </p>
      <div class="facts">
        <Fact label="Started">{time(e.startMs)}</Fact>
        <Fact label="Start checkpoint">{count(e.startCheckpoint)}</Fact>
        <Fact label="Committee">{e.committee.length} nodes</Fact>
        <Fact label="Shards">{e.nShards}</Fact>
        <Fact label="Storage price chosen">{e.storagePrice ? `${count(e.storagePrice)} FROST / MiB / epoch` : "–"}</Fact>
        <Fact label="Write price chosen">{e.writePrice ? `${count(e.writePrice)} FROST / MiB` : "–"}</Fact>
        <Fact label="Capacity used">{bytes(e.capacityUsed)}</Fact>
        <Fact label="Rewards paid">{e.rewardsTotal ? wal(e.rewardsTotal) : "not ended"}</Fact>
        <Fact label="Burned by penalties">{wal(e.burned)}</Fact>
      </div>
      <h2>Shard map</h2>
      <Shards epoch={e.epoch} nShards={e.nShards} committee={e.committee} />
      <h2>Members</h2>
      <Table
        rows={e.committee}
        empty="No committee."
        columns={[
          { title: "#", cell: (m) => <span class="swatch" style={{ background: memberColour(m.position) }} /> },
          { title: "Node", cell: (m) => (m.node ? <Link href={`/nodes/${m.node.id}`}>{m.node.name}</Link> : "–") },
          { title: "Shards", cell: (m) => m.weight },
          { title: "Stake now", cell: (m) => wal(m.node?.pool?.stake) },
          { title: "Storage price vote (now)", cell: (m) => count(m.node?.pool?.storagePriceVote) },
          { title: "Write price vote (now)", cell: (m) => count(m.node?.pool?.writePriceVote) },
          { title: "Shard indices", cell: (m) => <span class="small">{m.shards?.join(", ") ?? "not indexed"}</span> },
        ]}
      />
      <h2>Scores paid as the epoch ended</h2>
      <Paged<{ epoch: { nodeScores: unknown } | null }, ScoreItem>
        query={SCORES}
        variables={{ epoch: e.epoch }}
        pick={(d) => d.epoch?.nodeScores as never}
        empty="The epoch has not ended yet."
        columns={[
          { title: "Node", cell: (s) => (s.node ? <Link href={`/nodes/${s.node.id}`}>{s.node.name}</Link> : "–") },
          { title: "Score", cell: (s) => <span class={s.score < 10000 ? "warn" : ""}>{bps(s.score)}</span> },
          { title: "Strikes", cell: (s) => s.strikes },
          { title: "Reward", cell: (s) => wal(s.reward?.amount ?? "0") },
          { title: "Penalty", cell: (s) => (s.penalty ? wal(s.penalty.burned) : "–") },
        ]}
      />
    </>
  );
}

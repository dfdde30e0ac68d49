// `/nodes/{node_id}`: a storage node's pool, scores, challenges, rewards and penalties per
// epoch, its exchange rate and APY over time, and its stakers.
import { useQuery } from "../lib/graphql";
import { Link } from "../lib/router";
import { Fact, Paged, Status } from "../lib/table";
import { bps, count, short, wal } from "../lib/format";
import { BarPlot, LinePlot, type Point } from "../lib/plots";

/** Epochs the plots cover (the API's largest page). */
const PLOTTED = 50;

const NODE = `query($id: String!, $n: Int) {
  node(id: $id) {
    id name networkAddress publicKey operator registeredEpoch removedEpoch apy(epochs: 7)
    pool { commissionRate nextCommissionRate storagePriceVote writePriceVote stake rewardsTotal commissionTotal penaltiesTotal }
    exchangeRates(first: $n) { nodes { epoch walAmount shareAmount } }
    scores(first: $n) { nodes { epoch score reward { poolShare } } }
  }
  epochs(first: $n) { nodes { epoch startMs } }
}`;

interface NodeData {
  node: {
    id: string;
    name: string;
    networkAddress: string;
    publicKey: string;
    operator: string;
    registeredEpoch: number;
    removedEpoch: number | null;
    apy: number | null;
    pool: {
      commissionRate: number;
      nextCommissionRate: number | null;
      storagePriceVote: string | null;
      writePriceVote: string | null;
      stake: string;
      rewardsTotal: string;
      commissionTotal: string;
      penaltiesTotal: string;
    } | null;
    exchangeRates: { nodes: { epoch: number; walAmount: string; shareAmount: string }[] };
    scores: { nodes: { epoch: number; score: number; reward: { poolShare: string } | null }[] };
  } | null;
  epochs: { nodes: { epoch: number; startMs: string }[] };
}

const SCORES = `query($id: String!, $first: Int, $after: String) {
  node(id: $id) {
    scores(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        epoch score strikes reporterWeight
        reward { amount commission poolShare } penalty { burned }
        challenges { passed failed timedOut }
      }
    }
  }
}`;

interface ScoreItem {
  epoch: number;
  score: number;
  strikes: number;
  reporterWeight: number;
  reward: { amount: string; commission: string; poolShare: string } | null;
  penalty: { burned: string } | null;
  challenges: { passed: number; failed: number; timedOut: number };
}

const STAKES = `query($id: String!, $first: Int, $after: String) {
  node(id: $id) {
    stakes(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id owner principal currentValue activationEpoch state }
    }
  }
}`;

interface StakeItem {
  id: string;
  owner: string;
  principal: string;
  currentValue: string | null;
  activationEpoch: number;
  state: string;
}

/** FROST per share as each epoch started (1 for an empty pool). */
function rates(node: NonNullable<NodeData["node"]>): Point[] {
  return node.exchangeRates.nodes.map((r) => ({
    epoch: r.epoch,
    value: Number(r.shareAmount) === 0 ? 1 : Number(r.walAmount) / Number(r.shareAmount),
  }));
}

/**
 * The yield each epoch's rate change would give over a year: `(r_e / r_{e-1})^(year /
 * length) - 1`, with the epoch's length from the epochs' start times.
 */
function apys(points: Point[], starts: Map<number, number>): Point[] {
  const year = 365 * 24 * 3600 * 1000;
  const sorted = [...points].sort((a, b) => a.epoch - b.epoch);
  const out: Point[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    const [sa, sb] = [starts.get(a.epoch), starts.get(b.epoch)];
    if (sa === undefined || sb === undefined || sb <= sa || a.value <= 0) continue;
    const growth = Math.pow(b.value / a.value, year / (sb - sa)) - 1;
    if (Number.isFinite(growth)) out.push({ epoch: b.epoch, value: growth });
  }
  return out;
}

export function NodePage(props: { id: string }) {
  const { data, error } = useQuery<NodeData>(NODE, { id: props.id, n: PLOTTED });
  const node = data?.node;
  if (!node) {
    return (
      <>
        <h1>Node {short(props.id)}</h1>
        <Status error={error} missing={data ? `No storage node has id ${props.id}.` : undefined} />
      </>
    );
  }
  const starts = new Map(data.epochs.nodes.map((e) => [e.epoch, Number(e.startMs)]));
  const ratePoints = rates(node);
  const pool = node.pool;
  return (
    <>
      <h1>
        Node <span id="node-name">{node.name}</span>
      </h1>
      <p class="mono small">{node.id}</p>
      <div class="facts">
        <Fact label="Stake">{wal(pool?.stake)}</Fact>
        <Fact label="Commission">
          {pool ? bps(pool.commissionRate) : "–"}
          {pool?.nextCommissionRate != null && ` (next epoch: ${bps(pool.nextCommissionRate)})`}
        </Fact>
        <Fact label="APY (last 7 epochs)">{node.apy === null ? "–" : `${(node.apy * 100).toFixed(2)}%`}</Fact>
        <Fact label="Rewards to stakers">{wal(pool?.rewardsTotal)}</Fact>
        <Fact label="Commission earned">{wal(pool?.commissionTotal)}</Fact>
        <Fact label="Penalties burned">{wal(pool?.penaltiesTotal)}</Fact>
        <Fact label="Price votes">
          {pool?.storagePriceVote ? `storage ${count(pool.storagePriceVote)}` : "storage –"},{" "}
          {pool?.writePriceVote ? `write ${count(pool.writePriceVote)}` : "write –"} FROST/MiB
        </Fact>
        <Fact label="Registered">epoch {node.registeredEpoch}</Fact>
        <Fact label="Status">{node.removedEpoch === null ? "candidate" : `removed in epoch ${node.removedEpoch}`}</Fact>
        <Fact label="Operator">
          <Link href={`/stakers/${node.operator}`}>{short(node.operator)}</Link>
        </Fact>
        <Fact label="Network address">{node.networkAddress}</Fact>
      </div>
      <div class="plots">
        <BarPlot
          title="Score per epoch"
          points={node.scores.nodes.map((s) => ({ epoch: s.epoch, value: s.score }))}
          format={(v) => bps(v)}
          top={10000}
          warn={(p) => p.value < 10000}
        />
        <BarPlot
          title="Rewards to stakers per epoch (WAL)"
          points={node.scores.nodes.map((s) => ({ epoch: s.epoch, value: Number(s.reward?.poolShare ?? 0) / 1e9 }))}
          format={(v) => v.toFixed(3)}
        />
        <LinePlot title="Exchange rate (FROST per share)" points={ratePoints} format={(v) => v.toFixed(6)} />
        <LinePlot title="APY per epoch" points={apys(ratePoints, starts)} format={(v) => `${(v * 100).toFixed(2)}%`} />
      </div>
      <h2>Scores, challenges, rewards and penalties per epoch</h2>
      <Paged<{ node: { scores: unknown } | null }, ScoreItem>
        query={SCORES}
        variables={{ id: node.id }}
        pick={(d) => d.node?.scores as never}
        empty="No epoch has ended with this node in the committee yet."
        columns={[
          { title: "Epoch", cell: (s) => <Link href={`/epochs/${s.epoch}`}>{s.epoch}</Link> },
          { title: "Score", cell: (s) => <span class={s.score < 10000 ? "warn" : ""}>{bps(s.score)}</span> },
          { title: "Strikes", cell: (s) => s.strikes },
          { title: "Reporter shards", cell: (s) => s.reporterWeight },
          {
            title: "Challenges passed / failed / timed out",
            cell: (s) => `${s.challenges.passed} / ${s.challenges.failed} / ${s.challenges.timedOut}`,
          },
          { title: "Reward", cell: (s) => wal(s.reward?.amount ?? "0") },
          { title: "Commission", cell: (s) => wal(s.reward?.commission ?? "0") },
          { title: "Penalty", cell: (s) => (s.penalty ? wal(s.penalty.burned) : "–") },
        ]}
      />
      <h2>Stakers</h2>
      <Paged<{ node: { stakes: unknown } | null }, StakeItem>
        query={STAKES}
        variables={{ id: node.id }}
        pick={(d) => d.node?.stakes as never}
        empty="Nobody stakes with this node."
        columns={[
          { title: "Staker", cell: (s) => <Link href={`/stakers/${s.owner}`}>{short(s.owner)}</Link> },
          { title: "Principal", cell: (s) => wal(s.principal) },
          { title: "Value now", cell: (s) => wal(s.currentValue) },
          { title: "Active from", cell: (s) => `epoch ${s.activationEpoch}` },
          { title: "State", cell: (s) => s.state },
        ]}
      />
    </>
  );
}

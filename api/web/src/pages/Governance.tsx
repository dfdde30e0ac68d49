// `/governance` and `/proposals/{n}`: proposals by status, tally bars, quorum progress,
// time left, and every vote. A proposal's page takes its number or its object id.
import { useEffect, useState } from "preact/hooks";
import { useQuery } from "../lib/graphql";
import { Link, replacePath } from "../lib/router";
import { Fact, Paged, Status, Table } from "../lib/table";
import { bps, count, short, wal } from "../lib/format";
import { Progress, SplitBar } from "../lib/plots";
import { untilEpoch, useEpochClock } from "../lib/clock";

interface Tally {
  votesFor: string;
  votesAgainst: string;
  votesAbstain: string;
}

interface Quorum {
  requiredBps: number;
  requiredStake: string;
  votedStake: string;
  progressBps: string;
  reached: boolean;
}

const TALLY = "tally { votesFor votesAgainst votesAbstain } quorum { requiredBps requiredStake votedStake progressBps reached }";

/** The tally as a bar of for, against and abstain. */
function TallyBar(props: { tally: Tally }) {
  const t = props.tally;
  return (
    <SplitBar
      parts={[
        { label: `for ${wal(t.votesFor)}`, value: BigInt(t.votesFor), class: "for" },
        { label: `against ${wal(t.votesAgainst)}`, value: BigInt(t.votesAgainst), class: "against" },
        { label: `abstain ${wal(t.votesAbstain)}`, value: BigInt(t.votesAbstain), class: "abstain" },
      ]}
    />
  );
}

const STATUSES = ["ALL", "OPEN", "PASSED", "REJECTED", "EXECUTED"] as const;

const PROPOSALS = `query($status: ProposalStatus, $first: Int, $after: String) {
  proposals(status: $status, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id number parameter value epoch votingEndEpoch status ${TALLY} }
  }
}`;

interface ProposalItem {
  id: string;
  number: number;
  parameter: string;
  value: string;
  epoch: number;
  votingEndEpoch: number;
  status: string;
  tally: Tally;
  quorum: Quorum;
}

const PARAMETERS = `{ parameters { name value } }`;

export function GovernancePage() {
  const [status, setStatus] = useState<(typeof STATUSES)[number]>("ALL");
  const parameters = useQuery<{ parameters: { name: string; value: string | null }[] }>(PARAMETERS, {});
  return (
    <>
      <h1>Governance</h1>
      <h2>Proposals</h2>
      <div class="tabs" role="tablist">
        {STATUSES.map((s) => (
          <button class={s === status ? "active" : ""} onClick={() => setStatus(s)} role="tab">
            {s.toLowerCase()}
          </button>
        ))}
      </div>
      <Paged<{ proposals: unknown }, ProposalItem>
        key={status}
        query={PROPOSALS}
        variables={{ status: status === "ALL" ? null : status }}
        pick={(d) => d.proposals as never}
        empty="No proposals."
        columns={[
          { title: "#", cell: (p) => <Link href={`/proposals/${p.number}`}>{`#${p.number}`}</Link> },
          { title: "Proposal", cell: (p) => <Link href={`/proposals/${p.number}`}>{`${p.parameter} → ${count(p.value)}`}</Link> },
          { title: "Status", cell: (p) => <span class={`status ${p.status}`}>{p.status}</span> },
          { title: "Tally", cell: (p) => <TallyBar tally={p.tally} /> },
          { title: "Quorum", cell: (p) => bps(p.quorum.progressBps) },
          { title: "Voting", cell: (p) => `epochs ${p.epoch} to ${p.votingEndEpoch}` },
        ]}
      />
      <h2>Governed parameters</h2>
      {parameters.data ? (
        <Table
          rows={parameters.data.parameters}
          empty="None."
          columns={[
            { title: "Parameter", cell: (p) => p.name },
            { title: "Value set by governance", cell: (p) => (p.value === null ? "genesis value" : count(p.value)) },
          ]}
        />
      ) : (
        <Status error={parameters.error} />
      )}
    </>
  );
}

const PROPOSAL = `query($id: String, $number: Int) {
  proposal(id: $id, number: $number) {
    id number proposer creator parameter value epoch votingEndEpoch createdCheckpoint executedEpoch status ${TALLY}
  }
}`;

/** The `proposal` arguments of a page's key: a number, else an object id. */
function proposalKey(key: string): { id: string | null; number: number | null } {
  return /^\d+$/.test(key) ? { id: null, number: Number(key) } : { id: key, number: null };
}

interface ProposalData {
  proposal: (ProposalItem & {
    proposer: string;
    creator: string;
    createdCheckpoint: string;
    executedEpoch: number | null;
  }) | null;
}

const VOTES = `query($id: String!, $first: Int, $after: String) {
  proposal(id: $id) {
    votes(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { voter stakeId choice weight epoch }
    }
  }
}`;

interface VoteItem {
  voter: string;
  stakeId: string;
  choice: string | null;
  weight: string;
  epoch: number;
}

/** A proposal's page, at `/proposals/{number}`; an object id's URL is replaced by it. */
export function ProposalPage(props: { id: string }) {
  const key = proposalKey(props.id);
  const { data, error } = useQuery<ProposalData>(PROPOSAL, key, 10_000);
  const clock = useEpochClock();
  const p = data?.proposal;
  useEffect(() => {
    if (p && key.number === null) replacePath(`/proposals/${p.number}`);
  }, [p?.number, key.number]);
  if (!p) {
    const name = key.number === null ? `with id ${props.id}` : `#${key.number}`;
    return (
      <>
        <h1>Proposal {key.number === null ? short(props.id) : `#${key.number}`}</h1>
        <Status error={error} missing={data ? `There is no proposal ${name}.` : undefined} />
      </>
    );
  }
  const open = p.status === "OPEN";
  return (
    <>
      <h1>
        Proposal #{p.number}: {p.parameter} → {count(p.value)}
      </h1>
      <p class="mono small">{p.id}</p>
      <p>
        <span class={`status big ${p.status}`} id="proposal-status">
          {p.status}
        </span>
        {open && clock && ` voting ends at epoch ${p.votingEndEpoch} ${untilEpoch(clock, p.votingEndEpoch)}`}
      </p>
      <h2>Tally</h2>
      <TallyBar tally={p.tally} />
      <div class="facts" id="tally">
        <Fact label="For">{wal(p.tally.votesFor)}</Fact>
        <Fact label="Against">{wal(p.tally.votesAgainst)}</Fact>
        <Fact label="Abstain">{wal(p.tally.votesAbstain)}</Fact>
      </div>
      <h2>Quorum</h2>
      <Progress bps={Number(p.quorum.progressBps)} label={`quorum ${bps(p.quorum.progressBps)}`} />
      <p>
        {wal(p.quorum.votedStake)} of {wal(p.quorum.requiredStake)} needed ({bps(p.quorum.requiredBps)} of the
        stake): {p.quorum.reached ? "reached" : `${bps(p.quorum.progressBps)} of the way`}.
      </p>
      <div class="facts">
        <Fact label="Made in">epoch {p.epoch}</Fact>
        <Fact label="Voting ends">epoch {p.votingEndEpoch}</Fact>
        <Fact label="Executed">{p.executedEpoch === null ? "no" : `epoch ${p.executedEpoch}`}</Fact>
        <Fact label="Creator">
          <Link href={`/stakers/${p.creator}`}>{short(p.creator)}</Link>
        </Fact>
        <Fact label="Proposing stake">
          <span class="mono">{short(p.proposer)}</span>
        </Fact>
      </div>
      <h2>Votes</h2>
      <Paged<{ proposal: { votes: unknown } | null }, VoteItem>
        query={VOTES}
        variables={{ id: p.id }}
        pick={(d) => d.proposal?.votes as never}
        empty="No votes yet."
        columns={[
          { title: "Voter", cell: (v) => <Link href={`/stakers/${v.voter}`}>{short(v.voter)}</Link> },
          { title: "Choice", cell: (v) => <span class={`choice ${v.choice}`}>{v.choice ?? "–"}</span> },
          { title: "Weight", cell: (v) => wal(v.weight) },
          { title: "Epoch", cell: (v) => v.epoch },
          { title: "Stake", cell: (v) => <span class="mono">{short(v.stakeId)}</span> },
        ]}
      />
    </>
  );
}

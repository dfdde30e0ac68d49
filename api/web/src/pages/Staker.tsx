// `/stakers/{address}`: an account's stakes, withdrawals, blobs and votes.
import { Link } from "../lib/router";
import { Paged } from "../lib/table";
import { bytes, short, wal } from "../lib/format";

const STAKES = `query($owner: String!, $first: Int, $after: String) {
  stakes(owner: $owner, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id node { id name } principal currentValue accruedRewards stakedEpoch activationEpoch
      withdrawEpoch withdrawnEpoch state
    }
  }
}`;

interface StakeItem {
  id: string;
  node: { id: string; name: string } | null;
  principal: string;
  currentValue: string | null;
  accruedRewards: string | null;
  stakedEpoch: number;
  activationEpoch: number;
  withdrawEpoch: number | null;
  withdrawnEpoch: number | null;
  state: string;
}

const WITHDRAWALS = `query($owner: String!, $first: Int, $after: String) {
  withdrawals(owner: $owner, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { epoch stakeId node { id name } amount }
  }
}`;

interface WithdrawalItem {
  epoch: number;
  stakeId: string;
  node: { id: string; name: string } | null;
  amount: string;
}

const BLOBS = `query($owner: String!, $first: Int, $after: String) {
  blobs(filter: { owner: $owner }, sort: { field: REGISTERED, descending: true }, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { blobId size state endEpoch }
  }
}`;

interface BlobItem {
  blobId: string;
  size: string;
  state: string;
  endEpoch: number;
}

const VOTES = `query($owner: String!, $first: Int, $after: String) {
  votes(voter: $owner, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { epoch choice weight stakeId proposal { id number parameter value status } }
  }
}`;

interface VoteItem {
  epoch: number;
  choice: string | null;
  weight: string;
  stakeId: string;
  proposal: { id: string; number: number; parameter: string; value: string; status: string } | null;
}

function nodeLink(node: { id: string; name: string } | null) {
  return node ? <Link href={`/nodes/${node.id}`}>{node.name}</Link> : "–";
}

export function StakerPage(props: { address: string }) {
  const owner = props.address;
  return (
    <>
      <h1>
        Account <span class="mono">{owner}</span>
      </h1>
      <h2>Stakes</h2>
      <div id="stakes">
        <Paged<{ stakes: unknown }, StakeItem>
          query={STAKES}
          variables={{ owner }}
          pick={(d) => d.stakes as never}
          empty="No stakes."
          columns={[
            { title: "Node", cell: (s) => nodeLink(s.node) },
            { title: "Principal", cell: (s) => wal(s.principal) },
            { title: "Value now", cell: (s) => wal(s.currentValue) },
            { title: "Rewards", cell: (s) => wal(s.accruedRewards) },
            { title: "Active from", cell: (s) => `epoch ${s.activationEpoch}` },
            { title: "State", cell: (s) => s.state },
            {
              title: "Withdrawal",
              cell: (s) =>
                s.withdrawnEpoch !== null
                  ? `withdrawn in epoch ${s.withdrawnEpoch}`
                  : s.withdrawEpoch !== null
                    ? `leaves at epoch ${s.withdrawEpoch}`
                    : "–",
            },
          ]}
        />
      </div>
      <h2>Withdrawals</h2>
      <Paged<{ withdrawals: unknown }, WithdrawalItem>
        query={WITHDRAWALS}
        variables={{ owner }}
        pick={(d) => d.withdrawals as never}
        empty="No withdrawals."
        columns={[
          { title: "Epoch", cell: (w) => w.epoch },
          { title: "Node", cell: (w) => nodeLink(w.node) },
          { title: "Paid out", cell: (w) => wal(w.amount) },
          { title: "Stake", cell: (w) => <span class="mono">{short(w.stakeId)}</span> },
        ]}
      />
      <h2>Blobs</h2>
      <Paged<{ blobs: unknown }, BlobItem>
        query={BLOBS}
        variables={{ owner }}
        pick={(d) => d.blobs as never}
        empty="No blobs."
        columns={[
          { title: "Blob id", cell: (b) => <Link href={`/blobs/${b.blobId}`}>{short(b.blobId)}</Link> },
          { title: "State", cell: (b) => <span class={`state ${b.state}`}>{b.state}</span> },
          { title: "Size", cell: (b) => bytes(b.size) },
          { title: "Until", cell: (b) => `epoch ${b.endEpoch}` },
        ]}
      />
      <h2>Votes</h2>
      <Paged<{ votes: unknown }, VoteItem>
        query={VOTES}
        variables={{ owner }}
        pick={(d) => d.votes as never}
        empty="No votes."
        columns={[
          {
            title: "Proposal",
            cell: (v) =>
              v.proposal ? (
                <Link href={`/proposals/${v.proposal.number}`}>
                  #{v.proposal.number} {v.proposal.parameter} → {v.proposal.value}
                </Link>
              ) : (
                "–"
              ),
          },
          { title: "Choice", cell: (v) => v.choice ?? "–" },
          { title: "Weight", cell: (v) => wal(v.weight) },
          { title: "Epoch", cell: (v) => v.epoch },
          { title: "Status", cell: (v) => v.proposal?.status ?? "–" },
        ]}
      />
    </>
  );
}

// `/blobs/{blob_id}`: a blob's state, sizes, certification (with the certificate's signers
// and their shards), storage period, its `Blob` objects, attributes, history, a download
// link through the aggregator, and a quilt's patches.
import { useQuery } from "../lib/graphql";
import { Link } from "../lib/router";
import { Fact, Paged, Status, Table } from "../lib/table";
import { bytes, count, short, time } from "../lib/format";
import { untilEpoch, useEpochClock } from "../lib/clock";
import { QuiltSection } from "./QuiltPatches";

const BLOB = `query($id: String!) {
  blob(blobId: $id) {
    objectId blobId owner size encodedSize deletable state registeredEpoch registeredCheckpoint
    registeredAtMs endEpoch deletedEpoch invalidatedEpoch
    certification {
      epoch checkpoint timestampMs
      signers { position weight nodeId node { name } }
    }
    attributes { key value }
    storage { objectId startEpoch endEpoch size }
  }
}`;

/** A committee member who signed a blob's certificate, with its shards. */
interface Signer {
  position: number;
  weight: number;
  nodeId: string;
  node: { name: string } | null;
}

interface BlobData {
  blob: {
    objectId: string;
    blobId: string;
    owner: string;
    size: string;
    encodedSize: string | null;
    deletable: boolean;
    state: string;
    registeredEpoch: number;
    registeredCheckpoint: string;
    registeredAtMs: string;
    endEpoch: number;
    deletedEpoch: number | null;
    invalidatedEpoch: number | null;
    certification: {
      epoch: number;
      checkpoint: string;
      timestampMs: string;
      signers: Signer[] | null;
    } | null;
    attributes: { key: string; value: string }[];
    storage: { objectId: string; startEpoch: number; endEpoch: number; size: string } | null;
  } | null;
}

const OBJECTS = `query($id: String!, $first: Int, $after: String) {
  blobs(filter: { blobId: $id }, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { objectId owner state deletable registeredEpoch endEpoch certification { epoch } }
  }
}`;

interface ObjectItem {
  objectId: string;
  owner: string;
  state: string;
  deletable: boolean;
  registeredEpoch: number;
  endEpoch: number;
  certification: { epoch: number } | null;
}

const HISTORY = `query($object: String!, $first: Int, $after: String) {
  blobObject(objectId: $object) {
    history(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { type checkpoint timestampMs transactionDigest sender }
    }
  }
}`;

interface EventItem {
  type: string;
  checkpoint: string;
  timestampMs: string;
  transactionDigest: string;
  sender: string;
}

/** Who signed the certificate: the members of the epoch's committee and their shards. */
function Signers(props: { signers: Signer[]; epoch: number }) {
  const shards = props.signers.reduce((sum, s) => sum + s.weight, 0);
  return (
    <>
      <h2>Certificate signers</h2>
      <p id="signers">
        {props.signers.length} members of the committee of epoch {props.epoch}, holding {shards} shards, signed.
      </p>
      <Table
        rows={props.signers}
        empty="No signers recorded."
        columns={[
          { title: "Member", cell: (s) => s.position },
          { title: "Node", cell: (s) => <Link href={`/nodes/${s.nodeId}`}>{s.node?.name ?? short(s.nodeId)}</Link> },
          { title: "Shards", cell: (s) => s.weight },
        ]}
      />
    </>
  );
}

/** The state shown: the API's, or EXPIRED for a certified blob past its end epoch. */
function shownState(state: string, endEpoch: number, current: number | undefined): string {
  return state === "CERTIFIED" && current !== undefined && endEpoch <= current ? "EXPIRED" : state;
}

export function BlobPage(props: { id: string }) {
  const { data, error } = useQuery<BlobData>(BLOB, { id: props.id });
  const clock = useEpochClock();
  const blob = data?.blob;
  if (!blob) {
    return (
      <>
        <h1>Blob {short(props.id)}</h1>
        <Status error={error} missing={data ? `No blob ${props.id} was ever registered.` : undefined} />
      </>
    );
  }
  const state = shownState(blob.state, blob.endEpoch, clock?.epoch);
  const left = clock ? blob.endEpoch - clock.epoch : undefined;
  return (
    <>
      <h1>
        Blob <span class="mono">{blob.blobId}</span>
      </h1>
      <p>
        <span class={`state big ${state}`} id="blob-state">
          {state}
        </span>
        {state === "EXPIRED" && <span class="muted"> certified, and past its end epoch</span>}
        {state === "CERTIFIED" && (
          <a class="button" href={`/v1/blobs/${encodeURIComponent(blob.blobId)}`} download>
            Download
          </a>
        )}
      </p>
      <div class="facts">
        <Fact label="Size">{bytes(blob.size)}</Fact>
        <Fact label="Encoded size">{bytes(blob.encodedSize)}</Fact>
        <Fact label="Certified">
          {blob.certification ? (
            <span id="certified-epoch">
              <Link href={`/epochs/${blob.certification.epoch}`}>epoch {blob.certification.epoch}</Link>
              , checkpoint {count(blob.certification.checkpoint)}, {time(blob.certification.timestampMs)}
            </span>
          ) : (
            "not yet"
          )}
        </Fact>
        <Fact label="Registered">
          <Link href={`/epochs/${blob.registeredEpoch}`}>epoch {blob.registeredEpoch}</Link>,{" "}
          {time(blob.registeredAtMs)}
        </Fact>
        <Fact label="Stored until">
          epoch {blob.endEpoch}
          {left !== undefined &&
            (left > 0 ? ` (expires in ${left} epochs ${untilEpoch(clock, blob.endEpoch)})` : " (expired)")}
        </Fact>
        <Fact label="Owner">
          <Link href={`/stakers/${blob.owner}`}>{short(blob.owner)}</Link>
        </Fact>
        <Fact label="Deletable">{blob.deletable ? "yes" : "no (permanent)"}</Fact>
        {blob.deletedEpoch !== null && <Fact label="Deleted">epoch {blob.deletedEpoch}</Fact>}
        {blob.invalidatedEpoch !== null && <Fact label="Proven invalid">epoch {blob.invalidatedEpoch}</Fact>}
        {blob.storage && (
          <Fact label="Storage resource">
            {bytes(blob.storage.size)}, epochs {blob.storage.startEpoch} to {blob.storage.endEpoch}
          </Fact>
        )}
      </div>
      {blob.certification?.signers && <Signers signers={blob.certification.signers} epoch={blob.certification.epoch} />}
      {state === "CERTIFIED" && <QuiltSection blobId={blob.blobId} size={Number(blob.size)} />}
      <h2>Attributes</h2>
      <Table
        rows={blob.attributes}
        empty="No attributes."
        columns={[
          { title: "Key", cell: (a) => a.key },
          { title: "Value", cell: (a) => a.value },
        ]}
      />
      <h2>Blob objects registered for this id</h2>
      <Paged<{ blobs: unknown }, ObjectItem>
        query={OBJECTS}
        variables={{ id: blob.blobId }}
        pick={(d) => d.blobs as never}
        empty="None."
        columns={[
          { title: "Object", cell: (o) => <span class="mono">{short(o.objectId)}</span> },
          { title: "Owner", cell: (o) => <Link href={`/stakers/${o.owner}`}>{short(o.owner)}</Link> },
          { title: "State", cell: (o) => <span class={`state ${o.state}`}>{o.state}</span> },
          { title: "Certified", cell: (o) => (o.certification ? `epoch ${o.certification.epoch}` : "–") },
          { title: "Epochs", cell: (o) => `${o.registeredEpoch} to ${o.endEpoch}` },
          { title: "Deletable", cell: (o) => (o.deletable ? "yes" : "no") },
        ]}
      />
      <h2>History (object {short(blob.objectId)})</h2>
      <Paged<{ blobObject: { history: unknown } | null }, EventItem>
        query={HISTORY}
        variables={{ object: blob.objectId }}
        pick={(d) => d.blobObject?.history as never}
        empty="No events."
        columns={[
          { title: "Event", cell: (e) => e.type.replace(/^events::/, "") },
          { title: "Checkpoint", cell: (e) => count(e.checkpoint) },
          { title: "Time", cell: (e) => time(e.timestampMs) },
          { title: "Sender", cell: (e) => <Link href={`/stakers/${e.sender}`}>{short(e.sender)}</Link> },
          { title: "Transaction", cell: (e) => <span class="mono">{short(e.transactionDigest)}</span> },
        ]}
      />
    </>
  );
}

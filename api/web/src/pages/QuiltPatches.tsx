// The patches of a quilt (many files stored as one blob) on its blob page, read through
// GraphQL's `quiltPatches` from the quilt's index on the storage nodes. Finding out whether a
// blob is a quilt reads its first source sliver, so blobs larger than `LOOK_AT_ONCE` are only
// looked at when asked; a blob that is no quilt shows nothing.
import { useState } from "preact/hooks";
import { useQuery } from "../lib/graphql";
import { short } from "../lib/format";
import { Table } from "../lib/table";

const PATCHES = `query($id: String!) {
  blob(blobId: $id) { quiltPatches { identifier patchId tags { key value } } }
}`;

/** Blobs up to this size are looked at with the page. */
const LOOK_AT_ONCE = 64 * 1024 * 1024;

/** One file of a quilt. */
interface Patch {
  identifier: string;
  patchId: string;
  tags: { key: string; value: string }[];
}

/** The quilt's patches with download links, or nothing for a blob that is no quilt. */
function Patches(props: { blobId: string }) {
  const { data, error } = useQuery<{ blob: { quiltPatches: Patch[] | null } | null }>(PATCHES, {
    id: props.blobId,
  });
  if (error) return <p class="muted">Cannot tell whether this blob is a quilt: {error}</p>;
  const patches = data?.blob?.quiltPatches;
  if (!patches) return null;
  return (
    <>
      <h2>Quilt patches</h2>
      <p id="quilt-patches">{patches.length} files stored as one quilt.</p>
      <Table
        rows={patches}
        empty="No patches."
        columns={[
          {
            title: "Identifier",
            cell: (p) => (
              <a href={`/v1/blobs/by-quilt-patch-id/${encodeURIComponent(p.patchId)}`} download={p.identifier}>
                {p.identifier}
              </a>
            ),
          },
          { title: "Tags", cell: (p) => p.tags.map((t) => `${t.key}=${t.value}`).join(", ") || "–" },
          { title: "Patch id", cell: (p) => <span class="mono">{short(p.patchId)}</span> },
        ]}
      />
    </>
  );
}

/** The quilt section of a certified blob of `size` bytes. */
export function QuiltSection(props: { blobId: string; size: number }) {
  const [asked, setAsked] = useState(props.size <= LOOK_AT_ONCE);
  if (asked) return <Patches blobId={props.blobId} />;
  return (
    <p>
      <button onClick={() => setAsked(true)}>Is this blob a quilt? (reads its first sliver from the nodes)</button>
    </p>
  );
}

// Tables, and lists that page through a GraphQL connection with its cursors.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useQuery } from "./graphql";

/** A column: its title and what a row shows in it. */
export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
}

/** Rows under their column titles. */
export function Table<T>(props: { rows: T[]; columns: Column<T>[]; empty: string }) {
  if (props.rows.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th>{column.title}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {props.columns.map((column) => (
                <td>{column.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A page of a GraphQL connection. */
export interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

/** The rows per page of every list. */
export const PAGE_SIZE = 20;

/**
 * A list read one page at a time: `query` takes `$first: Int` and `$after: String` besides
 * `variables`, and `pick` finds the connection in its data.
 */
export function Paged<D, T>(props: {
  query: string;
  variables: Record<string, unknown>;
  pick: (data: D) => Connection<T> | null | undefined;
  columns: Column<T>[];
  empty: string;
  refreshMs?: number;
}) {
  // The cursors of the pages visited, to go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const { data, error } = useQuery<D>(
    props.query,
    { ...props.variables, first: PAGE_SIZE, after },
    props.refreshMs,
  );
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="muted">Loading…</p>;
  const connection = props.pick(data);
  if (!connection) return <p class="muted">{props.empty}</p>;
  const page = cursors.length;
  return (
    <div class="paged">
      <Table rows={connection.nodes} columns={props.columns} empty={props.empty} />
      {(page > 1 || connection.pageInfo.hasNextPage) && (
        <div class="pager">
          <button disabled={page === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Previous
          </button>
          <span>page {page}</span>
          <button
            disabled={!connection.pageInfo.hasNextPage}
            onClick={() => setCursors([...cursors, connection.pageInfo.endCursor])}
          >
            Next →
          </button>
        </div>
      )}
    </div>
  );
}

/** A labelled value in a summary grid. */
export function Fact(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <div class="label">{props.label}</div>
      <div class="value">{props.children}</div>
    </div>
  );
}

/** What a page shows while its query runs or when it failed or found nothing. */
export function Status(props: { error?: string; missing?: string }) {
  if (props.error) return <p class="error">{props.error}</p>;
  if (props.missing) return <p class="notfound">{props.missing}</p>;
  return <p class="muted">Loading…</p>;
}

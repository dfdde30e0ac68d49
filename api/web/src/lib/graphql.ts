// The explorer's only data source: POSTs to the API's GraphQL endpoint.
import { useEffect, useState } from "preact/hooks";

/** An error GraphQL answered with, or a failed request. */
export class QueryError extends Error {}

/** Runs `query` with `variables` and returns its data, throwing on any error. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.ok && !response.headers.get("content-type")?.includes("json")) {
    throw new QueryError(`the API answered ${response.status}`);
  }
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new QueryError(body.errors.map((e) => e.message).join("; "));
  if (body.data === undefined) throw new QueryError("the API answered no data");
  return body.data;
}

/** What a query has given so far. */
export interface QueryState<T> {
  data?: T;
  error?: string;
}

/**
 * The data of `query` with `variables`, fetched again when they change and, with
 * `refreshMs`, every `refreshMs` (live pages).
 */
export function useQuery<T>(
  query: string,
  variables: Record<string, unknown>,
  refreshMs?: number,
): QueryState<T> {
  const [state, setState] = useState<QueryState<T>>({});
  const key = JSON.stringify(variables);
  useEffect(() => {
    let live = true;
    setState({});
    const load = () =>
      gql<T>(query, variables).then(
        (data) => live && setState({ data }),
        (error: Error) => live && setState((old) => ({ data: old.data, error: error.message })),
      );
    load();
    const timer = refreshMs ? setInterval(load, refreshMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [query, key, refreshMs]);
  return state;
}

// GraphiQL on this API's endpoint and its subscriptions' WebSocket, from bundled assets.
// The schema is the checked-in SDL (api/schema.graphql, which api/tests/schema.rs keeps equal
// to the server's): GraphiQL's introspection query nests deeper than the API's depth limit.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { buildSchema } from "graphql";
import sdl from "../../schema.graphql?raw";
import "graphiql/graphiql.css";

const ws = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql/ws`;
const fetcher = createGraphiQLFetcher({ url: "/graphql", subscriptionUrl: ws });
const root = document.getElementById("graphiql");
if (root) createRoot(root).render(createElement(GraphiQL, { fetcher, schema: buildSchema(sdl) }));

// GraphiQL on this API's endpoint and its subscriptions' WebSocket, from bundled assets.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/graphiql.css";

const ws = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql/ws`;
const fetcher = createGraphiQLFetcher({ url: "/graphql", subscriptionUrl: ws });
const root = document.getElementById("graphiql");
if (root) createRoot(root).render(createElement(GraphiQL, { fetcher }));

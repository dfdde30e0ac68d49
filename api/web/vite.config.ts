// The explorer (index.html) and GraphiQL (graphiql.html), built into dist/ which the API
// embeds: hashed asset names under /assets/, no external URL anywhere.
import { defineConfig } from "vite";

// `npm run dev` serves the sources with live reload against the API at WALRUS_API
// (the devnet's by default).
const api = process.env.WALRUS_API ?? "http://127.0.0.1:9185";

export default defineConfig({
  base: "/",
  server: { proxy: { "/graphql": { target: api, ws: true }, "/v1": api } },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: { index: "index.html", graphiql: "graphiql.html" },
      // GraphiQL's React components mark themselves "use client", which means nothing
      // outside a server-components framework.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});

// The explorer: a header with search and navigation, and the page of the URL.
import { render } from "preact";
import { Link, usePath } from "./lib/router";
import { Home, Search } from "./pages/Home";
import { BlobPage } from "./pages/Blob";
import { EpochPage } from "./pages/Epoch";
import { NodePage } from "./pages/Node";
import { StakerPage } from "./pages/Staker";
import { GovernancePage, ProposalPage } from "./pages/Governance";
import "./style.css";

/** The page of `path`, or `null` for a path the explorer has no page for. */
function page(path: string) {
  const [, section, id] = path.split("/").map(decodeURIComponent);
  if (path === "/") return <Home />;
  if (section === "committee" && !id) return <EpochPage />;
  if (section === "governance" && !id) return <GovernancePage />;
  if (!id) return null;
  switch (section) {
    case "blobs":
      return <BlobPage id={id} key={id} />;
    case "epochs":
      return /^\d+$/.test(id) ? <EpochPage epoch={Number(id)} key={id} /> : null;
    case "nodes":
      return <NodePage id={id} key={id} />;
    case "stakers":
      return <StakerPage address={id} key={id} />;
    case "proposals":
      return <ProposalPage id={id} key={id} />;
    default:
      return null;
  }
}

function App() {
  const path = usePath();
  const content = page(path);
  return (
    <>
      <header>
        <Link href="/" class="brand">
          Walrus explorer
        </Link>
        <nav>
          <Link href="/committee">Committee</Link>
          <Link href="/governance">Governance</Link>
          <a href="/graphql">GraphQL</a>
        </nav>
        {path !== "/" && <Search />}
      </header>
      <main>{content ?? <p class="notfound">The explorer has no page at {path}.</p>}</main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);

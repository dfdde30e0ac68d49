//! The explorer web app and the GraphiQL page: the assets `api/web` builds into
//! `api/web/dist` (see ARCHITECTURE.md, "Explorer"), embedded in the binary and served with
//! their content types. Hashed assets are cached for good; the page routes answer the app's
//! `index.html`, which draws the page of the URL in the browser.

use axum::{
    Router,
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use rust_embed::Embed;

/// The built explorer and GraphiQL.
#[derive(Embed)]
#[folder = "web/dist"]
struct Assets;

/// The explorer's pages, in axum's path syntax: each answers the app.
pub const PAGES: &[&str] = &[
    "/",
    "/blobs/{blob_id}",
    "/epochs/{epoch}",
    "/committee",
    "/nodes/{node_id}",
    "/stakers/{address}",
    "/governance",
    "/proposals/{proposal_id}",
];

/// Where the hashed assets are served.
pub const ASSETS_PATH: &str = "/assets";

/// Caching of assets whose names carry a hash of their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Caching of the HTML pages, which name the current assets: check each time.
const REVALIDATE: &str = "no-cache";

/// The explorer's page routes and its assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    PAGES.iter().fold(
        Router::new().route(&format!("{ASSETS_PATH}/{{*path}}"), get(asset)),
        |router, page| router.route(page, get(app)),
    )
}

/// GraphiQL's page (its assets are under [`ASSETS_PATH`] too).
pub async fn graphiql() -> Response {
    html("graphiql.html")
}

async fn app() -> Response {
    html("index.html")
}

fn html(name: &str) -> Response {
    match Assets::get(name) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, REVALIDATE),
            ],
            file.data,
        )
            .into_response(),
        // The build embeds dist/ whole: a missing page is a broken build.
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("this build of walrus lacks the explorer's {name}: rebuild api/web"),
        )
            .into_response(),
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&format!("assets/{path}")) else {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "no asset {path}: the explorer's assets change with each release; reload the page"
            ),
        )
            .into_response();
    };
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        ],
        file.data,
    )
        .into_response()
}

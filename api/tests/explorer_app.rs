//! The explorer's assets over HTTP: the page routes answer the app, hashed assets carry
//! their content type and are cached for good, and no page names anything outside the API.

mod common;

use reqwest::{StatusCode, header};

/// The `/assets/…` paths an HTML page references.
fn asset_paths(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_the_app_and_assets_are_served_immutable() {
    let api = common::start(0).await;
    let pages = [
        "/",
        "/blobs/whatever",
        "/epochs/3",
        "/committee",
        "/nodes/0x01",
        "/stakers/0x02",
        "/governance",
        "/proposals/0x03",
    ];
    let mut index = String::new();
    for page in pages {
        let response = get(&format!("{}{page}", api.url)).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        index = response.text().await.unwrap();
        assert!(index.contains(r#"<div id="app">"#), "{page}: {index}");
    }
    let graphiql = get(&format!("{}/graphql", api.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(graphiql.contains(r#"<div id="graphiql">"#), "{graphiql}");

    for html in [&index, &graphiql] {
        // Nothing is loaded from elsewhere: every script and style is one of ours.
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http"),
            "{html}"
        );
        let assets = asset_paths(html);
        assert!(assets.iter().any(|path| path.ends_with(".js")), "{html}");
        assert!(assets.iter().any(|path| path.ends_with(".css")), "{html}");
        for path in assets {
            let response = get(&format!("{}{path}", api.url)).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
            let wanted = if path.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            };
            assert_eq!(content_type, wanted, "{path}");
            assert_eq!(
                response.headers()[header::CACHE_CONTROL],
                "public, max-age=31536000, immutable"
            );
            assert!(!response.bytes().await.unwrap().is_empty(), "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_assets_and_paths_are_not_found() {
    let api = common::start(0).await;
    let missing = get(&format!("{}/assets/index-00000000.js", api.url)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("reload the page"));
    // Only the explorer's pages answer the app; other paths stay the REST API's 404.
    for path in ["/nope", "/blobs", "/blobs/a/b", "/assets/../Cargo.toml"] {
        let response = get(&format!("{}{path}", api.url)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

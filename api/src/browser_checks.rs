//! The explorer's checks in a real browser, for tests: finds Debian's Chromium, Node.js and
//! `playwright-core` (installed by `npm ci` in `api/web`), and runs one of the scripts of
//! `api/web/tests` against an explorer, which saves a screenshot of each page it visits.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The tools the browser checks need, found on this machine.
pub struct BrowserChecks {
    chromium: PathBuf,
    web: PathBuf,
}

impl BrowserChecks {
    /// Finds Chromium (`WALRUS_CHROMIUM`, else `chromium` on `PATH`), `node` and
    /// `playwright-core`; or says what is missing and how to install it.
    pub fn find() -> Result<Self, String> {
        let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let chromium = std::env::var_os("WALRUS_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| which("chromium"))
            .ok_or("no `chromium` on PATH (apt-get install chromium, or set WALRUS_CHROMIUM)")?;
        which("node").ok_or("no `node` on PATH (apt-get install nodejs npm)")?;
        if !web.join("node_modules/playwright-core").is_dir() {
            return Err(format!(
                "playwright-core is not installed: run `npm ci` in {}",
                web.display()
            ));
        }
        Ok(Self { chromium, web })
    }

    /// Runs `api/web/tests/{script}` against the explorer at `url`, giving it `scenario`
    /// (what the checks expect to see) and `screenshots` (where to save the pages). Returns
    /// what it printed: `Ok` when every check passed, `Err` otherwise.
    pub async fn run(
        &self,
        script: &str,
        url: &str,
        scenario: &serde_json::Value,
        screenshots: &Path,
    ) -> Result<String, String> {
        let mut command = Command::new("node");
        command
            .arg(self.web.join("tests").join(script))
            .env("EXPLORER_URL", url)
            .env("EXPLORER_SCENARIO", scenario.to_string())
            .env("EXPLORER_SCREENSHOTS", screenshots)
            .env("EXPLORER_CHROMIUM", &self.chromium);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|error| format!("the browser checks' thread failed: {error}"))?
            .map_err(|error| format!("node could not be started: {error}"))?;
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() && stdout.contains(" passed, 0 failed") {
            Ok(printed)
        } else {
            Err(printed)
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

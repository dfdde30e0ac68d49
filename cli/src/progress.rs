//! Progress bars on standard error, hidden in `--json` mode and when stderr is not a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Creates progress indicators that respect the output mode.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    hidden: bool,
}

impl Progress {
    /// Progress shown unless `quiet` (JSON output).
    pub fn new(quiet: bool) -> Self {
        Self { hidden: quiet }
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.hidden {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        }
    }

    /// A bar counting bytes up to `total`.
    pub fn bytes(&self, message: &'static str, total: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total), self.target());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    }

    /// A bar counting items up to `total`.
    pub fn items(&self, message: &'static str, total: u64) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total), self.target());
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} eta {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    }

    /// A spinner for a step without measurable progress.
    pub fn spinner(&self, message: &'static str) -> ProgressBar {
        let spinner = ProgressBar::with_draw_target(None, self.target());
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
        );
        spinner.set_message(message);
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    }
}

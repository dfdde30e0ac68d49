//! Progress bars for the sdk's store and read flows.

use std::sync::Mutex;

use indicatif::ProgressBar;
use walrus_sdk::{Phase, Progress as FlowProgressTrait};

use crate::progress::Progress;

/// Shows each phase of a flow: a spinner for steps, a byte bar for transfers.
pub struct FlowProgress {
    progress: Progress,
    bar: Mutex<Option<ProgressBar>>,
}

impl FlowProgress {
    /// Bars drawn as `progress` allows.
    pub fn new(progress: Progress) -> Self {
        Self {
            progress,
            bar: Mutex::new(None),
        }
    }

    /// Clears the last bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

impl FlowProgressTrait for FlowProgress {
    fn phase(&self, phase: Phase) {
        let bar = match phase {
            Phase::Encoding => self.progress.spinner("encoding"),
            Phase::Registering => self.progress.spinner("registering on chain"),
            Phase::Uploading { total_bytes } => self.progress.bytes("uploading", total_bytes),
            Phase::Certifying => self.progress.spinner("certifying on chain"),
            Phase::Fetching { total_bytes } => self.progress.bytes("fetching", total_bytes),
            Phase::Decoding => self.progress.spinner("decoding"),
        };
        if let Some(previous) = self.bar.lock().expect("progress lock").replace(bar) {
            previous.finish_and_clear();
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
            bar.inc(bytes);
        }
    }
}

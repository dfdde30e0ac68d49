//! Streamed reads: the bytes of a blob, or of a range of it, in order, as they arrive. Rows
//! `0..p` of the encoding matrix are the blob itself, row `i` being primary sliver `i`: a
//! range is served by fetching only the source slivers holding it, each checked against the
//! blob's metadata, and writing them out in order, the next one downloading while one is
//! checked and written. Only when a source sliver cannot be had is the blob decoded, from
//! any `p` primary slivers.

use std::{collections::HashMap, ops::Range, sync::Arc, time::Instant};

use bytes::Bytes;
use futures::{FutureExt, Stream, stream};
use rand::seq::SliceRandom;
use tokio::sync::mpsc;
use walrus_core::{
    BlobId, VerifiedBlobMetadata,
    encoding::{ReceivedSliver, SliverKind},
};

use crate::{
    NoProgress,
    api::BlobState,
    blocking::run_blocking,
    committee::CommitteeView,
    error::SdkError,
    node_client::NodeClient,
    read::{blob_status, fetch_metadata, read_blob},
    retry::with_retries,
};

/// A blob whose metadata was fetched and checked, ready to stream.
#[derive(Debug, Clone)]
pub struct OpenBlob {
    committee: CommitteeView,
    blob_id: BlobId,
    metadata: Arc<VerifiedBlobMetadata>,
}

impl OpenBlob {
    /// Fetches the blob's metadata from the committee's nodes and checks it against the id;
    /// a blob the nodes hold for invalid is [`SdkError::BlobInvalid`].
    pub async fn open(committee: &CommitteeView, blob_id: &BlobId) -> Result<Self, SdkError> {
        let mut clients: Vec<(usize, &NodeClient)> = committee
            .members
            .iter()
            .enumerate()
            .filter_map(|(index, member)| member.client.as_ref().map(|client| (index, client)))
            .collect();
        clients.shuffle(&mut rand::thread_rng());
        match fetch_metadata(committee, blob_id, &clients).await {
            Ok(metadata) => Ok(Self {
                committee: committee.clone(),
                blob_id: *blob_id,
                metadata: Arc::new(metadata),
            }),
            Err(reason) => {
                if blob_status(committee, blob_id).await.state == BlobState::Invalid {
                    return Err(SdkError::BlobInvalid { blob_id: *blob_id });
                }
                Err(SdkError::Unavailable {
                    blob_id: *blob_id,
                    reason,
                })
            }
        }
    }

    /// The blob's id.
    pub fn blob_id(&self) -> BlobId {
        self.blob_id
    }

    /// The blob's size in bytes.
    pub fn size(&self) -> u64 {
        self.metadata.unencoded_length()
    }

    /// Bytes of each source sliver (row).
    fn row_bytes(&self) -> u64 {
        self.metadata
            .config()
            .primary_sliver_size(self.metadata.symbol_size())
    }

    /// The source slivers holding `range` (which must lie inside the blob).
    pub fn rows_of(&self, range: &Range<u64>) -> Range<u16> {
        if range.is_empty() {
            return 0..0;
        }
        let row = self.row_bytes();
        (range.start / row) as u16..(range.end.div_ceil(row)) as u16
    }

    /// The bytes of `range` (inside the blob) in order, in one chunk per source sliver. The
    /// stream ends with an error when the blob cannot be read.
    pub fn stream(
        self,
        range: Range<u64>,
    ) -> impl Stream<Item = Result<Bytes, SdkError>> + Send + 'static {
        let (sender, receiver) = mpsc::channel(1);
        tokio::spawn(self.produce(range, sender));
        stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|chunk| (chunk, receiver))
        })
    }

    /// Sends the chunks of `range` to `sender` until done, failed, or the receiver is gone.
    /// Each source sliver is downloaded alone, so that the first arrives as early as the
    /// nodes allow; the next download starts as soon as one ends, while the sliver just in is
    /// checked and sent.
    async fn produce(self, range: Range<u64>, sender: mpsc::Sender<Result<Bytes, SdkError>>) {
        let holders = self.holders();
        let row_bytes = self.row_bytes();
        let mut rows = self.rows_of(&range);
        let download = |row: u16| {
            let holder = holders.get(&row).cloned();
            let metadata = self.metadata.clone();
            // Runs as its own task, so that it goes on while the sliver before it is checked
            // and written; dropping the handle stops it.
            let (task, handle) =
                async move { download_row(&metadata, row, holder).await }.remote_handle();
            tokio::spawn(task);
            (row, handle)
        };
        let mut next = rows.next().map(download);
        while let Some((row, downloading)) = next.take() {
            let waited = Instant::now();
            let received = downloading.await;
            next = rows.next().map(download);
            let metadata = &*self.metadata;
            let checking = Instant::now();
            let checked = received.and_then(|(holder, received)| {
                run_blocking(|| received.verify(metadata))
                    .map_err(|error| format!("{holder}: sliver {row}: {error}"))?;
                Ok(received.into_sliver())
            });
            tracing::debug!(
                blob_id = %self.blob_id,
                row,
                waited_ms = (checking - waited).as_secs_f64() * 1e3,
                checked_ms = checking.elapsed().as_secs_f64() * 1e3,
                "source sliver in"
            );
            let row_start = u64::from(row) * row_bytes;
            let chunk = match checked {
                Ok(sliver) => {
                    let within = clip(&range, row_start..row_start + row_bytes);
                    Bytes::from(sliver.data).slice(within)
                }
                Err(reason) => {
                    tracing::info!(blob_id = %self.blob_id, row, %reason, "decoding the blob");
                    drop(next);
                    let rest = range.start.max(row_start)..range.end;
                    let decoded = read_blob(&self.committee, &self.blob_id, &NoProgress).await;
                    let _ = sender
                        .send(decoded.map(|blob| {
                            Bytes::from(blob).slice(rest.start as usize..rest.end as usize)
                        }))
                        .await;
                    return;
                }
            };
            if sender.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
    }

    /// The client of the node holding each primary sliver.
    fn holders(&self) -> HashMap<u16, NodeClient> {
        self.committee
            .members
            .iter()
            .enumerate()
            .filter_map(|(index, member)| Some((index, member.client.as_ref()?)))
            .flat_map(|(index, client)| {
                self.committee
                    .pairs_of(index, &self.blob_id)
                    .into_iter()
                    .map(move |pair| (pair, client.clone()))
            })
            .collect()
    }
}

/// Source sliver `row` downloaded from its holder, unchecked, with the holder's URL.
async fn download_row(
    metadata: &VerifiedBlobMetadata,
    row: u16,
    holder: Option<NodeClient>,
) -> Result<(String, ReceivedSliver), String> {
    let holder = holder.ok_or_else(|| format!("no node with an address holds sliver {row}"))?;
    let received = with_retries(|| holder.sliver(metadata, row, SliverKind::Primary))
        .await
        .map_err(|error| error.to_string())?;
    Ok((holder.url().to_owned(), received))
}

/// The part of `row` (blob offsets) inside `range`, as offsets into the row.
fn clip(range: &Range<u64>, row: Range<u64>) -> Range<usize> {
    let start = range.start.max(row.start) - row.start;
    let end = range.end.min(row.end) - row.start;
    start as usize..end as usize
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn ranges_clip_to_rows() {
        assert_eq!(clip(&(5..25), 0..10), 5..10);
        assert_eq!(clip(&(5..25), 10..20), 0..10);
        assert_eq!(clip(&(5..25), 20..30), 0..5);
        assert_eq!(clip(&(12..13), 10..20), 2..3);
    }
}

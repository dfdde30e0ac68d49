//! A storage node served on a local port without a chain, for tests of its API: its
//! committee is fixed, its store is real. Compiled for tests and in `failpoints` builds.

use std::{net::SocketAddr, path::Path, sync::Arc};

use walrus_chain::{client::LedgerClient, contract::ObjectId};
use walrus_core::{
    EncodingConfig,
    keys::bls::BlsKeyPair,
    messages::{Committee, CommitteeMember},
};
use walrus_sdk::{CommitteeView, Member, NodeClient, api::MAX_REQUEST_BODY};

use crate::{state::NodeContext, storage::NodeStorage};

/// A node whose API is served until it is dropped.
pub struct TestNode {
    /// Its context: store, metrics, epoch view.
    pub context: Arc<NodeContext>,
    address: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl TestNode {
    /// A node storing into `dir` and holding `shards` of `n_shards` in `epoch`; another
    /// member of the committee holds the other shards.
    pub async fn start(dir: &Path, n_shards: u16, shards: &[u16], epoch: u32) -> Self {
        let key = BlsKeyPair::generate(&mut rand::thread_rng());
        let other = BlsKeyPair::generate(&mut rand::thread_rng());
        let rest: Vec<u16> = (0..n_shards).filter(|s| !shards.contains(s)).collect();
        let member = |key: &BlsKeyPair, shards: Vec<u16>| Member {
            node_id: ObjectId::ZERO,
            name: String::new(),
            public_key: *key.public_key(),
            shards,
            client: None,
        };
        let members = vec![member(&key, shards.to_vec()), member(&other, rest)];
        let committee = Committee::new(
            epoch,
            members
                .iter()
                .map(|member| CommitteeMember {
                    public_key: member.public_key,
                    weight: member.weight(),
                })
                .collect(),
        )
        .expect("a valid test committee");
        let view = CommitteeView {
            members,
            committee,
            encoding: EncodingConfig::new(n_shards).expect("a valid shard count"),
            storage_price: 1,
            write_price: 1,
            max_epochs_ahead: 10,
        };
        let storage = NodeStorage::open(dir).expect("a store in a fresh directory");
        // Nothing listens there: these nodes never reach the chain.
        let chain = LedgerClient::new("http://127.0.0.1:9");
        let context = NodeContext::new(
            key,
            storage,
            chain,
            ObjectId::ZERO,
            ObjectId::ZERO,
            reqwest::Client::new(),
            view,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("a bound address");
        let router = crate::api::router(context.clone(), MAX_REQUEST_BODY);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serving");
        });
        Self {
            context,
            address,
            server,
        }
    }

    /// The API's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// A client of the API.
    pub fn client(&self) -> NodeClient {
        NodeClient::new(&self.url(), reqwest::Client::new())
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.server.abort();
    }
}

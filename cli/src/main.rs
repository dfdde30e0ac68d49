//! `walrus`: the command-line tool of the Walrus blob store.

mod commands;
mod flow_progress;
mod input;
mod progress;
mod report;
mod service;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Walrus: a decentralized blob store coordinated by the Sui chain.
#[derive(Debug, Parser)]
#[command(name = "walrus", version, about, propagate_version = true)]
struct Cli {
    /// Print machine-readable JSON instead of text, and no progress bars.
    #[arg(long, global = true)]
    json: bool,

    #[command(flatten)]
    wallet: commands::wallet::WalletArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Benchmark whole flows.
    Bench {
        #[command(subcommand)]
        bench: commands::bench::Bench,
    },
    /// Compute the blob id of a file without storing it.
    BlobId(commands::blob_id::Args),
    /// A blob's status as the storage nodes see it.
    BlobStatus(commands::blobs::BlobArg),
    /// Run a whole Walrus network on this machine: ledger, storage nodes, Postgres, indexer
    /// and API.
    Devnet(commands::devnet::Args),
    /// Delete the wallet's deletable registrations of a blob.
    Delete(commands::blobs::BlobArg),
    /// Extend the wallet's certified blob by some epochs.
    Extend(commands::blobs::ExtendArgs),
    /// Ask a devnet ledger's faucet for WAL.
    Faucet(commands::faucet::Args),
    /// Propose, vote on and execute changes of the governed parameters.
    Governance {
        #[command(subcommand)]
        command: commands::governance::GovernanceCommand,
    },
    /// List the wallet's blobs.
    ListBlobs,
    /// List the wallet's stakes.
    ListStakes,
    /// List the patches of a quilt: identifier, patch id and tags.
    ListPatchesInQuilt(commands::quilt::ListArgs),
    /// Set up, register or run a storage node.
    Node {
        #[command(subcommand)]
        command: commands::node::NodeCommand,
    },
    /// A node operator's commission and price votes.
    NodeAdmin {
        #[command(subcommand)]
        command: commands::node_admin::NodeAdminCommand,
    },
    /// Read a blob and check it against its id.
    Read(commands::read::Args),
    /// Read patches of a quilt into a directory, fetching only the slivers holding them.
    ReadQuilt(commands::quilt::ReadArgs),
    /// Ask to withdraw a stake: it leaves its pool at the next epoch.
    RequestWithdraw(commands::stake::StakeArg),
    /// Stake WAL with a storage node.
    Stake(commands::stake::StakeArgs),
    /// Withdraw a stake (with its rewards) to the wallet.
    Withdraw(commands::stake::StakeArg),
    /// Store files: encode, register, upload to the storage nodes, certify.
    Store(commands::store::Args),
    /// Store many files as one quilt: one blob with an index, one registration and one
    /// certification for all.
    StoreQuilt(commands::quilt::StoreArgs),
    /// Encode a file into sliver pairs, check they decode, and show where each pair goes.
    Encode(commands::encode::Args),
    /// Run the embedded ledger: the contract, checkpoints and an HTTP API.
    Ledger(commands::ledger::Args),
    /// Follow the chain's checkpoints into Postgres.
    Indexer(commands::indexer::Args),
    /// Serve the GraphQL API and the REST publisher and aggregator.
    Api(commands::api::Args),
    /// Show protocol information.
    Info {
        #[command(subcommand)]
        topic: commands::info::Topic,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = report::Output::new(cli.json);
    if !matches!(
        cli.command,
        Command::Ledger(_)
            | Command::Indexer(_)
            | Command::Api(_)
            | Command::Node {
                command: commands::node::NodeCommand::Run { .. }
            }
    ) {
        service::init_logging("warn");
    }
    let result = match cli.command {
        Command::Bench { bench } => commands::bench::run(bench, &output),
        Command::BlobId(args) => commands::blob_id::run(args, &output),
        Command::BlobStatus(args) => commands::blobs::status(args, &cli.wallet, &output),
        Command::Devnet(args) => commands::devnet::run(args, &output),
        Command::Delete(args) => commands::blobs::delete(args, &cli.wallet, &output),
        Command::Extend(args) => commands::blobs::extend(args, &cli.wallet, &output),
        Command::Faucet(args) => commands::faucet::run(args, &cli.wallet, &output),
        Command::Governance { command } => commands::governance::run(command, &cli.wallet, &output),
        Command::ListBlobs => commands::blobs::list(&cli.wallet, &output),
        Command::ListStakes => commands::stake::list(&cli.wallet, &output),
        Command::ListPatchesInQuilt(args) => commands::quilt::list(args, &cli.wallet, &output),
        Command::ReadQuilt(args) => commands::quilt::read(args, &cli.wallet, &output),
        Command::StoreQuilt(args) => commands::quilt::store(args, &cli.wallet, &output),
        Command::NodeAdmin { command } => commands::node_admin::run(command, &cli.wallet, &output),
        Command::RequestWithdraw(args) => {
            commands::stake::request_withdraw(args, &cli.wallet, &output)
        }
        Command::Stake(args) => commands::stake::stake(args, &cli.wallet, &output),
        Command::Withdraw(args) => commands::stake::withdraw(args, &cli.wallet, &output),
        Command::Node { command } => commands::node::run(command, &output),
        Command::Read(args) => commands::read::run(args, &cli.wallet, &output),
        Command::Store(args) => commands::store::run(args, &cli.wallet, &output),
        Command::Encode(args) => commands::encode::run(args, &output),
        Command::Info { topic } => commands::info::run(topic, &cli.wallet, &output),
        Command::Ledger(args) => commands::ledger::run(args),
        Command::Indexer(args) => commands::indexer::run(args),
        Command::Api(args) => commands::api::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output.error(&error);
            ExitCode::FAILURE
        }
    }
}

//! `walrus`: the command-line tool of the Walrus blob store.

mod commands;
mod input;
mod progress;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Walrus: a decentralized blob store coordinated by the Sui chain.
#[derive(Debug, Parser)]
#[command(name = "walrus", version, about, propagate_version = true)]
struct Cli {
    /// Print machine-readable JSON instead of text, and no progress bars.
    #[arg(long, global = true)]
    json: bool,

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
    /// Encode a file into sliver pairs, check they decode, and show where each pair goes.
    Encode(commands::encode::Args),
    /// Run the embedded ledger: the contract, checkpoints and an HTTP API.
    Ledger(commands::ledger::Args),
    /// Follow the chain's checkpoints into Postgres.
    Indexer(commands::indexer::Args),
    /// Show protocol information.
    Info {
        #[command(subcommand)]
        topic: commands::info::Topic,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = report::Output::new(cli.json);
    let result = match cli.command {
        Command::Bench { bench } => commands::bench::run(bench, &output),
        Command::BlobId(args) => commands::blob_id::run(args, &output),
        Command::Encode(args) => commands::encode::run(args, &output),
        Command::Info { topic } => commands::info::run(topic, &output),
        Command::Ledger(args) => commands::ledger::run(args),
        Command::Indexer(args) => commands::indexer::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output.error(&error);
            ExitCode::FAILURE
        }
    }
}

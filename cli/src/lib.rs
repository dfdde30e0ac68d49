//! The library side of the `walrus` tool: what its commands and its whole-system tests share.

pub mod demo;
pub mod devnet;
pub mod graphql_client;
pub mod local_network;
pub mod netns;
pub mod process;
pub mod supervisor;

//! Pulseboard's engine: the GitHub client, sync, metrics and storage. Server side only;
//! nothing here is ever compiled to WASM.

pub mod auth;
pub mod clients;
pub mod db;
pub mod error;
pub mod facts;
pub mod github;
pub mod ingest;
pub mod metrics;
pub mod npm;
pub mod pg;
pub mod service;
pub mod sync;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{Error, Result};
pub use service::Engine;

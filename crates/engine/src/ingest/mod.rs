//! From GitHub's answers to rows: pure mappings, one module per aggregate, from the REST
//! and GraphQL shapes the sync reads to the rows `db`'s one writer per aggregate takes.
//! The webhook applier will add payload mappings beside them and call the same writers.

pub mod actions;
pub mod commits;
pub mod community;
pub mod deployments;
pub mod issues;
pub mod pulls;
pub mod releases;

//! Every number Pulseboard shows is computed here, from GitHub's raw facts, and defined in
//! METRICS.md. Pure functions over rows; the database only supplies the facts.

pub mod flow;
pub mod stats;
pub mod throughput;

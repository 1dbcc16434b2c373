//! A GitHub simulator: GitHub's REST wire format, OAuth web flow and pagination over a
//! deterministic, seeded world, so tests, benchmarks and the demo never need github.com.

#![recursion_limit = "256"]

pub mod activity;
pub mod app;
pub mod control;
pub mod data;
pub mod faults;
mod generate;
pub mod graphql;
pub mod hostile;
pub mod json;
pub mod limits;
pub mod media;
pub mod npm;
pub mod oauth;
pub mod pagination;
pub mod rest;
pub mod rest_org;
pub mod rest_repo;
pub mod scenario;
pub mod server;
pub mod webhooks;

pub use data::{
    Issue, IssueState, Permission, PullRequest, PullState, Repository, Size, User, World,
};
pub use faults::{Fault, FaultRule};
pub use limits::{RateLimit, SecondaryLimits, Stats};
pub use server::{RunningSimulator, SimConfig, Simulator};

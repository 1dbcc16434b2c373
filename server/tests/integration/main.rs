//! The server over HTTP and its command line, as people and GitHub reach them: one test
//! binary (each file a module) so that the test build links the server once for them all.
//! `stalled_pages.rs` stays a binary of its own: what it sets is global to the process.

mod support;

mod cli;
mod events;
mod oauth;
mod security;
mod slice;

//! The simulator over HTTP, as its clients see it: one test binary (each file a module)
//! so that the test build links the simulator once, not once per file.

mod support;

mod app;
mod endpoints;
mod faults;
mod graphql;
mod limits;
mod oauth;
mod scenario;
mod webhooks;
mod wire;

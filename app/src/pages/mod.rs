pub mod auth_error;
pub mod dora;
pub mod home;
pub mod metric;
pub mod not_found;
pub mod organisation;
pub mod overview;
pub mod repo;
pub mod repositories;
pub mod settings;
pub mod sync;
pub mod teams;

/// The URL's query parameter `key` ("" when absent), read guarded: parts of a page are
/// built after their data comes, and a request whose reader went away may have disposed of
/// the query by then (leptos-rs/leptos issue 4590). A live query reads, and is tracked,
/// as with `read()`.
pub(crate) fn query_param(
    query: leptos::prelude::Memo<leptos_router::params::ParamsMap>,
    key: &str,
) -> String {
    use leptos::prelude::Read as _;
    query
        .try_read()
        .and_then(|q| q.get(key))
        .unwrap_or_default()
}

/// The date (`YYYY-MM-DD`) of an RFC 3339 time as the engine writes them (UTC).
pub fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

//! What the server derives from a value the engine keeps, kept as long as that value.
//!
//! The engine keeps a report (and the other things a page shows) as one `Arc` per key of
//! its data, for as long as the data and its cache's time allow
//! (`engine::metrics::ReportCache`). Whatever is only a function of such a value renders
//! or derives the same every time: [`derived`] computes it once per value, and [`html`]
//! renders a part of a page once per value, writing the kept HTML on later requests. That
//! HTML comes from Leptos' own rendering (escaped as always), so nothing is written raw
//! that Leptos did not write.
//!
//! An entry holds a [`std::sync::Weak`] to its value, which keeps the value's address
//! from being reused: an entry can only ever be found by the value it was made from. The
//! entries expire with the engine's own ([`TTL`]) and are bounded in bytes ([`BYTES`]).

use leptos::prelude::*;
use std::sync::Arc;

/// How long an entry lives at most (the engine keeps a report a minute; a value it no
/// longer keeps is not asked for again, so the entry only waits to expire).
#[cfg(feature = "ssr")]
pub const TTL: std::time::Duration = std::time::Duration::from_secs(120);

/// How many bytes are kept at most, over all entries (as each entry weighs itself).
#[cfg(feature = "ssr")]
pub const BYTES: u64 = 32 << 20;

#[cfg(feature = "ssr")]
type Erased = Arc<dyn std::any::Any + Send + Sync>;

/// Which derivation of which value: its name, its variant, what it makes and the value's
/// address.
#[cfg(feature = "ssr")]
type Key = (&'static str, &'static str, std::any::TypeId, usize);

/// The value (kept from being dropped and replaced at the same address), what was derived
/// from it, and about how many bytes that holds.
#[cfg(feature = "ssr")]
#[derive(Clone)]
struct Entry {
    from: std::sync::Weak<dyn std::any::Any + Send + Sync>,
    derived: Erased,
    bytes: u32,
}

#[cfg(feature = "ssr")]
fn cache() -> &'static moka::future::Cache<Key, Entry> {
    static CACHE: std::sync::OnceLock<moka::future::Cache<Key, Entry>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        moka::future::Cache::builder()
            .max_capacity(BYTES)
            .weigher(|_, e: &Entry| e.bytes)
            .time_to_live(TTL)
            .build()
    })
}

/// `derive(value)`, named `name` (one name per kind of derivation, with a `variant` when
/// it has several forms, as a page's tabs, or `""`), computed once per value and shared
/// afterwards; `bytes` says about how much it holds.
#[cfg(feature = "ssr")]
pub async fn derived<T, U>(
    (name, variant): (&'static str, &'static str),
    value: &Arc<T>,
    derive: impl FnOnce(&T) -> U,
    bytes: impl FnOnce(&U) -> usize,
) -> Arc<U>
where
    T: Send + Sync + 'static,
    U: Send + Sync + 'static,
{
    let key = (
        name,
        variant,
        std::any::TypeId::of::<U>(),
        Arc::as_ptr(value) as *const () as usize,
    );
    // Concurrent first asks wait for one derivation. The entry's `Weak` keeps the
    // address, so an entry found here was made from this very value.
    let entry = cache()
        .get_with(key, async {
            let made = Arc::new(derive(value));
            let from: Erased = value.clone();
            Entry {
                from: Arc::downgrade(&from),
                bytes: u32::try_from(bytes(&made)).unwrap_or(u32::MAX),
                derived: made,
            }
        })
        .await;
    debug_assert!(entry.from.strong_count() > 0);
    // The key names the type made.
    entry
        .derived
        .downcast::<U>()
        .unwrap_or_else(|_| unreachable!("kept under its type"))
}

/// The view `part` renders of `value`, named `name` (as [`derived`]), rendered once per
/// value on the server and written from the kept HTML afterwards; `part` must
/// depend on `value` alone and hold no island. In the browser (where such a part is never
/// rendered, as islands do not hold it) it renders as any view.
pub async fn html<T, V>(
    name: (&'static str, &'static str),
    value: &Arc<T>,
    part: impl FnOnce() -> V,
) -> AnyView
where
    T: Send + Sync + 'static,
    V: IntoView + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let html: Arc<String> = derived(name, value, |_| part().to_html(), String::len).await;
        leptos::tachys::html::InertElement::new(String::clone(&html)).into_any()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (name, value);
        part().into_any()
    }
}

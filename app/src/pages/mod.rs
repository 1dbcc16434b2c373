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

/// Each page is a lazy route: with `cargo leptos build --split` its code is a WASM chunk of
/// its own, fetched when the page is visited (the server names it in the page's `<head>`),
/// so the first download is the shell and the page in view, not every page. Without
/// `--split` (debug builds) the same code runs in the one module. A page's data is loaded by
/// its own component (resources created when it renders), so `data` is empty.
macro_rules! lazy_pages {
    ($($route:ident => $module:ident::$page:ident),* $(,)?) => {
        $(
            #[doc = concat!("The lazy route of `", stringify!($module), "::", stringify!($page), "`.")]
            pub struct $route;

            #[leptos_router::lazy_route]
            impl leptos_router::LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(this: Self) -> leptos::prelude::AnyView {
                    let _ = this;
                    leptos::prelude::IntoAny::into_any($module::$page())
                }
            }
        )*
    };
}

lazy_pages! {
    HomeRoute => home::Home,
    OverviewRoute => overview::Overview,
    DoraRoute => dora::DoraPage,
    MetricRoute => metric::MetricPage,
    RepositoriesRoute => repositories::RepositoriesPage,
    RepositoryRoute => repo::RepositoryPage,
    SettingsRoute => settings::SettingsPage,
    TeamsRoute => teams::TeamsPage,
    OrganisationRoute => organisation::OrganisationPage,
    SyncRoute => sync::SyncPage,
}

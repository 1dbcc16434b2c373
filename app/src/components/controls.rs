//! The controls every metrics page shares: scope, period, DORA report (and the grain where
//! a page is cut into parts), kept in the URL.

use leptos::prelude::*;

use crate::api::AppError;

/// Scope, period and DORA report: a plain GET form (the page is the server's), so the URL
/// always says what is shown. `params` reads (scope, from, to, report) from the URL.
#[component]
pub fn Controls(
    /// The page the form shows (`/overview`, `/dora`, `/metrics/NAME`).
    #[prop(into)]
    action: String,
    params: impl Fn() -> (String, String, String, String) + Copy + Send + Sync + 'static,
    /// The scopes to pick from; none on a page of one scope (a repository, the teams).
    #[prop(optional)]
    choices: Option<Resource<Result<std::sync::Arc<Vec<crate::api::ScopeChoice>>, AppError>>>,
    /// Whether the page is cut into parts (day, week, month), kept in `grain`.
    #[prop(optional)]
    grain: bool,
    /// A tab the page keeps across a change of period, kept in `tab`.
    #[prop(optional)]
    tab: Option<Signal<String>>,
) -> impl IntoView {
    // The router's query only where a grain is picked: a page may build these controls
    // after its data comes, when a request whose reader went away may have lost its
    // router (leptos-rs/leptos issue 4590); the DORA page builds them at once.
    let query = grain.then(leptos_router::hooks::use_query_map);
    let current_grain = move || {
        query
            .map(|q| crate::pages::query_param(q, "grain"))
            .unwrap_or_default()
    };
    view! {
        <form method="get" action=action class="controls" aria-label="What to show">
            {tab.map(|tab| view! { <input type="hidden" name="tab" value=move || tab.get()/> })}
            {choices.map(|choices| view! { <label>
                "Scope "
                <Suspense fallback=move || view! { <select name="scope" id="scope"><option value=params().0>{params().0}</option></select> }>
                    {move || Suspend::new(async move {
                        let current = params().0;
                        let list = choices.await.unwrap_or_default();
                        // A scope the URL names that is not among the choices (a team, a
                        // repository seen but not followed) stays what is shown and chosen,
                        // second after everything followed.
                        let same = |c: &crate::api::ScopeChoice| {
                            c.scope.eq_ignore_ascii_case(&current) || (current.is_empty() && c.scope == "tracked")
                        };
                        let named = (!current.is_empty() && !list.iter().any(same))
                            .then(|| crate::api::ScopeChoice { scope: current.clone(), label: scope_label(&current) });
                        let options = list.iter().take(1).chain(named.iter()).chain(list.iter().skip(1)).map(|c| {
                            let selected = same(c);
                            view! { <option value=c.scope.clone() selected=selected>{c.label.clone()}</option> }
                        }).collect_view();
                        view! { <select name="scope" id="scope">{options}</select> }
                    })}
                </Suspense>
            </label> })}
            {move || {
                let (from, to) = period_shown(params().1, params().2);
                view! {
                    <label>"From " <input type="date" name="from" id="from" value=from/></label>
                    <label>"To (exclusive) " <input type="date" name="to" id="to" value=to/></label>
                }
            }}
            <label>
                "DORA report "
                <select name="report" id="report">
                    <option value="2023" selected=move || params().3 != "2024">"2023"</option>
                    <option value="2024" selected=move || params().3 == "2024">"2024"</option>
                </select>
            </label>
            {grain.then(|| view! {
                <label>
                    "Per "
                    <select name="grain" id="grain">
                        <option value="day" selected=move || current_grain() == "day">"day"</option>
                        <option value="week" selected=move || !matches!(current_grain().as_str(), "day" | "month")>"week"</option>
                        <option value="month" selected=move || current_grain() == "month">"month"</option>
                    </select>
                </label>
            })}
            <button type="submit" class="primary" id="apply">"Show"</button>
        </form>
    }
}

/// The period's dates as the date fields show them: those of the URL, and where it names
/// none, the period the page shows by default (`api::metrics::period`, as the pages' data
/// reads it: the 30 days to the end of today, UTC), so that no field is blank while the
/// page shows a period. A date the URL gets wrong stays as written: the page says what is
/// wrong with it.
fn period_shown(from: String, to: String) -> (String, String) {
    #[cfg(feature = "ssr")]
    if let Ok((f, t)) = crate::api::metrics::period(&from, &to) {
        return (
            f.format("%Y-%m-%d").to_string(),
            t.format("%Y-%m-%d").to_string(),
        );
    }
    (from, to)
}

/// A scope as a page words it: `tracked` is "everything you follow", `org:acme` "acme
/// (organisation or account)", `team:acme/web` "team web of acme"; a repository's
/// `owner/name` stays.
pub fn scope_label(scope: &str) -> String {
    if scope == "tracked" || scope.is_empty() {
        return "Everything you follow".into();
    }
    if let Some(owner) = scope.strip_prefix("org:") {
        return format!("{owner} (organisation)");
    }
    if let Some(owner) = scope.strip_prefix("user:") {
        return format!("{owner} (account)");
    }
    if let Some((org, slug)) = scope.strip_prefix("team:").and_then(|t| t.split_once('/')) {
        return format!("team {slug} of {org}");
    }
    scope.to_string()
}

/// A page's address with its scope in the query, encoded (`/overview?scope=acme%2Fapi`).
pub fn scoped(page: &str, scope: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("scope", scope)
        .finish();
    format!("{page}?{query}")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::period_shown;

    #[test]
    fn blank_date_fields_show_the_period_the_page_shows() {
        let owned = |a: &str, b: &str| (a.to_string(), b.to_string());
        // 30 days before 30 November is 31 October.
        assert_eq!(
            period_shown("".into(), "2026-11-30".into()),
            owned("2026-10-31", "2026-11-30")
        );
        assert_eq!(
            period_shown("2026-01-01".into(), "2026-02-01".into()),
            owned("2026-01-01", "2026-02-01")
        );
        // A wrong date stays as written (the page says what is wrong).
        assert_eq!(
            period_shown("2026-13-01".into(), "".into()),
            owned("2026-13-01", "")
        );
    }
}

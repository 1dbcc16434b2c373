//! The controls every metrics page shares: scope, period and DORA report, kept in the URL.

use leptos::prelude::*;
use leptos_router::components::Form;

use crate::api::AppError;

/// Scope, period and DORA report: a GET form, so it works before the WASM loads and the
/// URL always says what is shown. `params` reads (scope, from, to, report) from the URL.
#[component]
pub fn Controls(
    /// The page the form shows (`/overview`, `/dora`).
    action: &'static str,
    params: impl Fn() -> (String, String, String, String) + Copy + Send + Sync + 'static,
    choices: Resource<Result<Vec<crate::api::ScopeChoice>, AppError>>,
) -> impl IntoView {
    view! {
        <Form method="GET" action=action attr:class="controls" attr:aria-label="What to show">
            <label>
                "Scope "
                <Suspense fallback=move || view! { <select name="scope" id="scope"><option value=params().0>{params().0}</option></select> }>
                    {move || Suspend::new(async move {
                        let current = params().0;
                        let list = choices.await.unwrap_or_default();
                        view! {
                            <select name="scope" id="scope">
                                {list.into_iter().map(|c| {
                                    let selected = c.scope == current || (current.is_empty() && c.scope == "tracked");
                                    view! { <option value=c.scope.clone() selected=selected>{c.label}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
            </label>
            <label>"From " <input type="date" name="from" id="from" value=move || params().1/></label>
            <label>"To (exclusive) " <input type="date" name="to" id="to" value=move || params().2/></label>
            <label>
                "DORA report "
                <select name="report" id="report">
                    <option value="2023" selected=move || params().3 != "2024">"2023"</option>
                    <option value="2024" selected=move || params().3 == "2024">"2024"</option>
                </select>
            </label>
            <button type="submit" class="primary" id="apply">"Show"</button>
        </Form>
    }
}

/// A page's address with its scope in the query, encoded (`/overview?scope=acme%2Fapi`).
pub fn scoped(page: &str, scope: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("scope", scope)
        .finish();
    format!("{page}?{query}")
}

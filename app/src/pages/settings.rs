//! A repository's settings page (`/repos/OWNER/NAME/settings`): how its numbers are
//! decided (METRICS.md, "Settings"): where deployments come from, which environments are
//! production, what makes an incident, who is a bot, severities and SLAs, its npm
//! package. Everyone who may see the repository reads them; those GitHub lets administer
//! or maintain it change them (a plain form: it works before the WASM loads).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use wire::SettingsView;

use crate::api::{repository_settings, AppError, SaveRepositorySettings};
use crate::components::details::source_label;
use crate::components::load_error::LoadError;

/// `text` with its first letter upper case.
fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The deployment sources' stored names, the automatic choice first.
const SOURCES: [&str; 5] = [
    "auto",
    "deployments",
    "workflow_runs",
    "releases",
    "merged_pull_requests",
];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let params = use_params_map();
    let full_name = crate::pages::repo::repository_name(params);
    let view_of = Resource::new(full_name, repository_settings);
    view! {
        <Title text=move || format!("Settings of {}", full_name())/>
        <section class="panel">
            <div class="panel-head">
                <h1>"Settings of " <a href=move || format!("/repos/{}", full_name())>{full_name}</a></h1>
                <a href=move || crate::components::controls::scoped("/dora", &full_name())>"DORA"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_of.await {
                        Ok(v) => view! { <SettingsForm v/> }.into_any(),
                        Err(e) => view! { <LoadError e testid="settings-error"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The form and what saving it did: an island (the form posts without the WASM too).
#[island]
fn SettingsForm(v: SettingsView) -> impl IntoView {
    let save = ServerAction::<SaveRepositorySettings>::new();
    let s = v.settings.clone();
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let joined = |o: &Option<Vec<String>>| o.clone().unwrap_or_default().join(", ");
    let current = text(&s.deployment_source);
    let hours = s
        .sla_hours
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let disabled = !v.can_change;
    // The source in use after the last save that succeeded (a refused one changes
    // nothing), else as loaded.
    let saved = RwSignal::new(v.source_in_use.clone());
    Effect::new(move |_| {
        if let Some(Ok(after)) = save.value().get() {
            saved.set(after.source_in_use);
        }
    });
    let in_use = move || source_label(&saved.get());
    let options = SOURCES
        .iter()
        .map(|key| view! { <option value=*key selected=current == *key>{capitalised(source_label(key))}</option> })
        .collect_view();
    view! {
        <p data-testid="source-in-use">"The numbers use now: " <strong>{in_use}</strong> "."</p>
        {(!v.can_change).then(|| view! {
            <p class="notice" data-testid="settings-read-only">"Only people GitHub lets administer or maintain this repository may change its settings; you may read them."</p>
        })}
        <ActionForm action=save attr:class="settings" attr:aria-label="Settings">
            <input type="hidden" name="repository" value=v.repository.clone()/>
            <fieldset disabled=disabled>
                <legend>"Deployments (DORA)"</legend>
                <label>"Where deployments come from "
                    <select name="deployment_source" id="deployment_source">{options}</select>
                </label>
                <label>"Production environments (pattern) "
                    <input type="text" name="production_environments" id="production_environments" value=text(&s.production_environments)/>
                </label>
                <label>"Deployment workflows, by name or path (pattern) "
                    <input type="text" name="deployment_workflows" id="deployment_workflows" value=text(&s.deployment_workflows)/>
                </label>
                <label>"Incident labels (comma-separated) "
                    <input type="text" name="incident_labels" id="incident_labels" value=joined(&s.incident_labels)/>
                </label>
                <label>"Days after a deployment an incident is put on it (1-365) "
                    <input type="number" min="1" max="365" name="incident_window_days" id="incident_window_days" value=s.incident_window_days.unwrap_or(7)/>
                </label>
                <label class="check">
                    <input type="checkbox" name="revert_failures" id="revert_failures" checked=s.revert_failures.unwrap_or(true)/>
                    " A merged revert fails the deployment that shipped the change"
                </label>
            </fieldset>
            <fieldset disabled=disabled>
                <legend>"Bots"</legend>
                <label>"More bot logins (comma-separated) "
                    <input type="text" name="bot_logins" id="bot_logins" value=joined(&s.bot_logins)/>
                </label>
                <label>"Bot pull request titles (pattern; empty for none) "
                    <input type="text" name="bot_title_pattern" id="bot_title_pattern" value=text(&s.bot_title_pattern)/>
                </label>
            </fieldset>
            <fieldset disabled=disabled>
                <legend>"Issue severities and SLAs"</legend>
                {["critical", "high", "medium", "low"].into_iter().enumerate().map(|(k, name)| view! {
                    <label>{format!("Labels of {name} issues (comma-separated) ")}
                        <input type="text" name=format!("{name}_labels") id=format!("{name}_labels") value=joined(&s.severity_labels[k])/>
                    </label>
                }).collect_view()}
                <label>"Resolution SLAs in hours: critical, high, medium, low "
                    <input type="text" name="sla_hours" id="sla_hours" value=hours/>
                </label>
            </fieldset>
            <fieldset disabled=disabled>
                <legend>"Downloads"</legend>
                <label>"npm package (name or @scope/name; empty for none) "
                    <input type="text" name="npm_package" id="npm_package" value=text(&s.npm_package)/>
                </label>
            </fieldset>
            <p class="muted small">"Patterns are regular expressions (Rust's regex), matched without regard to case. Saving derives the repository's numbers again under the new settings."</p>
            <button type="submit" class="primary" id="save-settings" disabled=move || disabled || save.pending().get()>"Save"</button>
        </ActionForm>
        <div role="status" aria-live="polite">
            {move || match save.value().get() {
                Some(Ok(_)) => view! { <p class="notice" data-testid="settings-saved">"Saved: the numbers follow the new settings."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" data-testid="settings-error">{error_text(e)}</p> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

fn error_text(e: AppError) -> String {
    match e {
        AppError::Forbidden(_) => {
            "Only people GitHub lets administer or maintain this repository may change its settings.".into()
        }
        other => other.to_string(),
    }
}

//! The lists behind a scope's figures (`wire::ScopeDetails`, METRICS.md "Open pull
//! requests", "Contributors", "Deployments by environment", "Activity"): tables that
//! render on the server and need no WASM.

use leptos::prelude::*;
use wire::{ActivityEvent, Contributors, EnvironmentDeployments, OpenPullRequests, ReleaseRow};

use crate::components::figure::{number, with_unit};
use crate::components::local_time::LocalTime;

/// A stage as people read it.
pub fn stage_label(stage: &str) -> &'static str {
    match stage {
        "draft" => "Draft",
        "waiting_for_review" => "Waiting for review",
        "in_review" => "In review",
        "approved" => "Approved",
        _ => "Open",
    }
}

/// Hours as the page words a duration (`3.5 h`, `12 d`).
fn hours(h: f64) -> String {
    with_unit(h, wire::Unit::Hours)
}

/// Open pull requests, each linking to its repository's page: how long open, in which
/// stage and for how long, and its size.
#[component]
pub fn OpenPulls(
    pulls: OpenPullRequests,
    /// Whether the list is the overview's (pull requests waiting for a first review).
    #[prop(optional)]
    waiting: bool,
    /// What to say when there is none.
    empty: &'static str,
) -> impl IntoView {
    if pulls.list.is_empty() {
        return view! { <p class="muted" data-testid="open-pulls-empty">{empty}</p> }.into_any();
    }
    let shown = pulls.list.len() as i64;
    let more = (pulls.total > shown).then(|| {
        format!(
            "The {shown} {} of {} {}.",
            if waiting { "longest waiting" } else { "oldest" },
            number(pulls.total as f64),
            if waiting { "waiting" } else { "open" }
        )
    });
    let stage_head = if waiting {
        "Waiting since ready for review"
    } else {
        "In its stage for"
    };
    let rows = pulls
        .list
        .into_iter()
        .map(|p| {
            let href = format!("/repos/{}?tab=pulls", p.repository);
            let repository = p.repository.clone();
            view! {
                <tr data-number=p.number data-repository=repository>
                    <td><a href=href>{format!("{}#{}", p.repository, p.number)}</a></td>
                    <td class="wrap">{p.title}</td>
                    <td>{p.author.unwrap_or_else(|| "unknown".into())}</td>
                    <td>{stage_label(&p.stage)}</td>
                    <td class="num" data-hours=p.age_hours>{hours(p.age_hours)}</td>
                    <td class="num" data-hours=p.stage_hours>{hours(p.stage_hours)}</td>
                    <td class="num">{p.lines_changed.map(|l| number(f64::from(l))).unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="scroll">
            <table data-testid="open-pulls" data-total=pulls.total>
                <thead><tr>
                    <th scope="col">"Pull request"</th><th scope="col">"Title"</th><th scope="col">"Author"</th>
                    <th scope="col">"Stage"</th><th scope="col" class="num">"Open for"</th>
                    <th scope="col" class="num">{stage_head}</th><th scope="col" class="num">"Lines changed"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {more.map(|m| view! { <p class="muted small">{m}</p> })}
    }
    .into_any()
}

/// The leaderboard: commits, merges and reviews per person in the period.
#[component]
pub fn Leaderboard(c: Contributors) -> impl IntoView {
    if c.leaderboard.is_empty() {
        return view! { <p class="muted" data-testid="leaderboard-empty">"No commits, merges or reviews by people in this period."</p> }.into_any();
    }
    let shown = c.leaderboard.len() as i64;
    let rows = c
        .leaderboard
        .into_iter()
        .map(|p| {
            let key = p.who.clone();
            view! {
                <tr data-who=key>
                    <td>{p.who}</td>
                    <td class="num">{number(p.commits as f64)}</td>
                    <td class="num">{number(p.pull_requests_merged as f64)}</td>
                    <td class="num">{number(p.reviews as f64)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="scroll">
            <table data-testid="leaderboard" data-total=c.total>
                <thead><tr>
                    <th scope="col">"Person"</th><th scope="col" class="num">"Commits"</th>
                    <th scope="col" class="num">"Pull requests merged"</th><th scope="col" class="num">"Reviews given"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {(c.total > shown).then(|| view! { <p class="muted small">{format!("The {shown} most active of {} people.", c.total)}</p> })}
    }
    .into_any()
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The weekday × hour heatmap of commits, as a table whose cells are shaded by count
/// (the count is the cell's text, so it reads without colour).
#[component]
pub fn Heatmap(heatmap: Vec<Vec<i64>>) -> impl IntoView {
    let max = heatmap.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        return view! { <p class="muted" data-testid="heatmap-empty">"No commits by people in this period."</p> }.into_any();
    }
    let head = (0..24)
        .map(|h| view! { <th scope="col">{format!("{h:02}")}</th> })
        .collect_view();
    let rows = heatmap
        .into_iter()
        .enumerate()
        .map(|(d, hours)| {
            let cells = hours
                .into_iter()
                .enumerate()
                .map(|(h, n)| {
                    // Five shades, by the share of the busiest hour.
                    let level = if n == 0 { 0 } else { 1 + (n * 4 - 1) / max };
                    view! {
                        <td class=format!("heat heat-{level}") title=format!("{} {h:02}:00-{h:02}:59 UTC: {}", WEEKDAYS[d], crate::components::sync_progress::plural(n.unsigned_abs(), "commit"))>
                            {(n > 0).then(|| n.to_string())}
                        </td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{WEEKDAYS.get(d).copied().unwrap_or("?")}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="scroll">
            <table class="heatmap" data-testid="heatmap">
                <caption class="muted small">"Commits by people per weekday and hour (UTC)"</caption>
                <thead><tr><td></td>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Deployments per repository and environment.
#[component]
pub fn Environments(list: Vec<EnvironmentDeployments>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted" data-testid="environments-empty">"No deployment in this period: no GitHub deployment, and no production deployment from the repository's deployment source."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|e| {
            let key = e.environment.clone();
            view! {
                <tr data-environment=key>
                    <td>{e.repository}</td>
                    <td>{e.environment}</td>
                    <td>{if e.production { "Yes" } else { "No" }}</td>
                    <td class="num">{number(e.deployments as f64)}</td>
                    <td class="num">{number(e.succeeded as f64)}</td>
                    <td class="num">{e.failed.map(|f| number(f as f64)).unwrap_or_else(|| "—".into())}</td>
                    <td>{match e.last_success {
                        Some(at) => view! { <LocalTime at/> }.into_any(),
                        None => view! { <span class="muted">"none"</span> }.into_any(),
                    }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="scroll">
            <table data-testid="environments">
                <thead><tr>
                    <th scope="col">"Repository"</th><th scope="col">"Environment"</th><th scope="col">"Production"</th>
                    <th scope="col" class="num">"Deployments"</th><th scope="col" class="num">"Succeeded"</th>
                    <th scope="col" class="num">"Failed"</th><th scope="col">"Last success"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Releases, newest first.
#[component]
pub fn Releases(list: Vec<ReleaseRow>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted" data-testid="releases-empty">"No release published in this period."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|r| {
            let key = r.tag_name.clone();
            view! {
                <tr data-tag=key>
                    <td><LocalTime at=r.published_at/></td>
                    <td>{r.repository}</td>
                    <td>{r.tag_name}</td>
                    <td class="wrap">{r.name.unwrap_or_default()}</td>
                    <td>{if r.prerelease { "Pre-release" } else { "Release" }}</td>
                    <td>{r.author.unwrap_or_else(|| "unknown".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="scroll">
            <table data-testid="releases">
                <thead><tr>
                    <th scope="col">"Published"</th><th scope="col">"Repository"</th><th scope="col">"Tag"</th>
                    <th scope="col">"Name"</th><th scope="col">"Kind"</th><th scope="col">"Author"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "pull_request_opened" => "Pull request opened",
        "pull_request_merged" => "Pull request merged",
        "issue_opened" => "Issue opened",
        "issue_closed" => "Issue closed",
        "release_published" => "Release published",
        "deployment" => "Deployed to production",
        _ => "Event",
    }
}

/// What happened, newest first.
#[component]
pub fn Timeline(list: Vec<ActivityEvent>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted" data-testid="timeline-empty">"Nothing happened in this period: no pull request, issue, release or deployment."</p> }.into_any();
    }
    // The engine lists at most 50 (`engine::metrics::details::LIST_LIMIT`).
    let cut = (list.len() >= 50).then(|| {
        view! { <p class="muted small" data-testid="timeline-cut">{format!("The {} newest of the period; a shorter period shows the rest.", list.len())}</p> }
    });
    let items = list
        .into_iter()
        .map(|e| {
            let what = match e.number {
                Some(n) => format!("{}#{n} {}", e.repository, e.title),
                None => format!("{} {}", e.repository, e.title),
            };
            let kind = e.kind.clone();
            view! {
                <li data-kind=kind>
                    <LocalTime at=e.at/>
                    " "<strong>{event_label(&e.kind)}</strong>": "{what}
                    {e.actor.map(|a| format!(" by {a}"))}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline" data-testid="timeline">{items}</ol> {cut} }.into_any()
}

/// How the page words a deployment source (METRICS.md, "Deployments"); `none` when a
/// repository has no deployment and no merge yet.
pub fn source_label(source: &str) -> &'static str {
    match source {
        "deployments" => "GitHub Deployments (production environments)",
        "workflow_runs" => "successful deployment workflow runs on the default branch",
        "releases" => "published releases",
        "merged_pull_requests" => "merged pull requests (a proxy)",
        "auto" => "automatic: the first of the four that has any deployment",
        _ => "nothing yet: no deployment and no merge",
    }
}

/// `(repository, source)` pairs as `(source, repositories)`: the most used source first,
/// sources used equally often in the order they first appear, repositories in the order
/// given.
fn by_source(sources: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (repo, source) in sources {
        match groups.iter_mut().find(|(s, _)| *s == source) {
            Some((_, repos)) => repos.push(repo),
            None => groups.push((source, vec![repo])),
        }
    }
    groups.sort_by_key(|(_, repos)| std::cmp::Reverse(repos.len()));
    groups
}

/// Each repository's deployment source, grouped by source (the most used first), each
/// repository linking to its settings, where the source is changed. An organisation of
/// 200 repositories that all deploy the same way reads as one line, not 200.
///
/// With `full_list` (the address of a page that lists them, as the overview gives), only
/// how many repositories count each source, and that link: a page about something else
/// need not carry 200 links.
#[component]
pub fn DeploymentSources(
    sources: Vec<(String, String)>,
    #[prop(optional)] full_list: Option<String>,
) -> impl IntoView {
    let groups = by_source(sources);
    let counted = |n: usize| match n {
        1 => "1 repository".to_string(),
        n => format!("{} repositories", super::figure::number(n as f64)),
    };
    if let Some(href) = full_list {
        return view! {
            <ul class="small" data-testid="deployment-source-counts">
                {groups.into_iter().map(|(source, repos)| view! {
                    <li data-source=source.clone() data-repositories=repos.len()>
                        <strong>{source_label(&source)}</strong>{format!(": {}", counted(repos.len()))}
                    </li>
                }).collect_view()}
            </ul>
            <p class="small"><a href=href>"Each repository's source, and where to change it"</a></p>
        }
        .into_any();
    }
    view! {
        {(!groups.is_empty()).then(|| view! {
            <p class="small muted">"Each repository links to its settings, where its source is changed."</p>
        })}
        <ul class="small" data-testid="deployment-sources">
            {groups.into_iter().map(|(source, repos)| {
                let count = counted(repos.len());
                let links = repos.into_iter().enumerate().map(|(i, repo)| {
                    let href = format!("/repos/{repo}/settings");
                    let text = repo.clone();
                    view! { {(i > 0).then_some(", ")}<a href=href data-repository=repo>{text}</a> }
                }).collect_view();
                view! {
                    <li data-source=source.clone()>
                        <strong>{source_label(&source)}</strong>{format!(" ({count}): ")}{links}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sources_group_most_used_first_keeping_each_order() {
        let pair = |r: &str, s: &str| (r.to_string(), s.to_string());
        let grouped = super::by_source(vec![
            pair("acme/a", "releases"),
            pair("acme/b", "deployments"),
            pair("acme/c", "releases"),
            pair("acme/d", "deployments"),
            pair("acme/e", "deployments"),
            pair("acme/f", "merged_pull_requests"),
            pair("acme/g", "workflow_runs"),
        ]);
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            grouped,
            vec![
                ("deployments".into(), names(&["acme/b", "acme/d", "acme/e"])),
                ("releases".into(), names(&["acme/a", "acme/c"])),
                ("merged_pull_requests".into(), names(&["acme/f"])),
                ("workflow_runs".into(), names(&["acme/g"])),
            ]
        );
        assert!(super::by_source(vec![]).is_empty());
    }
}

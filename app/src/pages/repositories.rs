//! The repositories page: every repository the person follows in one table (language,
//! topics, health score, merges with their weekly line, open pull requests and issues,
//! stars, how it is kept fresh), sorted and filtered by the URL (`/repos?q=api&language=
//! Rust&sort=health&dir=desc&from=&to=`), so a link reproduces the view.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use wire::RepositoryRow;

use crate::api::repository_table;
use crate::components::figure::{number, FigureCell};
use crate::components::local_time::LocalTime;
use crate::components::sparkline::Sparkline;

/// The columns a table can be sorted by: the URL's `sort`, the header's text and the
/// metric it reads (None: not a figure).
const COLUMNS: &[(&str, &str, Option<&str>)] = &[
    ("name", "Repository", None),
    ("language", "Language", None),
    ("health", "Health", Some("health_score")),
    ("merged", "Merged", Some("pull_requests_merged")),
    ("prs", "Open pull requests", Some("pull_requests_open")),
    ("issues", "Open issues", Some("issue_backlog")),
    ("stars", "Stars", None),
    ("synced", "Last sync", None),
];

/// What the URL asks: filter text, language, sort column, descending, from, to.
#[derive(Clone, Debug, Default, PartialEq)]
struct View {
    q: String,
    language: String,
    sort: String,
    desc: bool,
    from: String,
    to: String,
}

impl View {
    /// This view's address with `sort` and direction replaced.
    fn sorted_by(&self, sort: &str, desc: bool) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", self.q.as_str()),
            ("language", &self.language),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.append_pair("sort", sort);
        q.append_pair("dir", if desc { "desc" } else { "asc" });
        format!("/repos?{}", q.finish())
    }
}

/// Whether a row matches the filter text (name, description, language or a topic, any
/// case) and the language (exactly, any case; empty: any).
fn matches(r: &RepositoryRow, q: &str, language: &str) -> bool {
    let q = q.trim().to_lowercase();
    let language_ok = language.is_empty()
        || r.language
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(language));
    let text_ok = q.is_empty()
        || r.full_name.to_lowercase().contains(&q)
        || r.description
            .as_deref()
            .is_some_and(|d| d.to_lowercase().contains(&q))
        || r.language
            .as_deref()
            .is_some_and(|l| l.to_lowercase().contains(&q))
        || r.topics.iter().any(|t| t.to_lowercase().contains(&q));
    language_ok && text_ok
}

/// Sorts rows by a column of [`COLUMNS`] (unknown: by name); rows without a value (no
/// language, an unavailable figure, never synced) go last whatever the direction, and
/// ties keep name order.
fn sort_rows(rows: &mut [RepositoryRow], sort: &str, desc: bool) {
    use std::cmp::Ordering;
    rows.sort_by_key(|r| r.full_name.to_lowercase());
    let metric = COLUMNS
        .iter()
        .find(|(k, _, _)| *k == sort)
        .and_then(|(_, _, m)| *m);
    let key = |r: &RepositoryRow| -> Option<either::Key> {
        match (sort, metric) {
            (_, Some(m)) => r.figure(m).and_then(|f| f.value).map(either::Key::Number),
            ("language", _) => r
                .language
                .as_ref()
                .map(|l| either::Key::Text(l.to_lowercase())),
            ("stars", _) => Some(either::Key::Number(r.stars as f64)),
            ("synced", _) => r
                .last_synced
                .as_ref()
                .map(|(at, _)| either::Key::Text(at.clone())),
            _ => Some(either::Key::Text(r.full_name.to_lowercase())),
        }
    };
    rows.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => {
            let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if desc {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
}

mod either {
    /// A sort key: a number or a text.
    #[derive(PartialEq, PartialOrd)]
    pub enum Key {
        Number(f64),
        Text(String),
    }
}

#[component]
pub fn RepositoriesPage() -> impl IntoView {
    let query = use_query_map();
    let view_of = move || {
        let get = |k: &str| super::query_param(query, k);
        View {
            q: get("q"),
            language: get("language"),
            sort: get("sort"),
            desc: get("dir") == "desc",
            from: get("from"),
            to: get("to"),
        }
    };
    let period = move || {
        let v = view_of();
        (v.from, v.to)
    };
    let rows = Resource::new(period, |(from, to)| repository_table(from, to));
    view! {
        <Title text="Repositories"/>
        <section class="panel">
            <div class="panel-head">
                <h1>"Repositories"</h1>
                <a href="/">"Follow more"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Reading your repositories…"</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(list) if list.is_empty() => view! {
                            <div class="notice" data-testid="repos-empty">
                                <p>"You follow no repository yet."</p>
                                <a class="button primary" href="/">"Pick repositories to follow"</a>
                            </div>
                        }.into_any(),
                        Ok(list) => view! {
                            <crate::components::sync_progress::LiveUpdates covers=list.iter().map(|r| r.full_name.clone()).collect()/>
                            <Table list view=view_of()/>
                        }.into_any(),
                        Err(e) => view! {
                            <crate::components::load_error::LoadError e testid="repos-error"/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Table(list: Vec<RepositoryRow>, view: View) -> impl IntoView {
    let mut languages: Vec<String> = list.iter().filter_map(|r| r.language.clone()).collect();
    languages.sort_unstable_by_key(|l| l.to_lowercase());
    languages.dedup();
    let weeks = list.first().map(|r| r.weekly_merged.len()).unwrap_or(0);
    let total = list.len();
    let mut rows: Vec<RepositoryRow> = list
        .into_iter()
        .filter(|r| matches(r, &view.q, &view.language))
        .collect();
    let sort = if view.sort.is_empty() {
        "name"
    } else {
        view.sort.as_str()
    };
    sort_rows(&mut rows, sort, view.desc);
    let shown = rows.len();
    let head = COLUMNS
        .iter()
        .map(|(key, label, _)| {
            let current = *key == sort;
            // A click on the sorted column turns it round; on another, numbers start high.
            let desc = if current {
                !view.desc
            } else {
                !matches!(*key, "name" | "language")
            };
            let aria = current.then_some(if view.desc { "descending" } else { "ascending" });
            let arrow = if current {
                if view.desc {
                    " ▼"
                } else {
                    " ▲"
                }
            } else {
                ""
            };
            view! {
                <th scope="col" aria-sort=aria>
                    <a href=view.sorted_by(key, desc) data-sort=*key>{*label}{arrow}</a>
                </th>
            }
        })
        .collect_view();
    // Erased: the row's type is deep enough to overflow the release WASM build's
    // query depth when nested in the table's.
    let body = rows
        .into_iter()
        .map(|r| view! { <Row r/> }.into_any())
        .collect_view();
    let period = match (view.from.as_str(), view.to.as_str()) {
        ("", "") => "the last 84 days".to_string(),
        (from, to) => format!(
            "{} to {}",
            if from.is_empty() {
                "84 days before the end"
            } else {
                from
            },
            if to.is_empty() { "today" } else { to }
        ),
    };
    let summary = format!(
        "{} of {} followed {} · figures over {period}, merges per ISO week ({weeks}, the first and last cut by the period). Hover a number for its definition and sample.",
        number(shown as f64),
        number(total as f64),
        if total == 1 { "repository" } else { "repositories" },
    );
    let v = view.clone();
    view! {
        <form method="get" action="/repos" class="controls" aria-label="Which repositories">
            <label>"Filter " <input type="search" name="q" id="repo-q" value=v.q.clone() placeholder="name, topic, language"/></label>
            <label>
                "Language "
                <select name="language" id="repo-language">
                    <option value="" selected=v.language.is_empty()>"Any"</option>
                    {languages.into_iter().map(|l| {
                        let selected = l.eq_ignore_ascii_case(&v.language);
                        view! { <option value=l.clone() selected=selected>{l.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"From " <input type="date" name="from" id="from" value=v.from.clone()/></label>
            <label>"To (exclusive) " <input type="date" name="to" id="to" value=v.to.clone()/></label>
            {(!v.sort.is_empty()).then(|| view! {
                <input type="hidden" name="sort" value=v.sort.clone()/>
                <input type="hidden" name="dir" value=if v.desc { "desc" } else { "asc" }/>
            })}
            <button type="submit" class="primary" id="apply">"Show"</button>
        </form>
        <p class="muted small" data-testid="repos-summary">{summary}</p>
        {(shown == 0).then(|| view! {
            <p class="notice" data-testid="repos-none-match">"No followed repository matches this filter. " <a href="/repos">"Show all"</a></p>
        })}
        <div class="scroll">
            <table class="repo-table" data-testid="repo-table">
                <thead><tr>{head}<th scope="col">"Merged per week"</th></tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(r: RepositoryRow) -> impl IntoView {
    let link = format!("/repos/{}", r.full_name);
    let figure = |m: &str| r.figure(m).cloned();
    view! {
        <tr data-repo-row=r.full_name.clone()>
            <td>
                <a href=link>{r.full_name.clone()}</a>
                {r.private.then(|| view! { <span class="badge">"private"</span> })}
                {r.archived.then(|| view! { <span class="badge">"archived"</span> })}
                {r.description.clone().map(|d| view! { <div class="muted small">{d}</div> })}
                {(!r.topics.is_empty()).then(|| view! {
                    <div class="topics">{r.topics.iter().map(|t| view! { <span class="topic">{t.clone()}</span> }).collect_view()}</div>
                })}
            </td>
            <td>{r.language.clone().unwrap_or_else(|| "—".into())}</td>
            {if r.read {
                view! {
                    <FigureCell definition="A documented 0-100 score of activity, backlog, reviews, CI and bus factor." figure=figure("health_score")/>
                    <FigureCell definition="Pull requests by people merged in the period." figure=figure("pull_requests_merged")/>
                    <FigureCell definition="Pull requests by people open at the period's end." figure=figure("pull_requests_open")/>
                    <FigureCell definition="Issues by people open at the period's end." figure=figure("issue_backlog")/>
                }.into_any()
            } else {
                view! { <td colspan="4" class="muted small" data-testid="not-read">"Not read yet: its first sync has not finished."</td> }.into_any()
            }}
            <td class="num" title="GitHub's stargazers_count when the repository was last read." data-value=r.stars.to_string()>{number(r.stars as f64)}</td>
            <td class="small">
                {match r.last_synced.clone() {
                    Some((at, status)) => view! {
                        <span title=format!("{}: the newest sync run of the repository; it is polled for changes on a schedule (webhooks are not received yet).", r.sync_mode)>
                            <LocalTime at/>
                            {(status != "succeeded").then(|| view! { <span class="badge">{status}</span> })}
                        </span>
                    }.into_any(),
                    None => view! { <span class="muted">"not yet synced"</span> }.into_any(),
                }}
                <div class="muted">{r.sync_mode.clone()}</div>
            </td>
            <td><Sparkline points=r.weekly_merged.clone() what="Pull requests merged per week"/></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::{Basis, Figure, Statistic, Unit};

    fn row(name: &str, language: Option<&str>, health: Option<f64>, stars: u64) -> RepositoryRow {
        RepositoryRow {
            full_name: name.into(),
            description: Some("The payments API".into()),
            language: language.map(Into::into),
            topics: vec!["billing".into()],
            private: false,
            archived: false,
            stars,
            read: true,
            figures: vec![Figure {
                metric: "health_score".into(),
                group: None,
                statistic: Statistic::Mean,
                unit: Unit::Score,
                value: health,
                sample: 1,
                basis: match health {
                    Some(_) => Basis::Measured { source: "x".into() },
                    None => Basis::Unavailable { reason: "y".into() },
                },
                previous: None,
            }],
            weekly_merged: vec![],
            sync_mode: "polling".into(),
            last_synced: None,
        }
    }

    #[test]
    fn unavailable_values_go_last_both_ways() {
        let mut rows = vec![
            row("acme/b", Some("Go"), None, 5),
            row("acme/a", Some("Rust"), Some(40.0), 1),
            row("acme/c", None, Some(90.0), 9),
        ];
        sort_rows(&mut rows, "health", true);
        let names: Vec<_> = rows.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(names, ["acme/c", "acme/a", "acme/b"]);
        sort_rows(&mut rows, "health", false);
        let names: Vec<_> = rows.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(names, ["acme/a", "acme/c", "acme/b"]);
        sort_rows(&mut rows, "language", false);
        let names: Vec<_> = rows.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(names, ["acme/b", "acme/a", "acme/c"]);
        sort_rows(&mut rows, "stars", true);
        let names: Vec<_> = rows.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(names, ["acme/c", "acme/b", "acme/a"]);
    }

    #[test]
    fn the_filter_reads_names_descriptions_topics_and_languages() {
        let r = row("acme/api", Some("Rust"), None, 0);
        assert!(matches(&r, "API", ""));
        assert!(matches(&r, "payments", ""));
        assert!(matches(&r, "bill", ""));
        assert!(matches(&r, "rus", "rust"));
        assert!(!matches(&r, "", "Go"));
        assert!(!matches(&r, "web", ""));
    }

    #[test]
    fn sort_links_keep_the_filter() {
        let v = View {
            q: "a b".into(),
            language: "Rust".into(),
            ..View::default()
        };
        assert_eq!(
            v.sorted_by("stars", true),
            "/repos?q=a+b&language=Rust&sort=stars&dir=desc"
        );
    }
}

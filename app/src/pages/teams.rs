//! The teams page: the GitHub teams of the person's organisations side by side over a
//! period (DORA's four keys with their levels, flow and reviews), their levels on a
//! radar, and each team's members and repositories. Period and DORA report live in the
//! URL (`/teams?from=&to=&report=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use wire::{Level, Statistic};

use crate::api::{team_reports, TeamReport};
use crate::components::controls::{scoped, Controls};
use crate::components::figure::FigureCell;

/// The columns compared: header, metric, statistic, definition.
const COMPARED: &[(&str, &str, Statistic, &str)] = &[
    (
        "Deployment frequency",
        "deployment_frequency",
        Statistic::Rate,
        "Production deployments per week.",
    ),
    (
        "Lead time for changes",
        "lead_time_for_changes",
        Statistic::Median,
        "From a change's first commit to the first production deployment that contains it.",
    ),
    (
        "Change failure rate",
        "change_failure_rate",
        Statistic::Ratio,
        "Production deployments followed by a failure, over all production deployments.",
    ),
    (
        "Recovery time",
        "failed_deployment_recovery_time",
        Statistic::Median,
        "From a failing deployment (or the incident's creation) to recovery.",
    ),
    (
        "Merged",
        "pull_requests_merged",
        Statistic::Count,
        "Pull requests by people merged in the period.",
    ),
    (
        "Cycle time",
        "pull_request_cycle_time",
        Statistic::Median,
        "From the first commit to the merge.",
    ),
    (
        "Review coverage",
        "review_coverage",
        Statistic::Ratio,
        "Merged pull requests approved by someone other than the author, not a bot.",
    ),
];

/// DORA's four keys, as the radar's axes.
const KEYS: [(&str, &str); 4] = [
    ("deployment_frequency", "Deployment frequency"),
    ("lead_time_for_changes", "Lead time"),
    ("change_failure_rate", "Change failure rate"),
    ("failed_deployment_recovery_time", "Recovery time"),
];

/// A level on the radar's scale: low 1 to elite 4.
fn rank(l: Level) -> f64 {
    match l {
        Level::Low => 1.0,
        Level::Medium => 2.0,
        Level::High => 3.0,
        Level::Elite => 4.0,
    }
}

#[component]
pub fn TeamsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let get = |k: &str| super::query_param(query, k);
        (get("from"), get("to"), get("report"))
    };
    let teams = Resource::new(params, |(from, to, report)| team_reports(from, to, report));
    view! {
        <Title text="Teams"/>
        <section class="panel">
            <div class="panel-head"><h1>"Teams and groups"</h1></div>
            <Controls action="/teams" params=move || { let (f, t, r) = params(); (String::new(), f, t, r) }/>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Computing each team's numbers…"</p> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Ok(list) if list.is_empty() => view! {
                            <div class="notice" data-testid="teams-empty">
                                <p>"GitHub lists no team in your organisations. Teams are read with your repository list: refresh it on the home page after a team is created."</p>
                                <a class="button" href="/">"Your repositories"</a>
                            </div>
                        }.into_any(),
                        Ok(list) => view! {
                            <crate::components::sync_progress::LiveUpdates covers=list.iter().flat_map(|t| t.team.repositories.iter().cloned()).collect()/>
                            <Body list/>
                        }.into_any(),
                        Err(e) => view! {
                            <crate::components::load_error::LoadError e testid="teams-error"/>
                        }.into_any(),
                    }
                })}
            </Transition>
            <crate::components::groups::Groups/>
        </section>
    }
}

#[component]
fn Body(list: Vec<TeamReport>) -> impl IntoView {
    let period = list.iter().find_map(|t| t.report.as_ref()).map(|r| {
        format!(
            "{} to {} (UTC, the end excluded)",
            super::day(&r.from),
            super::day(&r.to)
        )
    });
    let radar: Vec<(String, Vec<Option<f64>>)> = list
        .iter()
        .filter_map(|t| {
            let r = t.report.as_ref()?;
            Some((
                t.team.name.clone(),
                KEYS.iter()
                    .map(|(m, _)| r.grade(m).map(|g| rank(g.level)))
                    .collect(),
            ))
        })
        .collect();
    let head = COMPARED
        .iter()
        .map(|(h, ..)| view! { <th scope="col">{*h}</th> })
        .collect_view();
    let rows = list
        .iter()
        .map(|t| {
            let scope = t.team.scope();
            let cells = match &t.report {
                Some(r) => COMPARED
                    .iter()
                    .map(|(_, m, s, d)| {
                        let figure = r.figure(m, *s).cloned();
                        match r.grade(m).cloned() {
                            Some(g) => view! { <FigureCell definition=*d figure grade=g/> }.into_any(),
                            None => view! { <FigureCell definition=*d figure/> }.into_any(),
                        }
                    })
                    .collect_view()
                    .into_any(),
                None => view! { <td colspan=COMPARED.len() class="muted small">{t.why.clone().unwrap_or_default()}</td> }.into_any(),
            };
            view! {
                <tr data-team=scope.clone()>
                    <th scope="row">
                        {if t.report.is_some() {
                            view! { <a href=scoped("/overview", &scope)>{t.team.name.clone()}</a> }.into_any()
                        } else {
                            view! { <span>{t.team.name.clone()}</span> }.into_any()
                        }}
                        <div class="muted small"><a href=format!("/orgs/{}", t.team.organization)>{t.team.organization.clone()}</a>{format!(" · {} of {} repositories read · {} members", t.team.read.len(), t.team.repositories.len(), t.team.members.len())}</div>
                    </th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let details = list
        .into_iter()
        .map(|t| {
            let read = t.team.read.clone();
            view! {
                <details class="team" data-team-details=t.team.scope()>
                    <summary>{format!("{} ({})", t.team.name, t.team.organization)}</summary>
                    {t.team.description.clone().map(|d| view! { <p class="small">{d}</p> })}
                    <p class="small"><strong>"Members: "</strong>{if t.team.members.is_empty() { "none listed".to_string() } else { t.team.members.join(", ") }}</p>
                    <p class="small"><strong>"Repositories: "</strong></p>
                    <ul class="small">
                        {t.team.repositories.iter().map(|r| {
                            let followed = read.contains(r);
                            view! { <li>{if followed {
                                view! { <a href=format!("/repos/{r}")>{r.clone()}</a> }.into_any()
                            } else {
                                view! { <span>{r.clone()}" "<span class="muted">"(not read yet: nobody follows it, so no numbers)"</span></span> }.into_any()
                            }}</li> }
                        }).collect_view()}
                    </ul>
                </details>
            }
        })
        .collect_view();
    view! {
        {period.map(|p| view! { <p class="muted" data-testid="teams-period">{p}</p> })}
        <section class="section" aria-label="Teams side by side">
            <h2>"Side by side"</h2>
            <div class="scroll">
                <table class="teams" data-testid="teams-table">
                    <thead><tr><th scope="col">"Team"</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        <section class="section" aria-label="DORA levels">
            <h2>"DORA levels"</h2>
            <TeamRadar teams=radar/>
        </section>
        <section class="section" aria-label="Members and repositories">
            <h2>"Members and repositories"</h2>
            {details}
        </section>
    }
}

const RADAR_ID: &str = "teams-radar";

/// Each team's levels of the four keys on one radar (low 1 to elite 4; a key without a
/// level, for want of data, is drawn at the centre and said in the label).
#[component]
fn TeamRadar(teams: Vec<(String, Vec<Option<f64>>)>) -> impl IntoView {
    let label = if teams.is_empty() {
        "No team has numbers to compare.".to_string()
    } else {
        let said: Vec<String> = teams
            .iter()
            .map(|(name, levels)| {
                let keys: Vec<String> = KEYS
                    .iter()
                    .zip(levels)
                    .map(|((_, k), l)| {
                        format!(
                            "{k} {}",
                            l.map(|v| v.to_string())
                                .unwrap_or_else(|| "no level".into())
                        )
                    })
                    .collect();
                format!("{name}: {}", keys.join(", "))
            })
            .collect();
        format!(
            "Radar of DORA levels (low 1 to elite 4): {}",
            said.join("; ")
        )
    };
    let overlaps = same_levels(&teams)
        .into_iter()
        .map(|names| {
            let text = format!(
                "{} have the same levels: their shapes lie on one another.",
                and_list(&names)
            );
            view! { <p class="small muted" data-testid="radar-overlap">{text}</p> }
        })
        .collect_view();
    view! {
        <RadarDrawing teams label/>
        {overlaps}
    }
}

/// The radar's drawing (an island): `teams` as [`TeamRadar`] takes them, `label` what it
/// shows, for those who cannot see it.
#[island]
fn RadarDrawing(teams: Vec<(String, Vec<Option<f64>>)>, label: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let teams = teams.clone();
        request_animation_frame(move || draw(&teams));
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = teams;
    view! { <div id=RADAR_ID class="chart radar" role="img" aria-label=label></div> }
}

/// The teams drawn on one another: each set of two or more with the same four levels, in
/// the order given. Teams without any level (drawn as a point at the centre, the label
/// says why) are not said to share levels.
fn same_levels(teams: &[(String, Vec<Option<f64>>)]) -> Vec<Vec<String>> {
    let mut sets: Vec<(&Vec<Option<f64>>, Vec<String>)> = Vec::new();
    for (name, levels) in teams.iter().filter(|(_, l)| l.iter().any(Option::is_some)) {
        match sets.iter_mut().find(|(l, _)| *l == levels) {
            Some((_, names)) => names.push(name.clone()),
            None => sets.push((levels, vec![name.clone()])),
        }
    }
    sets.into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(_, names)| names)
        .collect()
}

/// `a and b`, `a, b and c`.
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(feature = "hydrate")]
fn draw(teams: &[(String, Vec<Option<f64>>)]) {
    use charming::component::{Legend, RadarCoordinate, RadarIndicator};
    use charming::datatype::DataPointItem;
    use charming::element::Tooltip;
    use charming::series::Radar;
    use charming::Chart;

    if teams.is_empty() {
        return;
    }
    let indicators: Vec<RadarIndicator> = KEYS
        .iter()
        .map(|(_, name)| RadarIndicator::new().name(*name).min(0).max(4))
        .collect();
    let data: Vec<DataPointItem> = teams
        .iter()
        .map(|(name, levels)| {
            DataPointItem::new(
                levels
                    .iter()
                    .map(|l| l.unwrap_or(0.0))
                    .collect::<Vec<f64>>(),
            )
            .name(name.clone())
        })
        .collect();
    let chart = Chart::new()
        .animation(!crate::components::echarts::reduced_motion())
        .tooltip(Tooltip::new())
        .legend(
            Legend::new()
                .data(teams.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>())
                .bottom(0),
        )
        .radar(RadarCoordinate::new().indicator(indicators).split_number(4))
        .series(Radar::new().name("DORA levels").data(data));
    let width = crate::components::echarts::width_of(RADAR_ID, 280, 480).min(560);
    if let Err(e) = crate::components::echarts::render(RADAR_ID, &chart, width, 360) {
        leptos::logging::error!("could not draw the teams' radar: {e}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn teams_with_the_same_levels_are_named_together() {
        let team = |n: &str, l: [Option<f64>; 4]| (n.to_string(), l.to_vec());
        let teams = vec![
            team("api", [Some(4.0), Some(3.0), None, Some(2.0)]),
            team("web", [Some(3.0), Some(3.0), Some(3.0), Some(3.0)]),
            team("data", [Some(4.0), Some(3.0), None, Some(2.0)]),
            team("ops", [Some(3.0), Some(3.0), Some(3.0), Some(3.0)]),
            team("mobile", [Some(4.0), Some(3.0), None, Some(2.0)]),
            team("infra", [Some(1.0), None, None, None]),
            team("new-a", [None, None, None, None]),
            team("new-b", [None, None, None, None]),
        ];
        let sets = super::same_levels(&teams);
        assert_eq!(
            sets,
            vec![vec!["api", "data", "mobile"], vec!["web", "ops"]]
        );
        assert_eq!(super::and_list(&sets[0]), "api, data and mobile");
        assert_eq!(super::and_list(&sets[1]), "web and ops");
        assert!(super::same_levels(&teams[..2]).is_empty());
    }
}

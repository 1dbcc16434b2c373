//! Figures of the activity families (METRICS.md, "Throughput, size and work in progress",
//! "Issues", "CI", "Growth and community") from `db::metrics::activity`'s reads.

use wire::{Basis, Figure, Statistic, Unit};

use super::{count, figure, quantiles};
use crate::db::metrics::activity::{Buckets, Ci, Growth, IssueHealth, Velocity};
use crate::db::metrics::Quantiles;

fn measured(source: &str) -> Basis {
    Basis::Measured {
        source: source.into(),
    }
}

/// A count for each bucket, as figures grouped by the bucket's label.
fn buckets(metric: &str, unit: Unit, counts: &Buckets, basis: &Basis) -> Vec<Figure> {
    counts
        .iter()
        .map(|(label, n)| Figure {
            group: Some((*label).into()),
            ..figure(
                metric,
                Statistic::Count,
                unit,
                Some(*n as f64),
                *n,
                basis,
                "",
            )
        })
        .collect()
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Pull requests opened and merged, their ratio, size, and work in progress.
pub fn velocity(v: &Velocity) -> Vec<Figure> {
    let basis = super::sketched_basis(
        &measured("pull requests by people: opened, merged and open in the period"),
        v.sketched,
    );
    let mut figures = vec![
        count("pull_requests_opened", v.opened, &basis),
        figure(
            "pull_request_velocity",
            Statistic::Ratio,
            Unit::Ratio,
            ratio(v.merged, v.opened),
            v.opened,
            &basis,
            "no pull request by a person was opened in this period",
        ),
    ];
    let sizes = super::sketched_basis(
        &measured("additions + deletions of the pull requests by people merged in the period"),
        v.sketched,
    );
    let none = "no pull request by a person with a known size was merged in this period";
    figures.extend(quantiles(
        "pull_request_size",
        Unit::Lines,
        &v.lines,
        &sizes,
        none,
    ));
    figures.extend(buckets(
        "pull_requests_by_size",
        Unit::Items,
        &v.lines_buckets,
        &sizes,
    ));
    figures.extend(buckets(
        "pull_requests_by_files",
        Unit::Items,
        &v.files_buckets,
        &sizes,
    ));
    let open = measured("pull requests by people open at the end of the period, by age");
    figures.push(count("pull_requests_open", v.open, &open));
    figures.extend(buckets(
        "pull_requests_open_by_age",
        Unit::Items,
        &v.open_buckets,
        &open,
    ));
    figures
}

/// Issue health, time to close, age, severities and SLAs.
pub fn issues(h: &IssueHealth) -> Vec<Figure> {
    let basis = measured("issues by people (not pull requests), as GitHub lists them");
    let mut figures = vec![
        count("issues_opened", h.opened, &basis),
        count("issues_closed", h.closed, &basis),
        figure(
            "issue_close_ratio",
            Statistic::Ratio,
            Unit::Ratio,
            ratio(h.closed, h.opened),
            h.opened,
            &basis,
            "no issue was opened in this period",
        ),
        count("issue_backlog", h.backlog, &basis),
    ];
    figures.extend(quantiles(
        "issue_time_to_close",
        Unit::Hours,
        &h.to_close,
        &super::sketched_basis(&basis, h.sketched),
        "no issue was closed in this period",
    ));
    figures.extend(quantiles(
        "issue_age",
        Unit::Days,
        &h.age,
        &basis,
        "no issue is open at the end of this period",
    ));
    figures.extend(buckets(
        "issues_open_by_age",
        Unit::Items,
        &h.age_buckets,
        &basis,
    ));
    let responses = measured(
        "issues by people opened in the period: opening to the first comment by someone else, not a bot",
    );
    figures.extend(quantiles(
        "issue_time_to_first_response",
        Unit::Hours,
        &h.first_response,
        &super::sketched_basis(&responses, h.sketched),
        "no issue opened in this period has had a response from someone else",
    ));
    figures.push(count(
        "issues_awaiting_response",
        h.awaiting_response,
        &responses,
    ));
    let sla = measured("issues with a severity label: their resolution deadline (opened + the severity's SLA) falling in the period");
    for (severity, open, due, missed) in &h.severities {
        let group = Some((*severity).to_string());
        figures.push(Figure {
            group: group.clone(),
            ..count("issues_open_by_severity", *open, &sla)
        });
        figures.push(Figure {
            group: group.clone(),
            ..count("issue_sla_breaches", *missed, &sla)
        });
        figures.push(Figure {
            group,
            ..figure(
                "issue_sla_compliance",
                Statistic::Ratio,
                Unit::Ratio,
                ratio(due - missed, *due),
                *due,
                &sla,
                "no deadline of an issue of this severity fell in this period",
            )
        });
    }
    figures
}

/// CI reliability and speed.
pub fn ci(c: &Ci) -> Vec<Figure> {
    let basis = super::sketched_basis(
        &measured("GitHub Actions workflow runs created in the period"),
        c.sketched,
    );
    let none = "no workflow run in this period";
    let mut figures = vec![
        count("workflow_runs", c.runs, &basis),
        figure(
            "workflow_success_rate",
            Statistic::Ratio,
            Unit::Ratio,
            ratio(c.succeeded, c.decided),
            c.decided,
            &basis,
            "no workflow run in this period ended in success or failure",
        ),
    ];
    let minutes = |metric: &str, q: &Quantiles, p95: Option<f64>, why: &str| {
        let mut f = quantiles(metric, Unit::Minutes, q, &basis, why);
        f.push(figure(
            metric,
            Statistic::P95,
            Unit::Minutes,
            p95,
            q.n,
            &basis,
            why,
        ));
        f
    };
    figures.extend(minutes(
        "workflow_run_duration",
        &c.duration,
        c.duration_p95,
        "no workflow run completed in this period",
    ));
    figures.extend(minutes(
        "workflow_queue_time",
        &c.queue,
        c.queue_p95,
        "no workflow run started in this period",
    ));
    figures.push(figure(
        "workflow_time_lost_to_failures",
        Statistic::Total,
        Unit::Hours,
        (c.runs > 0).then_some(c.failed_hours),
        c.runs,
        &basis,
        none,
    ));
    figures.push(count("flaky_workflow_runs", c.flaky, &basis));
    for (name, runs, rate, median) in &c.workflows {
        let group = Some(name.clone());
        figures.push(Figure {
            group: group.clone(),
            ..figure(
                "workflow_success_rate",
                Statistic::Ratio,
                Unit::Ratio,
                *rate,
                *runs,
                &basis,
                "no run of this workflow ended in success or failure",
            )
        });
        figures.push(Figure {
            group,
            ..figure(
                "workflow_run_duration",
                Statistic::Median,
                Unit::Minutes,
                *median,
                *runs,
                &basis,
                "no run of this workflow completed",
            )
        });
    }
    let jobs = measured("jobs of the workflow runs created in the period, started to completed");
    for (name, runs, median) in &c.slowest_jobs {
        figures.push(Figure {
            group: Some(name.clone()),
            ..figure(
                "slowest_jobs",
                Statistic::Median,
                Unit::Minutes,
                Some(*median),
                *runs,
                &jobs,
                "",
            )
        });
    }
    figures
}

/// Stars, forks, releases, contributors and the bus factor.
pub fn growth(g: &Growth, days: f64) -> Vec<Figure> {
    let stars = measured("stargazers listed by GitHub with their starred_at");
    let mut figures = vec![
        count("stars_gained", g.stars_gained, &stars),
        figure(
            "stars_per_day",
            Statistic::Rate,
            Unit::PerDay,
            Some(g.stars_gained as f64 / days),
            g.stars_gained,
            &stars,
            "",
        ),
        count(
            "stars",
            g.stars_total,
            &measured(&format!(
                "GitHub's stargazers_count (the count GitHub shows); {} stargazers are listed with their dates (GitHub lists at most 40,000 through REST; the rest are read through GraphQL)",
                g.stars_listed
            )),
        ),
    ];
    let forks = measured(
        "forks listed by GitHub with their creation time; the total is GitHub's forks_count",
    );
    figures.push(count("forks_gained", g.forks_gained, &forks));
    figures.push(count("forks", g.forks_total, &forks));
    let releases = measured("published releases (drafts left out), by published_at");
    figures.push(count("releases", g.releases, &releases));
    figures.extend(quantiles(
        "release_interval",
        Unit::Days,
        &g.release_gaps,
        &releases,
        "fewer than two releases: no interval ended in this period",
    ));
    let people = measured(&format!(
        "authors of the default branch's commits, by GitHub account, else e-mail, else name; bots left out{}",
        if g.rolled { "; from the daily, weekly and monthly rollups (exact)" } else { "" }
    ));
    figures.push(count("contributors_active", g.contributors, &people));
    figures.push(count("contributors_new", g.new_contributors, &people));
    figures.push(count(
        "contributors_returning",
        g.contributors - g.new_contributors,
        &people,
    ));
    figures.push(count("commits", g.commits, &people));
    figures.push(figure(
        "bus_factor",
        Statistic::Count,
        Unit::Items,
        (g.bus_commits > 0).then_some(g.bus_factor as f64),
        g.bus_commits,
        &people,
        "no commit by a person in the 90 days before the end of this period",
    ));
    figures
}

/// npm downloads of the packages the repositories publish over the period (METRICS.md,
/// "Growth and community"): the total and the weekly rate over the days read.
pub fn downloads(d: &crate::db::packages::Downloads) -> Vec<Figure> {
    let names: Vec<&str> = d.packages.iter().map(|(_, p, _)| p.as_str()).collect();
    let failed: Vec<String> = d
        .packages
        .iter()
        .filter_map(|(_, p, e)| e.as_ref().map(|e| format!("{p}: {e}")))
        .collect();
    let basis = if names.is_empty() {
        Basis::Unavailable {
            reason:
                "no repository here names the npm package it publishes (settings --npm-package)"
                    .into(),
        }
    } else if d.days == 0 {
        Basis::Unavailable {
            reason: if failed.is_empty() {
                format!("npm's downloads of {} are not read for this period yet (the next sync reads them)", names.join(", "))
            } else {
                format!("npm's downloads could not be read: {}", failed.join("; "))
            },
        }
    } else {
        let mut source = format!(
            "npm's download counts API, daily downloads of {} ({} days of the period read)",
            names.join(", "),
            d.days
        );
        if !failed.is_empty() {
            source.push_str(&format!("; the last read failed: {}", failed.join("; ")));
        }
        measured(&source)
    };
    vec![
        figure(
            "package_downloads",
            Statistic::Total,
            Unit::Items,
            Some(d.total as f64),
            d.days,
            &basis,
            "",
        ),
        figure(
            "package_downloads_weekly",
            Statistic::Rate,
            Unit::PerWeek,
            (d.days > 0).then(|| d.total as f64 * 7.0 / d.days as f64),
            d.days,
            &basis,
            "",
        ),
    ]
}

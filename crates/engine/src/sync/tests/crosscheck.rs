//! The engine's metrics against the same metrics computed straight from the simulator's
//! `medium` world by the plain implementation below: METRICS.md's definitions written a
//! second time, over GitHub's objects as the simulator holds them, with none of the
//! engine's code (its own quantile, its own bot rule, its own attribution). Over the
//! whole organisation and over one repository.

use std::collections::{HashMap, HashSet};

use super::*;
use chrono::{DateTime, Duration, Utc};
use ghsim::data::{Conclusion, Repository, RunStatus, World};
use wire::Statistic::{self, Count, Mean, Median, Rate, Ratio, P75, P90};

type Time = DateTime<Utc>;

fn w_abs(v: Option<f64>) -> f64 {
    v.map_or(0.0, f64::abs)
}

/// Type 7 quantile, written again.
fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let h = (v.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

fn hours(from: Time, to: Time) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

struct Expect(Vec<(&'static str, Statistic, Option<f64>)>);

impl Expect {
    fn quantiles(&mut self, metric: &'static str, sample: &[f64]) {
        self.0.push((metric, Median, quantile(sample, 0.5)));
        self.0.push((metric, P75, quantile(sample, 0.75)));
        self.0.push((metric, P90, quantile(sample, 0.9)));
    }
    fn count(&mut self, metric: &'static str, n: usize) {
        self.0.push((metric, Count, Some(n as f64)));
    }
}

fn is_bot_login(world: &World, id: u64) -> bool {
    world
        .account(id)
        .is_some_and(|a| a.is_bot || a.login.ends_with("[bot]"))
}

/// A production deployment: (environment, sha, first success).
type Deployed = (String, ghsim::data::Sha, Time);

/// The repository's deployments by the automatic choice of METRICS.md.
fn deployments(r: &Repository) -> (&'static str, Vec<Deployed>) {
    let first_per = |items: Vec<(String, ghsim::data::Sha, Time)>| {
        let mut seen = HashSet::new();
        let mut sorted = items;
        sorted.sort_by_key(|d| d.2);
        sorted
            .into_iter()
            .filter(|d| seen.insert((d.0.clone(), d.1)))
            .collect::<Vec<_>>()
    };
    let api = first_per(
        r.deployments
            .iter()
            .filter(|d| {
                matches!(
                    d.environment.to_lowercase().as_str(),
                    "prod" | "production" | "production-eu"
                )
            })
            .flat_map(|d| {
                d.statuses
                    .iter()
                    .filter(|s| s.state == "success")
                    .map(|s| (d.environment.to_string(), d.sha, s.created_at))
            })
            .collect(),
    );
    if !api.is_empty() {
        return ("deployments", api);
    }
    let runs = first_per(
        r.runs
            .iter()
            .filter(|run| run.conclusion == Some(Conclusion::Success))
            .filter(|run| r.run_branch(run) == r.default_branch)
            .filter_map(|run| {
                let w = r.workflow(run.workflow_id)?;
                let deploys = w.name.to_lowercase().contains("deploy")
                    || w.path.to_lowercase().contains("deploy");
                deploys.then(|| (w.name.to_string(), run.head_sha, run.updated_at))
            })
            .collect(),
    );
    if !runs.is_empty() {
        return ("workflow_runs", runs);
    }
    let releases = first_per(
        r.releases
            .iter()
            .filter(|x| !x.prerelease)
            .map(|x| ("release".to_string(), x.sha, x.published_at))
            .collect(),
    );
    if !releases.is_empty() {
        return ("releases", releases);
    }
    let merges = r
        .pulls
        .iter()
        .filter(|p| p.base_ref == r.default_branch)
        .filter_map(|p| Some((r.default_branch.clone(), p.merge_commit_sha?, p.merged_at?)))
        .collect();
    ("merged_pull_requests", first_per(merges))
}

fn expected(world: &World, repos: &[&Repository], (from, to): (Time, Time)) -> Expect {
    let in_period = |t: Time| t >= from && t < to;
    let bump = regex::Regex::new("(?i)^Bump .+ from .+ to .+").unwrap();
    let mut e = Expect(Vec::new());
    // Flow.
    let (mut cycle, mut coding, mut pickup, mut review, mut to_review) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut merged, mut approved, mut unreviewed, mut reviews) = (0, 0, 0, 0);
    let (mut opened, mut lines, mut open) = (0, vec![], 0);
    for r in repos {
        for p in &r.pulls {
            let human = !is_bot_login(world, p.author_id) && !bump.is_match(&p.title);
            if !human {
                continue;
            }
            opened += usize::from(in_period(p.created_at));
            let still_open = p.created_at < to && p.closed_at.is_none_or(|c| c >= to);
            open += usize::from(still_open);
            let Some(m) = p.merged_at.filter(|m| in_period(*m)) else {
                continue;
            };
            merged += 1;
            lines.push(f64::from(p.additions + p.deletions));
            let others = |id: u64| id != p.author_id && !is_bot_login(world, id);
            let first_review = p
                .reviews
                .iter()
                .filter(|v| others(v.reviewer_id))
                .map(|v| v.submitted_at)
                .min();
            let first_comment = p
                .comments
                .iter()
                .take(10)
                .filter(|c| others(c.author_id))
                .map(|c| c.created_at)
                .min();
            let response = [first_review, first_comment].into_iter().flatten().min();
            reviews += p.reviews.iter().filter(|v| others(v.reviewer_id)).count();
            let approval = p
                .reviews
                .iter()
                .filter(|v| others(v.reviewer_id))
                .filter(|v| v.state == ghsim::data::ReviewState::Approved)
                .map(|v| v.submitted_at)
                .min();
            approved += usize::from(approval.is_some_and(|a| a <= m));
            match first_review.filter(|f| *f <= m) {
                Some(f) => {
                    let ready = p.ready_for_review_at.unwrap_or(p.created_at);
                    to_review.push(hours(ready, f.max(ready)));
                }
                None => unreviewed += 1,
            }
            let first = p.first_commit_at;
            let ready = p
                .ready_for_review_at
                .unwrap_or(p.created_at)
                .max(first)
                .min(m.max(first));
            let end = m.max(first);
            cycle.push(hours(first, end));
            coding.push(hours(first, ready));
            if let Some(resp) = response.filter(|x| *x <= end).map(|x| x.max(ready)) {
                pickup.push(hours(ready, resp));
                review.push(hours(resp, end));
            }
        }
    }
    e.count("pull_requests_merged", merged);
    e.quantiles("pull_request_cycle_time", &cycle);
    e.quantiles("pull_request_coding_time", &coding);
    e.quantiles("pull_request_pickup_time", &pickup);
    e.quantiles("pull_request_review_time", &review);
    e.quantiles("time_to_first_review", &to_review);
    e.0.push(("review_coverage", Ratio, share(approved, merged)));
    e.0.push(("merged_without_review", Ratio, share(unreviewed, merged)));
    e.0.push(("reviews_per_pull_request", Mean, share(reviews, merged)));
    e.count("pull_requests_opened", opened);
    e.quantiles("pull_request_size", &lines);
    e.count("pull_requests_open", open);

    // DORA.
    let weeks = hours(from, to) / (7.0 * 24.0);
    let (mut shipped, mut lead, mut pending) = (0usize, vec![], 0);
    let (mut deployed_n, mut failed, mut recovery) = (0usize, 0usize, vec![]);
    for r in repos {
        let (_, deps) = deployments(r);
        deployed_n += deps.iter().filter(|d| in_period(d.2)).count();
        let pos: HashMap<ghsim::data::Sha, usize> = r
            .commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.sha, i))
            .collect();
        let Some(first_ever) = deps.iter().map(|d| d.2).min() else {
            continue;
        };
        for p in &r.pulls {
            let human = !is_bot_login(world, p.author_id) && !bump.is_match(&p.title);
            let (Some(m), Some(sha)) = (p.merged_at, p.merge_commit_sha) else {
                continue;
            };
            if !human || m < first_ever {
                continue;
            }
            let Some(&at) = pos.get(&sha) else { continue };
            let out = deps
                .iter()
                .filter(|d| pos.get(&d.1).is_some_and(|&x| x >= at) && d.2 >= m)
                .map(|d| d.2)
                .min();
            match out {
                Some(d) if in_period(d) => lead.push(hours(p.first_commit_at, d)),
                None if in_period(m) => pending += 1,
                _ => {}
            }
        }
        // Each merged change's first deployment per environment (index into deps).
        let mut shipped_in: HashMap<u64, Vec<usize>> = HashMap::new();
        for p in &r.pulls {
            let (Some(m), Some(sha)) = (p.merged_at, p.merge_commit_sha) else {
                continue;
            };
            let Some(&at) = pos.get(&sha) else { continue };
            let mut envs: Vec<&str> = deps.iter().map(|d| d.0.as_str()).collect();
            envs.sort_unstable();
            envs.dedup();
            for env in envs {
                let first = deps
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.0 == env && pos.get(&d.1).is_some_and(|&x| x >= at))
                    .filter(|(_, d)| d.2 >= m)
                    .min_by_key(|(_, d)| d.2);
                if let Some((k, _)) = first {
                    shipped_in.entry(p.number).or_default().push(k);
                }
            }
        }
        let mut failed_here = HashSet::new();
        // Reverts (GitHub's revert-N-… branch): the reverted change's deployments failed,
        // from the revert's opening to its own deployment.
        for v in r.pulls.iter().filter(|v| v.merged_at.is_some()) {
            let Some(n) = v
                .head_ref
                .strip_prefix("revert-")
                .and_then(|x| x.split('-').next())
                .and_then(|x| x.parse::<u64>().ok())
            else {
                continue;
            };
            let own = shipped_in
                .get(&v.number)
                .and_then(|ks| ks.iter().map(|k| deps[*k].2).min());
            for &k in shipped_in.get(&n).into_iter().flatten() {
                if deps[k].2 > v.created_at {
                    continue;
                }
                if in_period(deps[k].2) {
                    failed_here.insert(k);
                }
                if let Some(end) = own.filter(|_| in_period(v.created_at)) {
                    recovery.push(hours(v.created_at, end));
                }
            }
        }
        // Incidents within 7 days of the latest deployment before them.
        for i in r.issues.iter().filter(|i| i.labels.contains(&"incident")) {
            let blamed = deps
                .iter()
                .enumerate()
                .filter(|(_, d)| d.2 <= i.created_at)
                .max_by_key(|(_, d)| d.2)
                .filter(|(_, d)| i.created_at - d.2 <= Duration::days(7));
            if let Some((k, _)) = blamed {
                if in_period(deps[k].2) {
                    failed_here.insert(k);
                }
                if in_period(i.created_at) {
                    let next = deps.iter().map(|d| d.2).filter(|t| *t > i.created_at).min();
                    if let Some(end) = [i.closed_at, next].into_iter().flatten().min() {
                        recovery.push(hours(i.created_at, end));
                    }
                }
            }
        }
        shipped += deps.iter().filter(|d| in_period(d.2)).count();
        failed += failed_here.len();
    }
    e.count("deployments", deployed_n);
    e.0.push((
        "deployment_frequency",
        Rate,
        Some(deployed_n as f64 / weeks),
    ));
    e.quantiles("lead_time_for_changes", &lead);
    e.count("changes_pending_deployment", pending);
    e.0.push(("change_failure_rate", Ratio, share(failed, shipped)));
    e.quantiles("failed_deployment_recovery_time", &recovery);

    // Issues.
    let (mut i_opened, mut i_closed, mut backlog, mut to_close) = (0, 0, 0, vec![]);
    let mut first_response = vec![];
    for r in repos {
        for i in &r.issues {
            if world
                .account(i.author_id)
                .is_some_and(|a| a.login.ends_with("[bot]"))
            {
                continue;
            }
            i_opened += usize::from(in_period(i.created_at));
            let answered = i
                .comments
                .iter()
                .filter(|c| c.author_id != i.author_id && !is_bot_login(world, c.author_id))
                .map(|c| c.created_at)
                .min();
            if let Some(a) = answered.filter(|_| in_period(i.created_at)) {
                first_response.push(hours(i.created_at, a));
            }
            if let Some(c) = i.closed_at.filter(|c| in_period(*c)) {
                i_closed += 1;
                to_close.push(hours(i.created_at, c));
            }
            backlog += usize::from(i.created_at < to && i.closed_at.is_none_or(|c| c >= to));
        }
    }
    e.count("issues_opened", i_opened);
    e.count("issues_closed", i_closed);
    e.count("issue_backlog", backlog);
    e.quantiles("issue_time_to_close", &to_close);
    e.quantiles("issue_time_to_first_response", &first_response);

    // CI.
    let runs: Vec<_> = repos
        .iter()
        .flat_map(|r| r.runs.iter())
        .filter(|run| in_period(run.created_at))
        .collect();
    let decided = runs
        .iter()
        .filter(|run| {
            matches!(
                run.conclusion,
                Some(Conclusion::Success | Conclusion::Failure)
            )
        })
        .count();
    let succeeded = runs
        .iter()
        .filter(|run| run.conclusion == Some(Conclusion::Success))
        .count();
    let minutes: Vec<f64> = runs
        .iter()
        .filter(|run| run.status == RunStatus::Completed)
        .map(|run| (run.updated_at - run.run_started_at).num_seconds() as f64 / 60.0)
        .collect();
    e.count("workflow_runs", runs.len());
    e.0.push(("workflow_success_rate", Ratio, share(succeeded, decided)));
    e.0.push(("workflow_run_duration", Median, quantile(&minutes, 0.5)));

    // Growth.
    let stars = repos
        .iter()
        .flat_map(|r| r.stars.iter())
        .filter(|s| in_period(s.starred_at))
        .count();
    let forks = repos
        .iter()
        .flat_map(|r| r.forks.iter())
        .filter(|f| in_period(f.created_at))
        .count();
    let releases = repos
        .iter()
        .flat_map(|r| r.releases.iter())
        .filter(|x| in_period(x.published_at))
        .count();
    let people: Vec<(u64, Time)> = repos
        .iter()
        .flat_map(|r| r.commits.iter())
        .filter(|c| {
            !world
                .account(c.author_id)
                .is_some_and(|a| a.login.ends_with("[bot]"))
        })
        .map(|c| (c.author_id, c.authored_at))
        .collect();
    let active: HashSet<u64> = people
        .iter()
        .filter(|(_, t)| in_period(*t))
        .map(|(a, _)| *a)
        .collect();
    let mut recent: HashMap<u64, usize> = HashMap::new();
    for (a, t) in &people {
        if *t >= to - Duration::days(90) && *t < to {
            *recent.entry(*a).or_default() += 1;
        }
    }
    let total: usize = recent.values().sum();
    let mut counts: Vec<usize> = recent.into_values().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let (mut covered, mut bus) = (0, 0);
    for n in counts {
        if 2 * covered >= total {
            break;
        }
        covered += n;
        bus += 1;
    }
    e.count("stars_gained", stars);
    e.count("forks_gained", forks);
    e.count("releases", releases);
    e.count("contributors_active", active.len());
    e.count(
        "commits",
        people.iter().filter(|(_, t)| in_period(*t)).count(),
    );
    e.0.push(("bus_factor", Count, (total > 0).then_some(bus as f64)));
    e
}

#[tokio::test]
async fn every_metric_equals_a_plain_reimplementation_on_medium() {
    let fx = setup_with(SimConfig::new(7, Size::Medium, anchor())).await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos(&fx).await;
    sync_ok(&syncer, &repos, Mode::Full).await;
    // Every fourth repository deploys to two production regions: both are production.
    // The generator labels no severity: its bugs are made high (24 h) to have deadlines.
    for repo in &repos {
        let mut settings = db::settings::RepositorySettings {
            production_environments: "^(prod|production|production-eu)$".into(),
            ..Default::default()
        };
        settings.severity_labels[1] = vec!["bug".into()];
        crate::facts::set_settings(&fx.pool, repo.github_id, &settings)
            .await
            .unwrap();
    }
    let regions: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT repository_id) FROM production_deployments
          WHERE environment = 'production-eu'",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert!(regions > 0, "the world has no second region");
    // Properties over every derived fact: the stages add up to the cycle when someone
    // answered (coding alone is at most the cycle otherwise), none is negative; a change
    // is in at most one deployment per environment.
    let broken: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pull_request_facts
          WHERE cycle_hours IS NOT NULL AND (
                coding_hours < 0 OR pickup_hours < 0 OR review_hours < 0
             OR (pickup_hours IS NOT NULL
                 AND abs(coding_hours + pickup_hours + review_hours - cycle_hours) > 1e-9)
             OR (pickup_hours IS NULL AND coding_hours > cycle_hours))",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(broken, 0);
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM change_deployments
          GROUP BY repository_id, pull_number, environment HAVING count(*) > 1) x",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(twice, 0);
    let now = fx.sim.sim.with_world(|w| w.now);
    let period = (now - Duration::days(91), now - Duration::days(1));
    let names = names(&repos);
    // The weekly series from the weekly rollups equals the one from the rows (medians
    // within the sketches' accuracy).
    let org: Vec<i64> = repos.iter().map(|r| r.github_id).collect();
    let rolled = db::metrics::weekly(&fx.pool, &org, (now - Duration::days(365), now))
        .await
        .unwrap();
    let exact = db::metrics::weekly_exact(&fx.pool, &org, (now - Duration::days(365), now))
        .await
        .unwrap();
    assert_eq!(rolled.len(), exact.len());
    let near = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= db::rollups::RELATIVE_ACCURACY * b.abs() + 1e-9,
        (a, b) => a == b,
    };
    for (r, e) in rolled.iter().zip(&exact) {
        assert_eq!(
            (r.week, r.merged, r.deployments, r.stars),
            (e.week, e.merged, e.deployments, e.stars)
        );
        assert!(
            near(r.cycle, e.cycle) && near(r.lead, e.lead),
            "{r:?} against {e:?}"
        );
    }
    // Issue health from the rollups equals the one from the rows: every count and every
    // severity's deadlines and misses exactly, the quantiles within the sketches' accuracy.
    let year_period = (now - Duration::days(365), now - Duration::days(1));
    let rolled = db::metrics::activity::issues(&fx.pool, &org, year_period)
        .await
        .unwrap();
    let exact = db::metrics::activity::issues_exact(&fx.pool, &org, year_period)
        .await
        .unwrap();
    assert!(
        rolled.sketched && !exact.sketched,
        "{rolled:?} {year_period:?}"
    );
    assert_eq!(
        (
            rolled.opened,
            rolled.closed,
            rolled.backlog,
            rolled.awaiting_response,
            &rolled.severities,
            &rolled.age_buckets,
            rolled.age.clone(),
        ),
        (
            exact.opened,
            exact.closed,
            exact.backlog,
            exact.awaiting_response,
            &exact.severities,
            &exact.age_buckets,
            exact.age.clone(),
        )
    );
    assert!(rolled.severities.iter().any(|(_, _, due, _)| *due > 0));
    for (r, e) in [
        (&rolled.to_close, &exact.to_close),
        (&rolled.first_response, &exact.first_response),
    ] {
        assert_eq!(r.n, e.n);
        for (a, b) in r.values.iter().flatten().zip(e.values.iter().flatten()) {
            assert!((a - b).abs() <= db::rollups::RELATIVE_ACCURACY * b.abs() + 1e-9);
        }
    }
    // The organisation over a year too: large enough for flow and CI to be read from the
    // rollups, so that their sketched path is compared as well.
    let year = (now - Duration::days(365), now - Duration::days(1));
    for (scope, period) in [
        ("org:acme", year),
        ("org:acme", period),
        ("acme/api", period),
    ] {
        let report =
            crate::metrics::report(&fx.pool, fx.user_id, scope, period, wire::DoraReport::Y2023)
                .await
                .unwrap();
        let (expect, sources, ranked) = fx.sim.sim.with_world(|w| {
            let mine: Vec<&Repository> = w
                .repos
                .iter()
                .filter(|r| names.contains(&r.name))
                .filter(|r| scope == "org:acme" || r.name == "api")
                .collect();
            let sources: Vec<(String, String)> = mine
                .iter()
                .map(|r| (format!("acme/{}", r.name), deployments(r).0.to_string()))
                .collect();
            // The priority list, by METRICS.md's formula: `bug` is high here (45), other
            // issues have no severity (20); documentation -15; 2 points a full week open,
            // at most 20; clamped to 0-100. Highest first, then oldest, by repository and
            // number; the first 20 issues by people open at the period's end.
            let t = period.1;
            let mut ranked: Vec<(f64, Time, String, i64)> = vec![];
            for r in &mine {
                for i in &r.issues {
                    let bot = w
                        .account(i.author_id)
                        .is_some_and(|a| a.login.ends_with("[bot]"));
                    if bot || i.created_at >= t || i.closed_at.is_some_and(|c| c < t) {
                        continue;
                    }
                    let mut points = if i.labels.contains(&"bug") {
                        45.0
                    } else {
                        20.0
                    };
                    if i.labels.contains(&"documentation") {
                        points -= 15.0;
                    }
                    let weeks = ((t - i.created_at).num_seconds() as f64 / 86_400.0 / 7.0).floor();
                    points += (weeks * 2.0).min(20.0);
                    let name = format!("acme/{}", r.name);
                    ranked.push((
                        points.clamp(0.0, 100.0),
                        i.created_at,
                        name,
                        i.number as i64,
                    ));
                }
            }
            ranked.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(a.1.cmp(&b.1))
                    .then_with(|| a.2.cmp(&b.2))
                    .then(a.3.cmp(&b.3))
            });
            ranked.truncate(crate::metrics::PRIORITY_LIST);
            (expected(w, &mine, period), sources, ranked)
        });
        let got: Vec<(f64, String, i64)> = report
            .priorities
            .iter()
            .map(|p| (p.score, p.repository.clone(), p.number))
            .collect();
        let want: Vec<(f64, String, i64)> =
            ranked.into_iter().map(|(s, _, n, k)| (s, n, k)).collect();
        assert_eq!(got, want, "{scope}: the priority list");
        assert_eq!(got.len(), crate::metrics::PRIORITY_LIST, "{scope}: {got:?}");
        let mut sorted = sources;
        sorted.sort_by_key(|(n, _)| n.to_lowercase());
        assert_eq!(report.deployment_sources, sorted, "{scope}");
        assert!(expect.0.len() >= 45, "{}", expect.0.len());
        // Properties: shares are within [0, 1] (the velocity and close ratios are ratios
        // of two counts and may pass 1); a stage is never negative; a value is missing
        // exactly when its basis says unavailable.
        for f in &report.figures {
            if f.statistic == Ratio
                && !matches!(
                    f.metric.as_str(),
                    "pull_request_velocity" | "issue_close_ratio"
                )
            {
                let v = f.value.unwrap_or(0.0);
                assert!((0.0..=1.0).contains(&v), "{scope}: {f:?}");
            }
            if f.unit == wire::Unit::Hours {
                assert!(f.value.unwrap_or(0.0) >= 0.0, "{scope}: {f:?}");
            }
            let unavailable = matches!(f.basis, wire::Basis::Unavailable { .. });
            assert_eq!(f.value.is_none(), unavailable, "{scope}: {f:?}");
        }
        // Over the organisation both flow and CI are large enough to be read from the
        // rollups: the sketched path is what this compares.
        if period == year {
            for metric in [
                "pull_request_cycle_time",
                "workflow_run_duration",
                "pull_request_size",
            ] {
                let f = report.figures.iter().find(|f| f.metric == metric).unwrap();
                assert!(
                    matches!(&f.basis, wire::Basis::Measured { source } if source.contains("DDSketch")),
                    "{metric} not from the rollups: {f:?}"
                );
            }
            let commits = report
                .figures
                .iter()
                .find(|f| f.metric == "commits")
                .unwrap();
            assert!(
                matches!(&commits.basis, wire::Basis::Measured { source } if source.contains("rollups (exact)")),
                "growth not from the rollups: {commits:?}"
            );
        }
        for (metric, statistic, want) in expect.0 {
            let got = report
                .figures
                .iter()
                .find(|f| f.metric == metric && f.statistic == statistic && f.group.is_none())
                .unwrap_or_else(|| panic!("{scope}: no {metric} {statistic:?}"));
            // Quantiles read from the rollups' sketches are within their relative accuracy
            // (their basis says so); everything else is exact.
            let sketched = matches!(&got.basis, wire::Basis::Measured { source } if source.contains("DDSketch"))
                && matches!(statistic, Median | P75 | P90 | wire::Statistic::P95);
            let tolerance = if sketched {
                db::rollups::RELATIVE_ACCURACY * w_abs(want) + 1e-9
            } else {
                1e-6 * w_abs(want).max(1.0)
            };
            match (got.value, want) {
                (Some(g), Some(w)) => assert!(
                    (g - w).abs() <= tolerance,
                    "{scope}: {metric} {statistic:?}: engine {g}, plain {w}"
                ),
                (g, w) => assert_eq!(g, w, "{scope}: {metric} {statistic:?}"),
            }
        }
    }
}

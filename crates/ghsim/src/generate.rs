//! Generates a [`World`] from a seed: the organisation, its members and teams, and for
//! every repository its pull requests (with reviews and comments), issues, default-branch
//! history, workflow runs, deployments, releases, stars and forks.
//!
//! Each repository draws from its own random stream, so its history does not depend on
//! how many repositories come before it. Everything is stored compactly (ids, times,
//! 20-byte shas); jobs are derived from their run when asked for.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration};

use crate::data::*;

const HUMANS: &[(&str, &str)] = &[
    ("alice", "Alice Andersen"),
    ("bob", "Bob Barros"),
    ("carol", "Carol Chen"),
    ("dave", "Dave Dlamini"),
    ("erin", "Erin Eriksson"),
    ("frank", "Frank Fofanah"),
    ("grace", "Grace Gupta"),
    ("heidi", "Heidi Horvat"),
];

const REPO_NAMES: &[&str] = &[
    "api", "web", "infra", "docs", "mobile", "billing", "search", "auth", "ingest", "notify",
];

const LANGUAGES: &[&str] = &["Rust", "TypeScript", "Go", "Python", "Kotlin", "HCL"];

const TOPICS: &[&str] = &[
    "backend",
    "frontend",
    "infrastructure",
    "observability",
    "payments",
    "mobile",
];

const VERBS: &[&str] = &[
    "Fix", "Add", "Refactor", "Remove", "Speed up", "Document", "Bump", "Harden", "Rename",
    "Simplify",
];

pub(crate) const NOUNS: &[&str] = &[
    "login flow",
    "rate limiter",
    "search index",
    "billing export",
    "CI cache",
    "webhook retries",
    "dark mode",
    "session expiry",
    "metrics endpoint",
    "onboarding email",
    "error pages",
    "feature flags",
];

const ISSUE_SYMPTOMS: &[&str] = &[
    "fails intermittently",
    "is slow under load",
    "should support SSO",
    "docs are out of date",
    "returns 500",
    "needs a retry",
];

/// Id ranges per kind, so ids look like GitHub's and never collide.
struct Ids {
    pull: u64,
    issue: u64,
    review: u64,
    comment: u64,
    review_comment: u64,
    run: u64,
    deployment: u64,
    deployment_status: u64,
    release: u64,
    fork: u64,
}

impl Ids {
    fn new() -> Self {
        Ids {
            pull: 1_000_000_000,
            issue: 3_000_000_000,
            review: 1_500_000_000,
            comment: 2_000_000_000,
            review_comment: 2_500_000_000,
            run: 4_000_000_000,
            deployment: 5_000_000_000,
            deployment_status: 6_000_000_000,
            release: 7_000_000_000,
            fork: 8_000_000_000,
        }
    }
}

fn next(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

/// Salts for derived shas.
const SHA_COMMIT: u64 = 1;
const SHA_BRANCH: u64 = 2;

impl World {
    /// The world for a seed, with history ending at `now`.
    ///
    /// Users: `alice` owns the organisation and sees every repository; `bob` and the
    /// other members push to most; `carol` is an outside collaborator on one repository
    /// only, so per-user visibility is exercised from the start.
    pub fn generate(seed: u64, size: Size, now: Time) -> World {
        let shape = size.shape();
        let start = now - Duration::weeks(shape.weeks);

        let mut users: Vec<User> = HUMANS
            .iter()
            .map(|(login, name)| ((*login).to_string(), (*name).to_string()))
            .chain((1..=shape.extra_members).map(|n| (format!("dev{n}"), format!("Developer {n}"))))
            .enumerate()
            .map(|(i, (login, name))| User {
                id: 1001 + i as u64,
                email: format!("{login}@example.com"),
                created_at: start - Duration::days(400 + 37 * (i as i64 % 30)),
                is_bot: false,
                token: token_for(seed, &login),
                login,
                name,
            })
            .collect();
        users.push(User {
            id: 49_699_333,
            login: "dependabot[bot]".into(),
            name: "dependabot[bot]".into(),
            email: String::new(),
            created_at: start - Duration::days(2000),
            is_bot: true,
            token: token_for(seed, "dependabot"),
        });
        let carol = users.iter().find(|u| u.login == "carol").map(|u| u.id);
        let alice = users[0].id;
        let bot = users.iter().find(|u| u.is_bot).map(|u| u.id);

        let members: Vec<(u64, bool)> = users
            .iter()
            .filter(|u| !u.is_bot && Some(u.id) != carol)
            .map(|u| (u.id, u.id == alice))
            .collect();
        let org = Organization {
            id: 9001,
            login: "acme".into(),
            name: "Acme Corp".into(),
            created_at: start - Duration::days(900),
            members: members.clone(),
        };

        let mut ids = Ids::new();
        let mut repos = Vec::with_capacity(shape.repos);
        for r in 0..shape.repos {
            let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(r as u64 + 1));
            let base = REPO_NAMES[r % REPO_NAMES.len()];
            let name = if r < REPO_NAMES.len() {
                base.to_string()
            } else {
                format!("{base}-{}", r / REPO_NAMES.len() + 1)
            };
            // Repositories differ a lot in activity: a few busy ones, a long quiet tail.
            let activity = (12.0 / (1.0 + r as f64 * 0.6) + rng.unit() * 2.0) * shape.activity;
            let created_at = start - Duration::days(rng.range(30, 600) as i64);

            let mut collaborators = vec![(alice, Permission::Admin)];
            for (id, _) in members.iter().skip(1) {
                if rng.chance(0.8) {
                    collaborators.push((*id, Permission::Push));
                }
            }
            if r == 0 {
                if let Some(carol) = carol {
                    collaborators.push((carol, Permission::Pull));
                }
            }
            let repo_id = 500_000 + r as u64 * 7 + 1;
            let mut repo = Repository::new(repo_id, &org.login, &name, created_at, collaborators);
            repo.description = format!("Acme's {base} service");
            repo.private = r % 3 == 2;
            repo.language = (*rng.pick(LANGUAGES)).to_string();
            repo.topics = vec![TOPICS[r % TOPICS.len()]];
            repo.workflows = vec![
                Workflow {
                    id: repo_id * 10 + 1,
                    name: "CI",
                    path: ".github/workflows/ci.yml",
                    created_at,
                    updated_at: created_at,
                },
                Workflow {
                    id: repo_id * 10 + 2,
                    name: "Deploy",
                    path: ".github/workflows/deploy.yml",
                    created_at,
                    updated_at: created_at,
                },
            ];
            if repo.language == "TypeScript" {
                repo.package = Some(package(&repo, now));
            }
            let gen = RepoGen {
                rng: &mut rng,
                ids: &mut ids,
                start,
                now,
                weeks: shape.weeks,
                activity,
                bot,
                // Every fourth repository deploys to two production regions.
                regions: r % 4 == 1,
            };
            gen.fill(&mut repo, r, shape.stars);
            repos.push(repo);
        }

        let teams = teams(&members, &repos, start);
        // Users keep a stable order (by id) for lookups.
        users.sort_by_key(|u| u.id);
        World {
            now,
            users,
            org,
            teams,
            repos,
            next_id: 9_000_000_000,
            nodes: NodeIndex::default(),
        }
    }
}

fn teams(members: &[(u64, bool)], repos: &[Repository], start: Time) -> Vec<Team> {
    let defs = [
        (
            "platform",
            "Platform",
            "APIs, infrastructure and the services behind them",
        ),
        ("web", "Web", "The web application and the docs"),
        ("mobile", "Mobile", "The mobile apps"),
    ];
    defs.iter()
        .enumerate()
        .map(|(t, (slug, name, description))| Team {
            id: 30_000 + t as u64,
            slug: (*slug).to_string(),
            name: (*name).to_string(),
            description: (*description).to_string(),
            created_at: start - Duration::days(300 - 20 * t as i64),
            members: members
                .iter()
                .enumerate()
                .filter(|(i, _)| i % defs.len() == t || *i == 0)
                .map(|(i, (id, _))| (*id, i == t + 1))
                .collect(),
            repo_ids: repos
                .iter()
                .enumerate()
                .filter(|(i, _)| i % defs.len() == t)
                .map(|(_, r)| r.id)
                .collect(),
        })
        .collect()
}

struct RepoGen<'a> {
    rng: &'a mut Rng,
    ids: &'a mut Ids,
    start: Time,
    now: Time,
    weeks: i64,
    activity: f64,
    bot: Option<u64>,
    /// Whether production deployments go to a second region (`production-eu`) too.
    regions: bool,
}

/// The npm package a TypeScript repository publishes (`@org/name`), from two weeks after
/// its creation to the day before now: a base of 20-2,000 a day growing towards twice
/// that, weekends at 60 %, and ±20 % of noise. Drawn from the repository's id, not the
/// shared stream, so the rest of the world does not depend on it.
fn package(repo: &Repository, now: Time) -> Package {
    let first_day = (repo.created_at + Duration::days(14)).date_naive();
    let last_day = (now - Duration::days(1)).date_naive();
    let days = (last_day - first_day).num_days().max(-1) + 1;
    let mut rng = Rng::new(repo.id ^ 0x6e70_6d00);
    let base = rng.range(20, 2_000) as f64;
    let daily = (0..days)
        .map(|k| {
            let day = first_day + Duration::days(k);
            let growth = 1.0 + k as f64 / days.max(1) as f64;
            let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
            let noise = 0.8 + 0.4 * rng.unit();
            (base * growth * if weekend { 0.6 } else { 1.0 } * noise).round() as u64
        })
        .collect();
    Package {
        name: format!("@{}/{}", repo.owner, repo.name),
        first_day,
        daily,
    }
}

/// A pull request before numbering: when it was opened, by whom.
struct Draft {
    created_at: Time,
    author_id: u64,
    is_bot: bool,
}

impl RepoGen<'_> {
    fn fill(mut self, repo: &mut Repository, index: usize, star_scale: f64) {
        let authors: Vec<u64> = repo
            .collaborators
            .iter()
            .filter(|(_, p)| *p >= Permission::Push)
            .map(|(id, _)| *id)
            .collect();
        let reporters: Vec<u64> = repo.collaborators.iter().map(|(id, _)| *id).collect();

        let drafts = self.pull_drafts(&authors);
        let mut pulls: Vec<PullRequest> = drafts.iter().map(|d| self.pull(d, &authors)).collect();
        let bots: HashSet<u64> = pulls
            .iter()
            .zip(&drafts)
            .filter(|(_, d)| d.is_bot)
            .map(|(p, _)| p.id)
            .collect();
        // Reverts: about 3% of the changes people merge are reverted a few hours later
        // with GitHub's "Revert" button (by pull request id: revert, original).
        let mut reverts: HashMap<u64, u64> = HashMap::new();
        let merged: Vec<(u64, Time)> = pulls
            .iter()
            .filter(|p| !bots.contains(&p.id))
            .filter_map(|p| Some((p.id, p.merged_at?)))
            .collect();
        for (original, merged_at) in merged {
            if !self.rng.chance(0.03) {
                continue;
            }
            let created_at =
                merged_at + Duration::minutes(self.rng.log_normal(240.0, 1.0) as i64 + 10);
            if created_at >= self.now {
                continue;
            }
            let d = Draft {
                created_at,
                author_id: *self.rng.pick(&authors),
                is_bot: false,
            };
            let revert = self.pull(&d, &authors);
            reverts.insert(revert.id, original);
            pulls.push(revert);
        }
        let mut issues = self.issues(&reporters, &authors);
        // Incidents that were resolved were fixed by a pull request whose body says
        // "Fixes #N": GitHub closed the incident when it merged (by pull request id: the
        // incident's issue id).
        let mut fixes: HashMap<u64, u64> = HashMap::new();
        for issue in issues.iter_mut() {
            if !issue.labels.contains(&"incident") || issue.closed_at.is_none() {
                continue;
            }
            let d = Draft {
                created_at: issue.created_at + Duration::minutes(self.rng.range(10, 120) as i64),
                author_id: *self.rng.pick(&authors),
                is_bot: false,
            };
            if d.created_at >= self.now {
                continue;
            }
            let mut fix = self.pull(&d, &authors);
            let Some(merged_at) = fix.merged_at else {
                continue;
            };
            fix.title = format!("Fix: {}", issue.title.to_lowercase());
            fix.labels = vec!["bug"];
            issue.closed_at = Some(merged_at);
            issue.state = IssueState::Closed;
            issue.state_reason = Some("completed");
            issue.updated_at = issue.updated_at.max(merged_at);
            fixes.insert(fix.id, issue.id);
            pulls.push(fix);
        }
        number_in_creation_order(&mut pulls, &mut issues, &mut self.ids.issue);
        let issue_numbers: HashMap<u64, u64> = issues.iter().map(|i| (i.id, i.number)).collect();
        for p in pulls.iter_mut() {
            if let Some(issue) = fixes.get(&p.id) {
                p.body = Some(format!("Fixes #{}", issue_numbers[issue]));
            }
        }
        let originals: HashMap<u64, (u64, String)> = pulls
            .iter()
            .map(|p| (p.id, (p.number, p.title.clone())))
            .collect();
        for p in pulls.iter_mut() {
            // Branch names and bot and revert titles follow the final numbers.
            if bots.contains(&p.id) {
                p.title = format!(
                    "Bump dependency-{} from 1.{}.0 to 1.{}.1",
                    p.number % 17,
                    p.number % 9,
                    p.number % 9
                );
                p.head_ref = format!("dependabot/cargo/dependency-{}", p.number);
                p.labels = vec!["dependencies"];
            } else if let Some((number, title)) = reverts.get(&p.id).map(|o| &originals[o]) {
                p.head_ref = format!("revert-{number}-{}", slug(title));
                p.title = format!("Revert \"{title}\"");
            } else {
                p.head_ref = format!("feature/{}-{}", p.number, slug(&p.title));
            }
        }
        repo.pulls = pulls;
        repo.issues = issues;
        self.history(repo, &authors);
        self.runs_and_deployments(repo, &authors);
        self.releases(repo);
        self.stars_and_forks(repo, index, star_scale);

        let latest_item = repo
            .pulls
            .iter()
            .map(|p| p.updated_at)
            .chain(repo.issues.iter().map(|i| i.updated_at))
            .max()
            .unwrap_or(repo.created_at);
        repo.pushed_at = repo.head().map_or(repo.created_at, |c| c.committed_at);
        repo.updated_at = latest_item
            .max(repo.pushed_at)
            .max(repo.stars.last().map_or(repo.created_at, |s| s.starred_at));
    }

    fn pull_drafts(&mut self, authors: &[u64]) -> Vec<Draft> {
        let mut drafts = Vec::new();
        for week in 0..self.weeks {
            // Bursty rhythm: some weeks are quiet (holidays), some are crunch weeks.
            let rhythm = match self.rng.range(0, 10) {
                0 => 0.2,
                1..=7 => 1.0,
                _ => 1.8,
            };
            let expected = self.activity * rhythm;
            let count = (expected + (self.rng.unit() - 0.5) * expected)
                .round()
                .max(0.0) as u64;
            for _ in 0..count {
                // Most work happens on weekdays during working hours.
                let day = if self.rng.chance(0.9) {
                    self.rng.range(0, 5)
                } else {
                    self.rng.range(5, 7)
                };
                let created_at = self.start
                    + Duration::weeks(week)
                    + Duration::days(day as i64)
                    + Duration::minutes(self.rng.range(7 * 60, 19 * 60) as i64);
                if created_at >= self.now {
                    continue;
                }
                let is_bot = self.bot.is_some() && self.rng.chance(0.12);
                let author_id = match (is_bot, self.bot) {
                    (true, Some(bot)) => bot,
                    _ => *self.rng.pick(authors),
                };
                drafts.push(Draft {
                    created_at,
                    author_id,
                    is_bot,
                });
            }
        }
        drafts.sort_by_key(|d| d.created_at);
        drafts
    }

    fn pull(&mut self, d: &Draft, authors: &[u64]) -> PullRequest {
        let rng = &mut *self.rng;
        let now = self.now;
        let id = next(&mut self.ids.pull);
        let created_at = d.created_at;
        // Size: heavy tailed; bots change a line or two of a lock file.
        let additions = if d.is_bot {
            rng.range(1, 8) as u32
        } else {
            rng.log_normal(45.0, 1.5).min(20_000.0) as u32 + 1
        };
        let deletions = (additions as f64 * rng.unit() * 0.8) as u32;
        let changed_files = (1 + additions / 40 + rng.range(0, 3) as u32).min(300);
        let commits = if d.is_bot {
            1
        } else {
            1 + rng.log_normal(1.5, 0.8).min(40.0) as u32
        };
        let first_commit_at = created_at - Duration::minutes(rng.log_normal(180.0, 1.2) as i64);

        let opened_as_draft = !d.is_bot && rng.chance(0.15);
        let ready_at = opened_as_draft
            .then(|| created_at + Duration::minutes(rng.log_normal(300.0, 1.0) as i64));
        let review_from = ready_at.unwrap_or(created_at);

        // Time to outcome: log-normal around a day, heavy tail out to weeks.
        let latency = Duration::minutes(
            (rng.log_normal(if d.is_bot { 6.0 } else { 26.0 }, 1.1) * 60.0) as i64,
        );
        let outcome = rng.unit();
        let end = review_from + latency;
        let resolved = end < now;
        let (state, closed_at, merged_at) = if !resolved || outcome < 0.06 {
            (PullState::Open, None, None)
        } else if outcome < 0.84 {
            (PullState::Closed, Some(end), Some(end))
        } else {
            (PullState::Closed, Some(end), None)
        };
        let ready_for_review_at = ready_at.filter(|t| *t < closed_at.unwrap_or(now));
        let draft = opened_as_draft && ready_for_review_at.is_none() && state == PullState::Open;
        let horizon = closed_at.unwrap_or(now);

        let head_sha = Sha::derive(SHA_BRANCH, id);
        // Reviews: humans get one to three; bot pull requests usually one approval.
        let mut reviews = Vec::new();
        let mut review_comments = Vec::new();
        let reviewers: Vec<u64> = authors
            .iter()
            .copied()
            .filter(|a| *a != d.author_id)
            .collect();
        if !draft && !reviewers.is_empty() {
            let count = if d.is_bot {
                rng.range(0, 2)
            } else {
                rng.range(0, 4)
            };
            let mut at = review_from + Duration::minutes(rng.log_normal(240.0, 1.3) as i64);
            for k in 0..count {
                if at >= horizon {
                    break;
                }
                let last = k + 1 == count;
                let state = if last && merged_at.is_some() {
                    ReviewState::Approved
                } else {
                    match rng.range(0, 10) {
                        0..=3 => ReviewState::Commented,
                        4..=6 => ReviewState::ChangesRequested,
                        _ => ReviewState::Approved,
                    }
                };
                let review_id = next(&mut self.ids.review);
                let reviewer_id = *rng.pick(&reviewers);
                if state != ReviewState::Approved {
                    for _ in 0..rng.range(1, 4) {
                        let t = at - Duration::minutes(rng.range(0, 20) as i64);
                        review_comments.push(ReviewComment {
                            id: next(&mut self.ids.review_comment),
                            review_id,
                            author_id: reviewer_id,
                            created_at: t,
                            updated_at: t,
                        });
                    }
                }
                reviews.push(Review {
                    id: review_id,
                    reviewer_id,
                    state,
                    submitted_at: at,
                    commit_sha: head_sha,
                });
                at += Duration::minutes(rng.log_normal(120.0, 1.2) as i64);
            }
        }
        let mut comments = Vec::new();
        for _ in 0..rng.log_normal(0.8, 1.0).min(30.0) as u32 {
            let span = (horizon - created_at).num_minutes().max(1) as u64;
            let t = created_at + Duration::minutes(rng.range(0, span) as i64);
            let author_id = if rng.chance(0.5) {
                d.author_id
            } else {
                *rng.pick(authors)
            };
            comments.push(Comment {
                id: next(&mut self.ids.comment),
                author_id,
                created_at: t,
                updated_at: t,
            });
        }
        comments.sort_by_key(|c| c.created_at);
        review_comments.sort_by_key(|c| c.created_at);

        let last_activity = reviews
            .iter()
            .map(|r| r.submitted_at)
            .chain(comments.iter().map(|c| c.updated_at))
            .max()
            .unwrap_or(created_at);
        let updated_at = closed_at.unwrap_or_else(|| {
            let age_hours = (now - created_at).num_hours().max(1) as u64;
            let idle = rng.range(0, age_hours.min(24 * 14) + 1);
            (created_at + Duration::hours(idle as i64)).min(now)
        });
        let updated_at = updated_at
            .max(last_activity)
            .max(ready_for_review_at.unwrap_or(created_at));
        let merged_by = merged_at.map(|_| {
            reviews
                .iter()
                .rev()
                .find(|r| r.state == ReviewState::Approved)
                .map_or(d.author_id, |r| r.reviewer_id)
        });
        PullRequest {
            id,
            issue_id: 0,
            number: 0,
            title: format!("{} {}", rng.pick(VERBS), rng.pick(NOUNS)),
            body: None,
            author_id: d.author_id,
            state,
            draft,
            labels: Vec::new(),
            created_at,
            updated_at,
            closed_at,
            merged_at,
            merged_by,
            ready_for_review_at,
            first_commit_at,
            head_ref: String::new(),
            base_ref: "main".into(),
            head_sha,
            merge_commit_sha: None,
            additions,
            deletions,
            changed_files,
            commits,
            reviews,
            comments,
            review_comments,
        }
    }

    fn issues(&mut self, reporters: &[u64], members: &[u64]) -> Vec<Issue> {
        let per_week = self.activity * 0.5;
        let mut issues = Vec::new();
        for week in 0..self.weeks {
            let count = (per_week * (0.5 + self.rng.unit())).round() as u64;
            for _ in 0..count {
                let rng = &mut *self.rng;
                let created_at = self.start
                    + Duration::weeks(week)
                    + Duration::minutes(rng.range(0, 7 * 24 * 60) as i64);
                if created_at >= self.now {
                    continue;
                }
                let labels = match rng.range(0, 10) {
                    0..=3 => vec!["bug"],
                    4..=6 => vec!["enhancement"],
                    7 => vec!["documentation"],
                    8 => vec!["incident", "bug"],
                    _ => vec!["good first issue", "enhancement"],
                };
                let age_hours = (self.now - created_at).num_hours() as f64;
                let urgent = labels.contains(&"incident");
                let latency_hours = rng.log_normal(if urgent { 4.0 } else { 72.0 }, 1.4);
                let closed_at = (latency_hours < age_hours && rng.chance(0.9))
                    .then(|| created_at + Duration::minutes((latency_hours * 60.0) as i64));
                let state_reason = closed_at.map(|_| {
                    if rng.chance(0.85) {
                        "completed"
                    } else {
                        "not_planned"
                    }
                });
                let horizon = closed_at.unwrap_or(self.now);
                let mut comments: Vec<Comment> = (0..rng.log_normal(2.0, 1.0).min(60.0) as u32)
                    .map(|_| {
                        let span = (horizon - created_at).num_minutes().max(1) as u64;
                        let t = created_at + Duration::minutes(rng.range(0, span) as i64);
                        Comment {
                            id: 0,
                            author_id: *rng.pick(reporters),
                            created_at: t,
                            updated_at: t,
                        }
                    })
                    .collect();
                comments.sort_by_key(|c| c.created_at);
                for c in &mut comments {
                    c.id = next(&mut self.ids.comment);
                }
                let rng = &mut *self.rng;
                let last_comment = comments.last().map_or(created_at, |c| c.created_at);
                let updated_at = closed_at
                    .unwrap_or_else(|| {
                        let idle = rng.range(0, (age_hours.max(1.0) as u64).min(24 * 30) + 1);
                        (created_at + Duration::hours(idle as i64)).min(self.now)
                    })
                    .max(last_comment);
                let assignee_ids = if rng.chance(0.6) {
                    vec![*rng.pick(members)]
                } else {
                    Vec::new()
                };
                issues.push(Issue {
                    id: next(&mut self.ids.issue),
                    number: 0,
                    title: format!("{} {}", self.rng.pick(NOUNS), self.rng.pick(ISSUE_SYMPTOMS)),
                    author_id: *self.rng.pick(reporters),
                    state: if closed_at.is_some() {
                        IssueState::Closed
                    } else {
                        IssueState::Open
                    },
                    state_reason,
                    labels,
                    assignee_ids,
                    comments,
                    created_at,
                    updated_at,
                    closed_at,
                });
            }
        }
        issues
    }

    /// The default branch: merged pull requests' commits and merge commits, plus direct
    /// pushes by members, in commit-time order.
    fn history(&mut self, repo: &mut Repository, authors: &[u64]) {
        let mut commits: Vec<Commit> = Vec::new();
        let mut serial = repo.id * 10_000_000;
        for p in &mut repo.pulls {
            let Some(merged_at) = p.merged_at else {
                continue;
            };
            // GitHub's three merge methods: a merge commit (60%), a squash (30%), a rebase
            // (10%), by the pull request's id.
            let method = Rng::new(p.id ^ 0x6d65_7267).range(0, 10);
            serial += 1;
            let merge_sha = Sha::derive(SHA_COMMIT, serial);
            p.merge_commit_sha = Some(merge_sha);
            if (6..9).contains(&method) {
                // Squash: one commit with the whole change.
                commits.push(Commit {
                    sha: merge_sha,
                    parent: None,
                    kind: CommitKind::Merge { pull: p.number },
                    author_id: p.author_id,
                    authored_at: merged_at,
                    committed_at: merged_at,
                    additions: p.additions,
                    deletions: p.deletions,
                    files: p.changed_files.max(1),
                });
                continue;
            }
            let rebase = method == 9;
            let span = (merged_at - p.first_commit_at).num_minutes().max(2);
            let mut times: Vec<i64> = (0..p.commits)
                .map(|k| {
                    if k == 0 {
                        0
                    } else {
                        self.rng.range(0, span as u64 - 1) as i64
                    }
                })
                .collect();
            times.sort();
            let (mut adds, mut dels) = (p.additions, p.deletions);
            for (k, minutes) in times.iter().enumerate() {
                let last = k + 1 == times.len();
                let a = if last { adds } else { adds / 2 };
                let dl = if last { dels } else { dels / 2 };
                adds -= a;
                dels -= dl;
                let at = p.first_commit_at + Duration::minutes(*minutes);
                serial += 1;
                // A rebase writes the branch's commits again on top of the default branch,
                // and GitHub reports the last of them as the merge commit.
                let sha = match (last, rebase) {
                    (true, true) => merge_sha,
                    (true, false) => p.head_sha,
                    _ => Sha::derive(SHA_COMMIT, serial),
                };
                commits.push(Commit {
                    sha,
                    parent: None,
                    kind: CommitKind::Work { pull: p.number },
                    author_id: p.author_id,
                    authored_at: at,
                    committed_at: if rebase { merged_at } else { at },
                    additions: a,
                    deletions: dl,
                    files: (a / 40 + 1).min(p.changed_files.max(1)),
                });
            }
            if rebase {
                continue;
            }
            commits.push(Commit {
                sha: merge_sha,
                parent: None,
                kind: CommitKind::Merge { pull: p.number },
                author_id: p.merged_by.unwrap_or(p.author_id),
                authored_at: merged_at,
                committed_at: merged_at,
                additions: 0,
                deletions: 0,
                files: 0,
            });
        }
        // Direct pushes: small fixes and version bumps straight to the default branch.
        let direct = (self.activity * 0.3 * self.weeks as f64) as u64;
        let span = (self.now - self.start).num_minutes() as u64;
        for _ in 0..direct {
            let at = self.start + Duration::minutes(self.rng.range(0, span) as i64);
            serial += 1;
            let additions = self.rng.log_normal(6.0, 1.0) as u32 + 1;
            commits.push(Commit {
                sha: Sha::derive(SHA_COMMIT, serial),
                parent: None,
                kind: CommitKind::Direct,
                author_id: *self.rng.pick(authors),
                authored_at: at,
                committed_at: at,
                additions,
                deletions: additions / 3,
                files: 1,
            });
        }
        commits.sort_by_key(|c| c.committed_at);
        let mut parent = None;
        for c in &mut commits {
            c.parent = parent;
            parent = Some(c.sha);
        }
        repo.commits = commits;
    }

    /// CI runs for pull requests and pushes; Deploy runs on pushes of merges, each
    /// creating a staging deployment and, for about a third, a production one.
    fn runs_and_deployments(&mut self, repo: &mut Repository, authors: &[u64]) {
        let ci = repo.workflows[0].id;
        let deploy = repo.workflows[1].id;
        let mut runs: Vec<WorkflowRun> = Vec::new();
        for p in &repo.pulls {
            let pushes = p.commits.min(2) as i64;
            for k in 0..pushes {
                let horizon = p.closed_at.unwrap_or(self.now);
                let span = (horizon - p.created_at).num_minutes().max(1);
                let at = p.created_at + Duration::minutes(span * k / pushes.max(1));
                let sha = if k + 1 == pushes {
                    p.head_sha
                } else {
                    Sha::derive(SHA_BRANCH, p.id * 31 + k as u64)
                };
                runs.push(self.run(
                    ci,
                    "pull_request",
                    sha,
                    Some(p.number),
                    p.author_id,
                    at,
                    0.12,
                ));
            }
        }
        let members = authors;
        let commits = std::mem::take(&mut repo.commits);
        for c in &commits {
            if matches!(c.kind, CommitKind::Work { .. }) {
                continue;
            }
            let at = c.committed_at + Duration::seconds(5);
            runs.push(self.run(ci, "push", c.sha, None, c.author_id, at, 0.06));
            if matches!(c.kind, CommitKind::Merge { .. }) {
                let run = self.run(deploy, "push", c.sha, None, c.author_id, at, 0.04);
                self.deployments_for(repo, &run, members);
                runs.push(run);
            }
        }
        repo.commits = commits;
        runs.sort_by_key(|r| (r.created_at, r.id));
        for (n, run) in runs.iter_mut().enumerate() {
            run.run_number = n as u64 + 1;
        }
        repo.runs = runs;
        repo.deployments.sort_by_key(|d| (d.created_at, d.id));
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        workflow_id: u64,
        event: &'static str,
        head_sha: Sha,
        pull_number: Option<u64>,
        actor_id: u64,
        at: Time,
        failure_rate: f64,
    ) -> WorkflowRun {
        let rng = &mut *self.rng;
        let queued = Duration::seconds(rng.range(2, 90) as i64);
        let duration = Duration::seconds(rng.log_normal(360.0, 0.5) as i64 + 20);
        let started = at + queued;
        let roll = rng.unit();
        // A flaky failure is often re-run, and the second attempt passes.
        let (conclusion, attempt) = if roll < failure_rate * 0.5 {
            (Conclusion::Success, 2)
        } else if roll < failure_rate {
            (Conclusion::Failure, 1)
        } else if roll < failure_rate + 0.03 {
            (Conclusion::Cancelled, 1)
        } else {
            (Conclusion::Success, 1)
        };
        let end = started + duration * attempt as i32;
        let (status, conclusion, updated_at) = if at > self.now {
            (RunStatus::Queued, None, self.now)
        } else if end > self.now {
            (RunStatus::InProgress, None, self.now.max(started))
        } else {
            (RunStatus::Completed, Some(conclusion), end)
        };
        WorkflowRun {
            id: next(&mut self.ids.run),
            workflow_id,
            run_number: 0,
            event,
            head_sha,
            pull_number,
            actor_id,
            status,
            conclusion,
            run_attempt: attempt,
            created_at: at,
            run_started_at: started.min(self.now),
            updated_at,
        }
    }

    fn deployments_for(&mut self, repo: &mut Repository, run: &WorkflowRun, members: &[u64]) {
        if run.status != RunStatus::Completed {
            return;
        }
        let mut envs = vec![("staging", 0)];
        if self.rng.chance(0.35) {
            envs.push(("production", 0));
            if self.regions {
                // The second region goes out a quarter of an hour after the first.
                envs.push(("production-eu", 15));
            }
        }
        let creator_id = *self.rng.pick(members);
        for (env, later) in envs {
            let created_at = run.run_started_at + Duration::seconds(30) + Duration::minutes(later);
            let id = next(&mut self.ids.deployment);
            let ok = run.conclusion == Some(Conclusion::Success) && self.rng.chance(0.95);
            let end = run.updated_at.max(created_at + Duration::seconds(10));
            let statuses = vec![
                DeploymentStatus {
                    id: next(&mut self.ids.deployment_status),
                    state: "in_progress",
                    creator_id,
                    created_at,
                },
                DeploymentStatus {
                    id: next(&mut self.ids.deployment_status),
                    state: if ok { "success" } else { "failure" },
                    creator_id,
                    created_at: end,
                },
            ];
            repo.deployments.push(Deployment {
                id,
                sha: run.head_sha,
                git_ref: repo.default_branch.clone(),
                environment: env,
                creator_id,
                created_at,
                updated_at: end,
                statuses,
            });
        }
    }

    fn releases(&mut self, repo: &mut Repository) {
        if repo.commits.is_empty() {
            return;
        }
        let mut at = self.start + Duration::days(self.rng.range(3, 20) as i64);
        let (mut minor, mut patch) = (0u32, 0u32);
        while at < self.now {
            let idx = repo.commits.partition_point(|c| c.committed_at <= at);
            if idx > 0 {
                let sha = repo.commits[idx - 1].sha;
                if self.rng.chance(0.7) {
                    minor += 1;
                    patch = 0;
                } else {
                    patch += 1;
                }
                let tag = format!("v1.{minor}.{patch}");
                repo.releases.push(Release {
                    id: next(&mut self.ids.release),
                    name: format!("{} {tag}", repo.name),
                    tag,
                    author_id: repo.collaborators[0].0,
                    sha,
                    prerelease: self.rng.chance(0.1),
                    created_at: at - Duration::minutes(5),
                    published_at: at,
                });
            }
            at += Duration::days(self.rng.range(7, 28) as i64);
        }
    }

    fn stars_and_forks(&mut self, repo: &mut Repository, index: usize, scale: f64) {
        let count = (scale / (index as f64 + 1.0) * (0.5 + self.rng.unit())) as u64;
        let count = count.min(STARGAZER_POOL - 1);
        let life = (self.now - repo.created_at).num_seconds().max(1) as f64;
        let offset = (index as u64).wrapping_mul(104_729) % STARGAZER_POOL;
        let mut times: Vec<i64> = (0..count)
            // Growth accelerates: later days see more stars.
            .map(|_| (life * self.rng.unit().sqrt()) as i64)
            .collect();
        times.sort_unstable();
        repo.stars = times
            .iter()
            .enumerate()
            .map(|(i, secs)| Star {
                user_id: STARGAZER_BASE + (offset + i as u64 * 7919) % STARGAZER_POOL,
                starred_at: repo.created_at + Duration::seconds(*secs),
            })
            .collect();
        let forks = count / 12;
        let mut fork_times: Vec<i64> = (0..forks)
            .map(|_| (life * self.rng.unit().sqrt()) as i64)
            .collect();
        fork_times.sort_unstable();
        repo.forks = fork_times
            .iter()
            .enumerate()
            .map(|(i, secs)| Fork {
                id: next(&mut self.ids.fork),
                owner_id: STARGAZER_BASE + (offset + 13 + i as u64 * 7919) % STARGAZER_POOL,
                created_at: repo.created_at + Duration::seconds(*secs),
            })
            .collect();
    }
}

/// The pull request drafts in the order `number_in_creation_order` leaves the pulls.
fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Gives issues and pull requests one number sequence in order of creation, and each pull
/// request the id of its issue, as GitHub does.
fn number_in_creation_order(
    pulls: &mut [PullRequest],
    issues: &mut [Issue],
    next_issue_id: &mut u64,
) {
    let mut order: Vec<(Time, bool, usize)> = pulls
        .iter()
        .enumerate()
        .map(|(i, p)| (p.created_at, true, i))
        .chain(
            issues
                .iter()
                .enumerate()
                .map(|(i, x)| (x.created_at, false, i)),
        )
        .collect();
    order.sort();
    for (n, (_, is_pull, i)) in order.into_iter().enumerate() {
        let number = n as u64 + 1;
        if is_pull {
            pulls[i].number = number;
            pulls[i].issue_id = next(next_issue_id);
        } else {
            issues[i].number = number;
        }
    }
    issues.sort_by_key(|x| x.number);
    pulls.sort_by_key(|p| p.number);
}

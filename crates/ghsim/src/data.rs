//! The simulated world: users, one organisation, its repositories and their pull requests,
//! generated deterministically from a seed and an anchor time ("now").

use chrono::{DateTime, Duration, Utc};

/// A small, fast, deterministic generator (SplitMix64). The simulator's output must be
/// identical for the same seed on every machine and version, so it carries its own.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(hi > lo);
        lo + self.next_u64() % (hi - lo)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-normal sample with the given median and spread (sigma of the underlying normal).
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        // Box-Muller; `unit` can return 0, which ln cannot take.
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        median * (sigma * n).exp()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }
}

/// How much history to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Size {
    /// A handful of repositories with half a year of history: the demo and most tests.
    #[default]
    Small,
    /// Twenty repositories with a year of history.
    Medium,
    /// Two hundred repositories with two years of history.
    Large,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Size::Small),
            "medium" => Ok(Size::Medium),
            "large" => Ok(Size::Large),
            other => Err(format!(
                "unknown size {other:?}: expected small, medium or large"
            )),
        }
    }
}

impl Size {
    fn shape(self) -> (usize, i64) {
        // (repositories, weeks of history)
        match self {
            Size::Small => (5, 26),
            Size::Medium => (20, 52),
            Size::Large => (200, 104),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    Pull,
    Push,
    Admin,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub is_bot: bool,
    /// The OAuth/personal token the simulator accepts for this user.
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: u64,
    pub login: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Repository {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub description: String,
    pub private: bool,
    pub language: String,
    pub default_branch: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pushed_at: DateTime<Utc>,
    pub stargazers_count: u64,
    pub forks_count: u64,
    pub archived: bool,
    /// Who may see this repository, and with what role. Public repositories are
    /// readable by everyone, but only these users have them in `/user/repos`.
    pub collaborators: Vec<(u64, Permission)>,
    pub pulls: Vec<PullRequest>,
    /// Issues that are not pull requests. Issues and pull requests share one number
    /// sequence per repository, as on GitHub.
    pub issues: Vec<Issue>,
}

impl Repository {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn permission_of(&self, user_id: u64) -> Option<Permission> {
        self.collaborators
            .iter()
            .find(|(id, _)| *id == user_id)
            .map(|(_, p)| *p)
    }

    pub fn visible_to(&self, user_id: u64) -> bool {
        !self.private || self.permission_of(user_id).is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullState {
    Open,
    Closed,
}

#[derive(Debug, Clone)]
pub struct PullRequest {
    pub id: u64,
    /// The id of the issue GitHub keeps for every pull request (`/issues` lists it).
    pub issue_id: u64,
    pub number: u64,
    pub title: String,
    pub author_id: u64,
    pub state: PullState,
    pub draft: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub head_ref: String,
    pub base_ref: String,
    pub head_sha: String,
    pub merge_commit_sha: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueState {
    Open,
    Closed,
}

#[derive(Debug, Clone)]
pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub author_id: u64,
    pub state: IssueState,
    /// `completed` or `not_planned` once closed.
    pub state_reason: Option<&'static str>,
    pub labels: Vec<&'static str>,
    pub assignee_ids: Vec<u64>,
    pub comments: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The labels every generated repository has, with GitHub's default colours.
pub const LABELS: &[(&str, &str, &str)] = &[
    ("bug", "d73a4a", "Something isn't working"),
    ("enhancement", "a2eeef", "New feature or request"),
    (
        "documentation",
        "0075ca",
        "Improvements or additions to documentation",
    ),
    ("incident", "b60205", "A production incident"),
    ("good first issue", "7057ff", "Good for newcomers"),
];

/// Everything the simulator serves.
#[derive(Debug, Clone)]
pub struct World {
    pub now: DateTime<Utc>,
    pub users: Vec<User>,
    pub org: Organization,
    pub repos: Vec<Repository>,
}

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

const VERBS: &[&str] = &[
    "Fix", "Add", "Refactor", "Remove", "Speed up", "Document", "Bump", "Harden", "Rename",
    "Simplify",
];

const NOUNS: &[&str] = &[
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

impl World {
    /// The world for a seed, with history ending at `now`.
    ///
    /// Users: `alice` owns the organisation and sees every repository; `bob` and the
    /// other members push to most; `carol` is an outside collaborator on one
    /// repository only, so per-user visibility is exercised from the start.
    pub fn generate(seed: u64, size: Size, now: DateTime<Utc>) -> World {
        let mut rng = Rng::new(seed);
        let (repo_count, weeks) = size.shape();
        let start = now - Duration::weeks(weeks);

        let mut users: Vec<User> = HUMANS
            .iter()
            .enumerate()
            .map(|(i, (login, name))| User {
                id: 1001 + i as u64,
                login: (*login).to_string(),
                name: (*name).to_string(),
                email: format!("{login}@example.com"),
                created_at: start - Duration::days(400 + 37 * i as i64),
                is_bot: false,
                token: token_for(seed, login),
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

        let org = Organization {
            id: 9001,
            login: "acme".into(),
            name: "Acme Corp".into(),
            created_at: start - Duration::days(900),
        };

        let mut next_pr_id: u64 = 1_000_000_000;
        let mut next_issue_id: u64 = 3_000_000_000;
        let mut repos = Vec::with_capacity(repo_count);
        for r in 0..repo_count {
            let base = REPO_NAMES[r % REPO_NAMES.len()];
            let name = if r < REPO_NAMES.len() {
                base.to_string()
            } else {
                format!("{base}-{}", r / REPO_NAMES.len() + 1)
            };
            // Repositories differ a lot in activity: a few busy ones, a long quiet tail.
            let activity = 12.0 / (1.0 + r as f64 * 0.6) + rng.unit() * 2.0;
            let private = r % 3 == 2;
            let created_at = start - Duration::days(rng.range(30, 600) as i64);

            let mut collaborators = vec![(users[0].id, Permission::Admin)];
            for user in users.iter().take(HUMANS.len()).skip(1) {
                if user.login == "carol" {
                    continue;
                }
                if rng.chance(0.8) {
                    collaborators.push((user.id, Permission::Push));
                }
            }
            if r == 0 {
                let carol = users.iter().find(|u| u.login == "carol").map(|u| u.id);
                if let Some(carol) = carol {
                    collaborators.push((carol, Permission::Pull));
                }
            }

            let mut pulls = generate_pulls(
                &mut rng,
                &mut next_pr_id,
                &users,
                &collaborators,
                start,
                now,
                weeks,
                activity,
            );
            let mut issues = generate_issues(
                &mut rng,
                &mut next_issue_id,
                &collaborators,
                start,
                now,
                weeks,
                activity * 0.5,
            );
            number_in_creation_order(&mut pulls, &mut issues, &mut next_issue_id);
            let pushed_at = pulls
                .iter()
                .filter_map(|p| p.merged_at)
                .max()
                .unwrap_or(created_at);
            let updated_at = pulls
                .iter()
                .map(|p| p.updated_at)
                .max()
                .unwrap_or(created_at)
                .max(pushed_at);
            repos.push(Repository {
                id: 500_000 + r as u64 * 7 + 1,
                owner: org.login.clone(),
                name,
                description: format!("Acme's {base} service"),
                private,
                language: (*rng.pick(LANGUAGES)).to_string(),
                default_branch: "main".into(),
                created_at,
                updated_at,
                pushed_at,
                stargazers_count: rng.range(0, 400 / (r as u64 + 1) + 2),
                forks_count: rng.range(0, 40 / (r as u64 + 1) + 2),
                archived: false,
                collaborators,
                pulls,
                issues,
            });
        }
        // Users keep a stable order for `/user` lookups; the bot has no repository access.
        users.sort_by_key(|u| u.id);
        World {
            now,
            users,
            org,
            repos,
        }
    }

    pub fn user_by_token(&self, token: &str) -> Option<&User> {
        self.users.iter().find(|u| u.token == token)
    }

    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        self.users.iter().find(|u| u.login == login)
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repository> {
        self.repos
            .iter()
            .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    /// The repositories a user is a collaborator on, as `/user/repos` lists them.
    pub fn repos_of(&self, user_id: u64) -> impl Iterator<Item = &Repository> {
        self.repos
            .iter()
            .filter(move |r| r.permission_of(user_id).is_some())
    }
}

/// Tokens look like GitHub's OAuth tokens (`gho_` + 36 characters) and are stable per seed.
pub fn token_for(seed: u64, login: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{seed}:{login}").as_bytes());
    format!("gho_{}", &hex::encode(digest)[..36])
}

#[allow(clippy::too_many_arguments)]
fn generate_pulls(
    rng: &mut Rng,
    next_id: &mut u64,
    users: &[User],
    collaborators: &[(u64, Permission)],
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    weeks: i64,
    activity: f64,
) -> Vec<PullRequest> {
    let authors: Vec<u64> = collaborators
        .iter()
        .filter(|(_, p)| *p >= Permission::Push)
        .map(|(id, _)| *id)
        .collect();
    let bot = users.iter().find(|u| u.is_bot).map(|u| u.id);
    let mut pulls = Vec::new();
    for week in 0..weeks {
        // Bursty rhythm: some weeks are quiet (holidays), some are crunch weeks.
        let rhythm = match rng.range(0, 10) {
            0 => 0.2,
            1..=7 => 1.0,
            _ => 1.8,
        };
        let expected = activity * rhythm;
        let count = (expected + (rng.unit() - 0.5) * expected).round().max(0.0) as u64;
        for _ in 0..count {
            // Most work happens on weekdays during working hours.
            let day = if rng.chance(0.9) {
                rng.range(0, 5)
            } else {
                rng.range(5, 7)
            };
            let created_at = start
                + Duration::weeks(week)
                + Duration::days(day as i64)
                + Duration::minutes(rng.range(7 * 60, 19 * 60) as i64);
            if created_at >= now {
                continue;
            }
            let is_bot = bot.is_some() && rng.chance(0.12);
            let author_id = if is_bot {
                bot.unwrap_or(authors[0])
            } else {
                *rng.pick(&authors)
            };
            pulls.push((created_at, author_id, is_bot));
        }
    }
    pulls.sort_by_key(|(t, _, _)| *t);

    pulls
        .into_iter()
        .enumerate()
        .map(|(i, (created_at, author_id, is_bot))| {
            let number = i as u64 + 1;
            *next_id += 1;
            let id = *next_id;
            let age_hours = (now - created_at).num_hours() as f64;
            // Time to outcome: log-normal around a day, heavy tail out to weeks.
            let latency_hours = rng.log_normal(if is_bot { 6.0 } else { 26.0 }, 1.1);
            let outcome = rng.unit();
            let resolved = latency_hours < age_hours;
            let (state, closed_at, merged_at) = if !resolved || outcome < 0.06 {
                (PullState::Open, None, None)
            } else {
                let at = created_at + Duration::minutes((latency_hours * 60.0) as i64);
                if outcome < 0.84 {
                    (PullState::Closed, Some(at), Some(at))
                } else {
                    (PullState::Closed, Some(at), None)
                }
            };
            let updated_at = closed_at.unwrap_or_else(|| {
                let idle = rng.range(0, (age_hours.max(1.0) as u64).min(24 * 14) + 1);
                (created_at + Duration::hours(idle as i64)).min(now)
            });
            let title = if is_bot {
                format!(
                    "Bump dependency-{} from 1.{}.0 to 1.{}.1",
                    number % 17,
                    number % 9,
                    number % 9
                )
            } else {
                format!("{} {}", rng.pick(VERBS), rng.pick(NOUNS))
            };
            let draft = state == PullState::Open && rng.chance(0.2);
            let head_sha = sha_for(id, "head");
            PullRequest {
                id,
                issue_id: 0,
                number,
                title,
                author_id,
                state,
                draft,
                created_at,
                updated_at,
                closed_at,
                merged_at,
                head_ref: if is_bot {
                    format!("dependabot/cargo/dependency-{number}")
                } else {
                    format!("feature/{number}")
                },
                base_ref: "main".into(),
                merge_commit_sha: merged_at.map(|_| sha_for(id, "merge")),
                head_sha,
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn generate_issues(
    rng: &mut Rng,
    next_id: &mut u64,
    collaborators: &[(u64, Permission)],
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    weeks: i64,
    per_week: f64,
) -> Vec<Issue> {
    // Anyone who can see the repository files issues; members triage them.
    let reporters: Vec<u64> = collaborators.iter().map(|(id, _)| *id).collect();
    let members: Vec<u64> = collaborators
        .iter()
        .filter(|(_, p)| *p >= Permission::Push)
        .map(|(id, _)| *id)
        .collect();
    let mut issues = Vec::new();
    for week in 0..weeks {
        let count = (per_week * (0.5 + rng.unit())).round() as u64;
        for _ in 0..count {
            let created_at =
                start + Duration::weeks(week) + Duration::minutes(rng.range(0, 7 * 24 * 60) as i64);
            if created_at >= now {
                continue;
            }
            *next_id += 1;
            let label = match rng.range(0, 10) {
                0..=3 => vec!["bug"],
                4..=6 => vec!["enhancement"],
                7 => vec!["documentation"],
                8 => vec!["incident", "bug"],
                _ => vec!["good first issue", "enhancement"],
            };
            let age_hours = (now - created_at).num_hours() as f64;
            let urgent = label.contains(&"incident");
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
            let comments = rng.log_normal(2.0, 1.0).min(80.0) as u32;
            let updated_at = closed_at.unwrap_or_else(|| {
                let idle = rng.range(0, (age_hours.max(1.0) as u64).min(24 * 30) + 1);
                (created_at + Duration::hours(idle as i64)).min(now)
            });
            let assignee_ids = if rng.chance(0.6) {
                vec![*rng.pick(&members)]
            } else {
                Vec::new()
            };
            issues.push(Issue {
                id: *next_id,
                number: 0,
                title: format!("{} {}", rng.pick(NOUNS), rng.pick(ISSUE_SYMPTOMS)),
                author_id: *rng.pick(&reporters),
                state: if closed_at.is_some() {
                    IssueState::Closed
                } else {
                    IssueState::Open
                },
                state_reason,
                labels: label,
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

const ISSUE_SYMPTOMS: &[&str] = &[
    "fails intermittently",
    "is slow under load",
    "should support SSO",
    "docs are out of date",
    "returns 500",
    "needs a retry",
];

/// Gives issues and pull requests one number sequence in order of creation, and each pull
/// request the id of its issue, as GitHub does.
fn number_in_creation_order(
    pulls: &mut [PullRequest],
    issues: &mut [Issue],
    next_issue_id: &mut u64,
) {
    let mut order: Vec<(DateTime<Utc>, bool, usize)> = pulls
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
            *next_issue_id += 1;
            pulls[i].number = number;
            pulls[i].issue_id = *next_issue_id;
        } else {
            issues[i].number = number;
        }
    }
    issues.sort_by_key(|x| x.number);
    pulls.sort_by_key(|p| p.number);
}

fn sha_for(id: u64, what: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("{what}:{id}").as_bytes()))[..40].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
    }

    #[test]
    fn same_seed_same_world() {
        let a = World::generate(7, Size::Small, anchor());
        let b = World::generate(7, Size::Small, anchor());
        let pulls = |w: &World| -> Vec<(u64, String, Option<DateTime<Utc>>)> {
            w.repos
                .iter()
                .flat_map(|r| r.pulls.iter().map(|p| (p.id, p.title.clone(), p.merged_at)))
                .collect()
        };
        assert_eq!(pulls(&a), pulls(&b));
        let c = World::generate(8, Size::Small, anchor());
        assert_ne!(pulls(&a), pulls(&c));
    }

    #[test]
    fn history_is_consistent() {
        let w = World::generate(1, Size::Small, anchor());
        assert_eq!(w.repos.len(), 5);
        for repo in &w.repos {
            // Issues and pull requests share one gap-free number sequence.
            let mut numbers: Vec<u64> = repo
                .pulls
                .iter()
                .map(|p| p.number)
                .chain(repo.issues.iter().map(|i| i.number))
                .collect();
            numbers.sort();
            assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
            for issue in &repo.issues {
                assert_eq!(issue.closed_at.is_some(), issue.state == IssueState::Closed);
                assert_eq!(issue.closed_at.is_some(), issue.state_reason.is_some());
                assert!(issue.updated_at >= issue.created_at);
            }
            for p in &repo.pulls {
                assert!(p.created_at < w.now);
                assert!(p.updated_at >= p.created_at);
                if let Some(m) = p.merged_at {
                    assert_eq!(p.closed_at, Some(m));
                    assert_eq!(p.state, PullState::Closed);
                }
                if p.state == PullState::Open {
                    assert!(p.closed_at.is_none());
                }
            }
        }
        // The busiest repository needs several pages of 100.
        assert!(w.repos[0].pulls.len() > 200, "{}", w.repos[0].pulls.len());
    }

    #[test]
    fn carol_sees_one_repository() {
        let w = World::generate(1, Size::Small, anchor());
        let carol = w.user_by_login("carol").unwrap();
        let names: Vec<String> = w.repos_of(carol.id).map(|r| r.full_name()).collect();
        assert_eq!(names, vec!["acme/api".to_string()]);
        let alice = w.user_by_login("alice").unwrap();
        assert_eq!(w.repos_of(alice.id).count(), 5);
    }
}

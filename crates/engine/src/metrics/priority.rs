//! The priority score of an open issue (METRICS.md, "Issue priority"): which issues to
//! look at first, from what GitHub says of them. A documented sum, clamped to 0-100, whose
//! every term is returned as a reason.

use crate::db::settings::SEVERITIES;

// The sync stores each issue's severity and label terms (`issue_facts.label_points`, see
// [`label_points`]): a release that changes these points or the label words ships a
// migration setting that column to NULL, and the startup backfill scores every issue again.

/// Points by severity (critical, high, medium, low) and for an issue with none.
pub const SEVERITY_POINTS: [f64; 4] = [60.0, 45.0, 30.0, 15.0];
pub const NO_SEVERITY_POINTS: f64 = 20.0;
/// Points added by a label that blocks work, a security or a regression label, and taken
/// by a documentation or a good-first-issue label (each counted once).
pub const BLOCKER_POINTS: f64 = 20.0;
pub const SECURITY_POINTS: f64 = 15.0;
pub const REGRESSION_POINTS: f64 = 10.0;
pub const DOCUMENTATION_POINTS: f64 = -15.0;
pub const GOOD_FIRST_ISSUE_POINTS: f64 = -10.0;
/// Age adds 2 points a full week open, at most 20 (ten weeks).
pub const POINTS_PER_WEEK: f64 = 2.0;
pub const MAX_AGE_POINTS: f64 = 20.0;

/// The words of each kind of label. A label matches when, lower-cased and with a prefix up
/// to its last `:` or `/` removed (`type: security`, `kind/regression`), it is one of them.
const BLOCKER: &[&str] = &["blocker", "blocking", "release blocker", "release-blocker"];
const SECURITY: &[&str] = &["security", "vulnerability", "cve"];
const REGRESSION: &[&str] = &["regression"];
const DOCUMENTATION: &[&str] = &["documentation", "docs"];
const GOOD_FIRST_ISSUE: &[&str] = &["good first issue", "good-first-issue", "beginner"];

fn word(label: &str) -> String {
    let lower = label.trim().to_lowercase();
    match lower.rfind([':', '/']) {
        Some(at) => lower[at + 1..].trim().to_string(),
        None => lower,
    }
}

/// The terms of an issue's score that do not change while it stays open: its severity and
/// its labels' (what the sync stores with the issue's facts, so that ranking an
/// organisation's open issues reads one number each).
///
/// `severity`: 0 (critical) to 3 (low), or `None`.
pub fn label_terms(severity: Option<usize>, labels: &[String]) -> Vec<(String, f64)> {
    let words: Vec<String> = labels.iter().map(|l| word(l)).collect();
    let has = |kind: &[&str]| words.iter().any(|w| kind.contains(&w.as_str()));
    let mut terms: Vec<(String, f64)> = vec![match severity.filter(|k| *k < 4) {
        Some(k) => (format!("severity {}", SEVERITIES[k]), SEVERITY_POINTS[k]),
        None => ("no severity".into(), NO_SEVERITY_POINTS),
    }];
    for (kind, name, points) in [
        (BLOCKER, "blocker label", BLOCKER_POINTS),
        (SECURITY, "security label", SECURITY_POINTS),
        (REGRESSION, "regression label", REGRESSION_POINTS),
        (DOCUMENTATION, "documentation label", DOCUMENTATION_POINTS),
        (
            GOOD_FIRST_ISSUE,
            "good first issue label",
            GOOD_FIRST_ISSUE_POINTS,
        ),
    ] {
        if has(kind) {
            terms.push((name.into(), points));
        }
    }
    terms
}

/// The sum of [`label_terms`].
pub fn label_points(severity: Option<usize>, labels: &[String]) -> f64 {
    label_terms(severity, labels).iter().map(|(_, p)| p).sum()
}

/// The whole weeks an issue has been open and the points they add.
pub fn age_points(age_days: f64) -> (f64, f64) {
    let weeks = (age_days.max(0.0) / 7.0).floor();
    (weeks, (weeks * POINTS_PER_WEEK).min(MAX_AGE_POINTS))
}

/// An issue's score in [0, 100] and the terms that made it, in the order of the formula
/// (`"severity high +45"`, `"security label +15"`, `"open 3 weeks +6"`, …).
///
/// `severity`: 0 (critical) to 3 (low), or `None`; `age_days`: how long it has been open.
pub fn score(severity: Option<usize>, labels: &[String], age_days: f64) -> (f64, Vec<String>) {
    let mut terms = label_terms(severity, labels);
    let (weeks, age) = age_points(age_days);
    if age > 0.0 {
        terms.push((format!("open {weeks} weeks"), age));
    }
    let total: f64 = terms.iter().map(|(_, p)| p).sum();
    let reasons = terms
        .into_iter()
        .map(|(name, p)| format!("{name} {}{p}", if p >= 0.0 { "+" } else { "" }))
        .collect();
    (total.clamp(0.0, 100.0), reasons)
}

/// The score as SQL over a row of `issue_facts` (`label_points`) and its days open
/// (`days`), for ranking in the database: [`score`]'s formula with its constants, so that
/// the two agree (the scenario tests compare the ranked list with [`score`]'s).
pub fn score_sql(days: &str) -> String {
    format!(
        "least(greatest(label_points + least(floor(greatest({days}, 0) / 7) * {POINTS_PER_WEEK}, {MAX_AGE_POINTS}), 0), 100)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_terms_add_up_and_are_named() {
        // critical 60 + blocker 20 + security 15 + 3 full weeks (23 days) × 2 = 101 → 100.
        let (s, why) = score(
            Some(0),
            &labels(&["Blocker", "type: Security", "bug"]),
            23.0,
        );
        assert_eq!(s, 100.0);
        assert_eq!(
            why,
            [
                "severity critical +60",
                "blocker label +20",
                "security label +15",
                "open 3 weeks +6"
            ]
        );
        // low 15 + documentation -15 + good first issue -10 = -10 → 0.
        let (s, _) = score(Some(3), &labels(&["docs", "good first issue"]), 2.0);
        assert_eq!(s, 0.0);
        // none 20 + regression (kind/regression) 10 + age capped at 20 (200 days) = 50.
        let (s, why) = score(None, &labels(&["kind/regression"]), 200.0);
        assert_eq!(s, 50.0);
        assert_eq!(
            why,
            [
                "no severity +20",
                "regression label +10",
                "open 28 weeks +20"
            ]
        );
        // medium 30, six days open: no age points.
        assert_eq!(score(Some(2), &[], 6.9).0, 30.0);
    }
}

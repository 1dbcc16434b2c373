//! Pull request cycle time and its stages (METRICS.md, "Pull request cycle time").

use chrono::{DateTime, Utc};
use wire::{Basis, Figure, Statistic, Unit};

use super::durations;
use crate::db::pulls::MergedPull;

/// Whether a login is a bot's: GitHub Apps act as `name[bot]`.
pub fn is_bot(login: &str) -> bool {
    login.ends_with("[bot]")
}

/// The stages of one pull request, in hours: coding (first commit to ready for review),
/// pickup (ready to first review), review (first review to merge), and the whole cycle
/// (first commit to merge). Pickup and review are `None` without a review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stages {
    pub cycle: f64,
    pub coding: f64,
    pub pickup: Option<f64>,
    pub review: Option<f64>,
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

impl MergedPull {
    /// Ready for review: when a draft was marked ready, else when it was opened.
    pub fn ready_at(&self) -> DateTime<Utc> {
        self.ready_for_review_at.unwrap_or(self.created_at)
    }

    /// Its stages; `None` when the first commit time is unknown (GitHub sent none).
    pub fn stages(&self) -> Option<Stages> {
        let first = self.first_commit_at?;
        let ready = self.ready_at().max(first);
        Some(Stages {
            cycle: hours(first, self.merged_at),
            coding: hours(first, ready),
            pickup: self.first_review_at.map(|r| hours(ready, r.max(ready))),
            review: self
                .first_review_at
                .map(|r| hours(r.max(ready), self.merged_at)),
        })
    }
}

/// Cycle time and its stages over the pull requests merged in a period, bots' excluded
/// (METRICS.md, "Pull request cycle time"), with the share merged without a review.
pub fn cycle_time(merged: &[MergedPull]) -> Vec<Figure> {
    let human: Vec<&MergedPull> = merged
        .iter()
        .filter(|p| !p.author_login.as_deref().is_some_and(is_bot))
        .collect();
    let stages: Vec<Stages> = human.iter().filter_map(|p| p.stages()).collect();
    let none_merged = "no pull request by a person was merged in this period";
    let none_reviewed = "no pull request merged in this period had a review by someone else";
    let measured = Basis::Measured {
        source: "pull requests merged in the period: first commit, ready for review, merge".into(),
    };
    // Pickup ends at the first review; comments are not read yet, so a first comment
    // that came before the review is not seen.
    let reviews_only = Basis::Proxy {
        source: "the first review by someone other than the author, not a bot".into(),
        stands_in_for: "the first review or comment by someone other than the author".into(),
    };
    let pick = |f: fn(&Stages) -> Option<f64>| stages.iter().filter_map(f).collect::<Vec<_>>();
    let mut figures = Vec::new();
    figures.extend(durations(
        "pull_request_cycle_time",
        &pick(|s| Some(s.cycle)),
        &measured,
        none_merged,
    ));
    figures.extend(durations(
        "pull_request_coding_time",
        &pick(|s| Some(s.coding)),
        &measured,
        none_merged,
    ));
    figures.extend(durations(
        "pull_request_pickup_time",
        &pick(|s| s.pickup),
        &reviews_only,
        none_reviewed,
    ));
    figures.extend(durations(
        "pull_request_review_time",
        &pick(|s| s.review),
        &measured,
        none_reviewed,
    ));
    let unreviewed = stages.iter().filter(|s| s.pickup.is_none()).count();
    figures.push(Figure {
        metric: "merged_without_review".into(),
        statistic: Statistic::Ratio,
        unit: Unit::Ratio,
        value: (!stages.is_empty()).then(|| unreviewed as f64 / stages.len() as f64),
        sample: stages.len() as u64,
        basis: if stages.is_empty() {
            Basis::Unavailable {
                reason: none_merged.into(),
            }
        } else {
            Basis::Measured {
                source: "pull requests merged in the period with no review by someone else".into(),
            }
        },
    });
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    fn pull(
        first: u32,
        opened: u32,
        ready: Option<u32>,
        review: Option<u32>,
        merged: u32,
    ) -> MergedPull {
        MergedPull {
            number: 1,
            author_login: Some("bob".into()),
            first_commit_at: Some(at(1, first)),
            created_at: at(1, opened),
            ready_for_review_at: ready.map(|h| at(1, h)),
            merged_at: at(1, merged),
            merge_commit_sha: None,
            first_review_at: review.map(|h| at(1, h)),
        }
    }

    #[test]
    fn stages_add_up_to_the_cycle_whatever_the_order_of_events() {
        for p in [
            pull(1, 2, None, Some(5), 9),
            // Opened as a draft: the draft time counts as coding.
            pull(1, 2, Some(6), Some(7), 9),
            // Reviewed while still a draft (before "ready"): pickup is 0.
            pull(1, 2, Some(6), Some(4), 9),
            // The first commit after the opening (a pull request opened empty).
            pull(3, 2, None, Some(5), 9),
        ] {
            let s = p.stages().unwrap();
            let sum = s.coding + s.pickup.unwrap() + s.review.unwrap();
            assert!((sum - s.cycle).abs() < 1e-9, "{s:?}");
            assert!(s.coding >= 0.0 && s.pickup.unwrap() >= 0.0 && s.review.unwrap() >= 0.0);
        }
        // Draft 2 h → ready 6 h: coding from 1 h to 6 h is 5 h.
        assert_eq!(
            pull(1, 2, Some(6), Some(7), 9).stages().unwrap().coding,
            5.0
        );
    }

    #[test]
    fn bots_are_left_out_and_an_unknown_first_commit_is_not_guessed() {
        let mut bot = pull(1, 2, None, None, 9);
        bot.author_login = Some("renovate[bot]".into());
        let mut unknown = pull(1, 2, None, None, 9);
        unknown.first_commit_at = None;
        let figures = cycle_time(&[bot, unknown, pull(1, 2, None, None, 5)]);
        let cycle = &figures[0];
        assert_eq!(
            (cycle.metric.as_str(), cycle.value, cycle.sample),
            ("pull_request_cycle_time", Some(4.0), 1)
        );
    }
}

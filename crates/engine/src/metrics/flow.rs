//! Pull request cycle time and its stages (METRICS.md, "Pull request cycle time").

use chrono::{DateTime, Utc};
use wire::{Basis, Figure, Statistic, Unit};

use super::{count, durations, figure};
use crate::db::metrics::Flow;

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

/// A merged pull request's stages (METRICS.md, "Pull request cycle time"): coding from the
/// first commit to ready for review, pickup from ready to the first response by someone
/// else, review from that response to the merge; each clamped so that none is negative
/// and they add up to the cycle. A response after the merge is none (merged without
/// review). Always `Some`; an `Option` for the callers' `?`.
pub fn stages(
    first_commit: DateTime<Utc>,
    ready: DateTime<Utc>,
    first_response: Option<DateTime<Utc>>,
    merged: DateTime<Utc>,
) -> Option<Stages> {
    let ready = ready.max(first_commit).min(merged.max(first_commit));
    let merged = merged.max(first_commit);
    let response = first_response
        .filter(|r| *r <= merged)
        .map(|r| r.max(ready));
    Some(Stages {
        cycle: hours(first_commit, merged),
        coding: hours(first_commit, ready),
        pickup: response.map(|r| hours(ready, r)),
        review: response.map(|r| hours(r, merged)),
    })
}

/// Cycle time and its stages over the pull requests by people merged in a period, with
/// review coverage, reviews per pull request and time to first review (METRICS.md, "Pull
/// request cycle time" and "Reviews").
pub fn cycle_time(flow: &Flow) -> Vec<Figure> {
    let none_merged = "no pull request by a person was merged in this period";
    let none_responded =
        "no pull request merged in this period had a review or comment by someone else before its merge";
    let none_reviewed =
        "no pull request merged in this period had a review by someone else before its merge";
    let measured = super::sketched_basis(
        &Basis::Measured {
            source: "pull requests by people merged in the period: first commit, ready for review, first review or comment by someone else, merge".into(),
        },
        flow.sketched,
    );
    let mut figures = Vec::new();
    figures.extend(durations(
        "pull_request_cycle_time",
        &flow.cycle,
        &measured,
        none_merged,
    ));
    figures.extend(durations(
        "pull_request_coding_time",
        &flow.coding,
        &measured,
        none_merged,
    ));
    figures.extend(durations(
        "pull_request_pickup_time",
        &flow.pickup,
        &measured,
        none_responded,
    ));
    figures.extend(durations(
        "pull_request_review_time",
        &flow.review,
        &measured,
        none_responded,
    ));
    figures.extend(durations(
        "time_to_first_review",
        &flow.first_review,
        &measured,
        none_reviewed,
    ));
    figures.push(count("pull_requests_merged", flow.merged, &measured));
    let merged = flow.merged;
    let share = |metric: &str, part: i64, source: &str| {
        let basis = Basis::Measured {
            source: source.into(),
        };
        let value = (merged > 0).then(|| part as f64 / merged as f64);
        figure(
            metric,
            Statistic::Ratio,
            Unit::Ratio,
            value,
            merged,
            &basis,
            none_merged,
        )
    };
    figures.push(share(
        "review_coverage",
        flow.approved,
        "pull requests by people merged in the period with an approval by someone else, not a bot, before the merge",
    ));
    figures.push(share(
        "merged_without_review",
        flow.unreviewed,
        "pull requests by people merged in the period with no review by someone else, not a bot, before the merge",
    ));
    let reviews = Basis::Measured {
        source: "reviews by someone else, not a bot, on the pull requests by people merged in the period".into(),
    };
    figures.push(figure(
        "reviews_per_pull_request",
        Statistic::Mean,
        Unit::Items,
        (merged > 0).then(|| flow.reviews as f64 / merged as f64),
        merged,
        &reviews,
        none_merged,
    ));
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn stages_add_up_to_the_cycle_whatever_the_order_of_events() {
        // (first commit, ready, first response, merged)
        for (first, ready, response, merged) in [
            (1, 2, Some(5), 9),
            // Opened as a draft, ready at 6: the draft time counts as coding.
            (1, 6, Some(7), 9),
            // Answered while still a draft (before "ready"): pickup is 0.
            (1, 6, Some(4), 9),
            // The first commit after the opening (a pull request opened empty).
            (3, 2, Some(5), 9),
            // A comment after the merge is no response.
            (1, 2, Some(10), 9),
        ] {
            let s = stages(at(first), at(ready), response.map(at), at(merged)).unwrap();
            // Unanswered, the time from ready to the merge is in no stage: it is the
            // merge of a pull request nobody reviewed (METRICS.md).
            let unanswered = (merged as f64 - (ready.max(first)) as f64)
                * f64::from(u8::from(s.pickup.is_none()));
            let sum = s.coding + s.pickup.unwrap_or(0.0) + s.review.unwrap_or(0.0) + unanswered;
            assert!((sum - s.cycle).abs() < 1e-9, "{s:?}");
            assert!(s.coding >= 0.0 && s.pickup.unwrap_or(0.0) >= 0.0);
            assert!(s.review.unwrap_or(0.0) >= 0.0);
        }
        // Draft 2 h → ready 6 h: coding from 1 h to 6 h is 5 h.
        let s = stages(at(1), at(6), Some(at(7)), at(9)).unwrap();
        assert_eq!(
            (s.coding, s.pickup, s.review, s.cycle),
            (5.0, Some(1.0), Some(2.0), 8.0)
        );
        assert_eq!(
            stages(at(1), at(2), Some(at(10)), at(9)).unwrap().pickup,
            None
        );
    }

    #[test]
    fn nothing_merged_is_unavailable_not_zero() {
        let figures = cycle_time(&Flow::default());
        for f in figures
            .iter()
            .filter(|f| f.metric != "pull_requests_merged")
        {
            assert!(f.value.is_none(), "{f:?}");
            assert!(matches!(f.basis, Basis::Unavailable { .. }));
        }
    }
}

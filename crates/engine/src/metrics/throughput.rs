//! Pull requests opened and merged per week (METRICS.md, "Weekly pull request throughput").

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// Monday (UTC) that starts the ISO week.
    pub week_start: NaiveDate,
    pub opened: u32,
    pub merged: u32,
}

pub fn week_start(t: DateTime<Utc>) -> NaiveDate {
    let day = t.date_naive();
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// Counts, for every ISO week from the first pull request's opening to the latest event
/// (opening or merge), how many pull requests were opened and how many were merged in
/// that week. Weeks with no activity are present with zeros, so the series has no gaps.
pub fn weekly_opened_merged(rows: &[(DateTime<Utc>, Option<DateTime<Utc>>)]) -> Vec<WeekCount> {
    let events = rows
        .iter()
        .flat_map(|(opened, merged)| std::iter::once(*opened).chain(*merged));
    let (Some(first), Some(last)) = (events.clone().min(), events.max()) else {
        return Vec::new();
    };
    let first_week = week_start(first);
    let weeks = ((week_start(last) - first_week).num_days() / 7 + 1) as usize;
    let mut counts: Vec<WeekCount> = (0..weeks)
        .map(|i| WeekCount {
            week_start: first_week + Duration::weeks(i as i64),
            opened: 0,
            merged: 0,
        })
        .collect();
    let index = |t: DateTime<Utc>| ((week_start(t) - first_week).num_days() / 7) as usize;
    for (opened, merged) in rows {
        counts[index(*opened)].opened += 1;
        if let Some(m) = merged {
            counts[index(*m)].merged += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-25 is a Wednesday; 2026-11-23 the Monday before; Sunday belongs to it too.
        assert_eq!(
            week_start(at(2026, 11, 25, 12)),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            week_start(at(2026, 11, 29, 23)),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            week_start(at(2026, 11, 30, 0)),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
    }

    #[test]
    fn counts_by_hand() {
        let rows = vec![
            (at(2026, 11, 2, 9), Some(at(2026, 11, 3, 9))), // week of 11-02: opened+merged
            (at(2026, 11, 6, 9), Some(at(2026, 11, 17, 9))), // opened 11-02, merged week 11-16
            (at(2026, 11, 8, 9), None),                     // Sunday: week of 11-02
                                                            // nothing in the week of 11-09
        ];
        let weeks = weekly_opened_merged(&rows);
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(
            weeks,
            vec![
                WeekCount {
                    week_start: d(11, 2),
                    opened: 3,
                    merged: 1
                },
                WeekCount {
                    week_start: d(11, 9),
                    opened: 0,
                    merged: 0
                },
                WeekCount {
                    week_start: d(11, 16),
                    opened: 0,
                    merged: 1
                },
            ]
        );
    }

    #[test]
    fn empty_has_no_weeks() {
        assert!(weekly_opened_merged(&[]).is_empty());
    }
}

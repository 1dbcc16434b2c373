//! The statistics every metric uses, defined once (METRICS.md, "Statistics").

/// The `q`-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between the closest
/// ranks (Hyndman and Fan's type 7: the default of R, NumPy and Excel's PERCENTILE.INC):
/// with the values sorted ascending as x₀…xₙ₋₁, h = (n − 1)·q, the result is
/// x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋). `None` for no values; NaNs are not allowed.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * q;
    let low = h.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    Some(sorted[low] + (h - low as f64) * (sorted[high] - sorted[low]))
}

impl crate::db::metrics::Quantiles {
    /// The [`crate::db::metrics::QUANTILES`] of a sample computed here, by [`quantile`]:
    /// the same definition as PostgreSQL's `percentile_cont`.
    pub fn of(sample: &[f64]) -> crate::db::metrics::Quantiles {
        crate::db::metrics::Quantiles {
            n: sample.len() as i64,
            values: (!sample.is_empty()).then(|| {
                crate::db::metrics::QUANTILES
                    .iter()
                    .filter_map(|q| quantile(sample, *q))
                    .collect()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_by_hand() {
        // 1, 2, 3, 4: h = 3·0.5 = 1.5, so 2 + 0.5·(3 − 2) = 2.5.
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        // h = 3·0.75 = 2.25: 3 + 0.25·1 = 3.25; h = 3·0.9 = 2.7: 3 + 0.7 = 3.7.
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.75), Some(3.25));
        assert!((quantile(&[1.0, 2.0, 3.0, 4.0], 0.9).unwrap() - 3.7).abs() < 1e-12);
        // An odd count's median is its middle value; one value is every quantile.
        assert_eq!(quantile(&[9.0, 1.0, 5.0], 0.5), Some(5.0));
        assert_eq!(quantile(&[7.0], 0.9), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[1.0], 1.5), None);
    }
}

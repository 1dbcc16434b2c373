//! Time and peak memory to generate the simulator's world at one size. One size per
//! process, so the peak (VmHWM) belongs to that size alone.
//!
//! Usage: cargo run --release -p pulseboard-bench --bin sim-generate -- small|medium|large

use std::time::Instant;

use chrono::TimeZone;
use ghsim::{Size, World};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() -> anyhow::Result<()> {
    let size_name = std::env::args().nth(1).unwrap_or_else(|| "small".into());
    let size: Size = size_name.parse().map_err(anyhow::Error::msg)?;
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let before = peak_rss_kib().unwrap_or(0);
    let started = Instant::now();
    let world = World::generate(7, size, now);
    let elapsed = started.elapsed();
    let count =
        |f: &dyn Fn(&ghsim::Repository) -> usize| -> usize { world.repos.iter().map(f).sum() };
    let pulls = count(&|r| r.pulls.len());
    println!(
        "{size_name:>7}: {} repos, {pulls} pull requests, {} reviews, {} issues, {} commits, {} stars, {} forks, {} workflow runs, {} deployments, {} releases in {:.3} s, peak RSS {} MiB (process start: {} MiB)",
        world.repos.len(),
        count(&|r| r.pulls.iter().map(|p| p.reviews.len()).sum()),
        count(&|r| r.issues.len()),
        count(&|r| r.commits.len()),
        count(&|r| r.stars.len()),
        count(&|r| r.forks.len()),
        count(&|r| r.runs.len()),
        count(&|r| r.deployments.len()),
        count(&|r| r.releases.len()),
        elapsed.as_secs_f64(),
        peak_rss_kib().unwrap_or(0) / 1024,
        before / 1024
    );
    Ok(())
}

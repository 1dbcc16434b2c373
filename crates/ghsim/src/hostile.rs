//! Attacker-controlled text, as GitHub lets anyone with write access put it in a
//! repository's description, a pull request's or issue's title, a label or a release
//! name, and as anyone can in their profile's display name. Pulseboard's pages must show
//! it as text; a world made with `SimConfig::with_hostile_text` carries it everywhere
//! a dashboard reads such fields.

use crate::data::World;

/// Closes a `<title>` and runs a script if written unescaped.
pub const TITLE_BREAKOUT: &str = "</title><script>alert(\"pb-xss-title\")</script>";
/// Runs a script through an event handler if written unescaped (as markup, or as HTML
/// in an ECharts label or tooltip).
pub const IMG_ONERROR: &str = "<img src=x onerror=alert(\"pb-xss-img\")>";
/// Breaks out of a double-quoted attribute.
pub const ATTRIBUTE_BREAKOUT: &str = "\"><svg onload=alert(\"pb-xss-attr\")>";
/// Ends an inline script that embeds JSON.
pub const SCRIPT_BREAKOUT: &str = "</script><script>alert(\"pb-xss-json\")</script>";

/// Every payload, for tests that look for any of them.
pub const ALL: [&str; 4] = [
    TITLE_BREAKOUT,
    IMG_ONERROR,
    ATTRIBUTE_BREAKOUT,
    SCRIPT_BREAKOUT,
];

/// Puts the payloads into the fields GitHub leaves to its users, in every repository:
/// the description, the newest pull request's and issue's titles (and a label on each),
/// the newest release's name, and every user's display name.
pub fn inject(world: &mut World) {
    for user in &mut world.users {
        user.name = format!("{} {IMG_ONERROR}", user.name);
    }
    for repo in &mut world.repos {
        repo.description = format!("{SCRIPT_BREAKOUT} {ATTRIBUTE_BREAKOUT} {IMG_ONERROR}");
        if let Some(pr) = repo.pulls.iter_mut().max_by_key(|p| p.number) {
            pr.title = TITLE_BREAKOUT.to_string();
            pr.labels.push(IMG_ONERROR);
        }
        if let Some(issue) = repo.issues.iter_mut().max_by_key(|i| i.number) {
            issue.title = SCRIPT_BREAKOUT.to_string();
            issue.labels.push(IMG_ONERROR);
        }
        if let Some(release) = repo.releases.iter_mut().last() {
            release.name = ATTRIBUTE_BREAKOUT.to_string();
        }
    }
}

//! Parsing GitHub's `Link` header (RFC 8288): `<url>; rel="next", <url>; rel="last"`,
//! and where a link may be followed.

use super::GitHubError;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Links {
    pub next: Option<String>,
    pub last: Option<String>,
    pub prev: Option<String>,
    pub first: Option<String>,
}

pub fn parse_link_header(value: &str) -> Links {
    let mut links = Links::default();
    for part in value.split(',') {
        let mut pieces = part.split(';');
        let Some(target) = pieces.next() else {
            continue;
        };
        let target = target.trim();
        let Some(url) = target.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
            continue;
        };
        for param in pieces {
            let Some((key, value)) = param.trim().split_once('=') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            // A rel may hold several space-separated relation types.
            for rel in value.trim().trim_matches('"').split_whitespace() {
                let slot = match rel {
                    "next" => &mut links.next,
                    "last" => &mut links.last,
                    "prev" => &mut links.prev,
                    "first" => &mut links.first,
                    _ => continue,
                };
                *slot = Some(url.to_string());
            }
        }
    }
    links
}

/// The path (and query) of a `Link` target, to be asked of the configured `base`. A
/// link naming another host is followed on the configured base when its path is GitHub's
/// API path (a GitHub Enterprise Server behind a proxy names its own host); anything
/// else is refused, so the token never goes elsewhere.
pub(crate) fn link_path(base: &str, url: &str) -> Result<String, GitHubError> {
    if let Some(rest) = url.strip_prefix(base) {
        return Ok(rest.to_string());
    }
    if url.starts_with('/') {
        return Ok(url.to_string());
    }
    let foreign = || GitHubError::ForeignLink {
        url: url.to_string(),
        base: base.to_string(),
    };
    let parsed = url::Url::parse(url).map_err(|_| foreign())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(foreign());
    }
    let path = parsed.path();
    // GitHub Enterprise Server serves REST under /api/v3; github.com at the root.
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    if !is_api_path(path) {
        return Err(foreign());
    }
    tracing::warn!(link = %url, base = %base, "GitHub's Link header names another host; following it on the configured API URL");
    Ok(match parsed.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    })
}

/// Whether `path` is one of the REST API's own paths (what a `Link` from GitHub names).
fn is_api_path(path: &str) -> bool {
    const ROOTS: [&str; 10] = [
        "/repos/",
        "/repositories/",
        "/orgs/",
        "/organizations/",
        "/user/",
        "/users/",
        "/teams/",
        "/installation/",
        "/app/",
        "/search/",
    ];
    ROOTS.iter().any(|r| path.starts_with(r)) && !path.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style() {
        let links = parse_link_header(
            "<https://api.github.com/repositories/1/pulls?page=2>; rel=\"next\", \
             <https://api.github.com/repositories/1/pulls?page=5>; rel=\"last\"",
        );
        assert_eq!(
            links.next.as_deref(),
            Some("https://api.github.com/repositories/1/pulls?page=2")
        );
        assert_eq!(
            links.last.as_deref(),
            Some("https://api.github.com/repositories/1/pulls?page=5")
        );
        assert_eq!(links.prev, None);
    }

    #[test]
    fn odd_but_valid() {
        let links = parse_link_header("<a?x=1,2>;rel=prev , <b>; title=\"t\"; rel=\"first last\"");
        assert_eq!(links.first.as_deref(), Some("b"));
        assert_eq!(links.last.as_deref(), Some("b"));
        // A comma inside a URL is not something GitHub sends; what we can parse, we keep.
        assert_eq!(parse_link_header("garbage"), Links::default());
        assert_eq!(parse_link_header(""), Links::default());
    }
}

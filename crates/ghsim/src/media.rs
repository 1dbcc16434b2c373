//! GitHub's media types: `Accept: application/vnd.github[.VERSION][.PARAM][+FORMAT]`.
//! GitHub honours every spelling of them (`vnd.github+json`, `vnd.github.v3+json`,
//! `vnd.github.star+json`, `vnd.github.v3.star+json`, `vnd.github.raw`, ...) and ignores
//! the preview names it no longer needs (`vnd.github.squirrel-girl-preview+json`).

use axum::http::{header, HeaderMap};

/// One media type a client asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaType {
    /// `v3`, when named.
    pub version: Option<String>,
    /// What to send: `star`, `raw`, `html`, `text`, `full`, `diff`, `patch`, `sha`...
    pub param: Option<String>,
    /// `json` when `+json`.
    pub format: Option<String>,
}

impl MediaType {
    /// Reads one `Accept` entry; `None` when it is not one of GitHub's own types.
    pub fn parse(entry: &str) -> Option<MediaType> {
        let entry = entry.split(';').next()?.trim().to_ascii_lowercase();
        let rest = entry.strip_prefix("application/vnd.github")?;
        let (names, format) = match rest.split_once('+') {
            Some((names, format)) => (names, Some(format.to_string())),
            None => (rest, None),
        };
        let mut media = MediaType {
            format,
            ..MediaType::default()
        };
        for name in names.split('.').filter(|n| !n.is_empty()) {
            if name.ends_with("-preview") {
                continue; // previews GitHub has since made the default
            } else if name.starts_with('v') && name[1..].chars().all(|c| c.is_ascii_digit()) {
                media.version = Some(name.to_string());
            } else {
                media.param = Some(name.to_string());
            }
        }
        Some(media)
    }
}

/// Whether the request's `Accept` asks for GitHub's media type parameter `param` (`star`
/// for stargazers with `starred_at`), in any of its spellings.
pub fn wants(headers: &HeaderMap, param: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(MediaType::parse)
        .any(|m| m.param.as_deref() == Some(param))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(accept: &str) -> Option<String> {
        MediaType::parse(accept).and_then(|m| m.param)
    }

    #[test]
    fn every_spelling_github_accepts_is_read() {
        for star in [
            "application/vnd.github.star+json",
            "application/vnd.github.v3.star+json",
            "application/vnd.github.v3.star+json; charset=utf-8",
            "Application/Vnd.GitHub.V3.Star+JSON",
        ] {
            assert_eq!(param(star).as_deref(), Some("star"), "{star}");
        }
        assert_eq!(param("application/vnd.github.raw").as_deref(), Some("raw"));
        assert_eq!(
            param("application/vnd.github.v3.raw").as_deref(),
            Some("raw")
        );
        for plain in [
            "application/vnd.github+json",
            "application/vnd.github.v3+json",
            "application/vnd.github.squirrel-girl-preview+json",
            "application/vnd.github.mercy-preview+json",
        ] {
            assert_eq!(param(plain), None, "{plain}");
            assert!(MediaType::parse(plain).is_some());
        }
        assert_eq!(MediaType::parse("application/json"), None);
        let v3 = MediaType::parse("application/vnd.github.v3+json").unwrap();
        assert_eq!(
            (v3.version.as_deref(), v3.format.as_deref()),
            (Some("v3"), Some("json"))
        );
    }

    #[test]
    fn one_of_several_accepted_types_is_enough() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            "application/json, application/vnd.github.v3.star+json"
                .parse()
                .unwrap(),
        );
        assert!(wants(&headers, "star"));
        assert!(!wants(&headers, "raw"));
    }
}

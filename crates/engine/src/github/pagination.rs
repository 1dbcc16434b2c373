//! Parsing GitHub's `Link` header (RFC 8288): `<url>; rel="next", <url>; rel="last"`.

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

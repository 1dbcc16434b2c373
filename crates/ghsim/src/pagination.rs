//! GitHub's page-number pagination: `per_page` (default 30, at most 100), `page`
//! (from 1), and a `Link` header with `next`, `last`, `prev` and `first` relations.

use std::collections::BTreeMap;

pub const DEFAULT_PER_PAGE: usize = 30;
pub const MAX_PER_PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

impl PageRequest {
    /// Reads `page` and `per_page` the way GitHub does: values it cannot use fall back to
    /// the default rather than failing, and `per_page` above 100 is capped at 100.
    pub fn from_query(query: &BTreeMap<String, String>) -> Self {
        let per_page = match query.get("per_page").and_then(|v| v.parse::<usize>().ok()) {
            Some(0) | None => DEFAULT_PER_PAGE,
            Some(n) => n.min(MAX_PER_PAGE),
        };
        let page = match query.get("page").and_then(|v| v.parse::<usize>().ok()) {
            Some(0) | None => 1,
            Some(n) => n,
        };
        PageRequest { page, per_page }
    }

    /// The index range of this page in a list of `total` items (empty past the end).
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = (self.page - 1).saturating_mul(self.per_page).min(total);
        let end = start.saturating_add(self.per_page).min(total);
        start..end
    }

    pub fn last_page(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }
}

/// Builds the `Link` header for a page, or `None` when there is nothing to link to.
/// `base` is the absolute URL of the endpoint without a query; `query` is the request's
/// query, whose other parameters every link keeps.
pub fn link_header(
    base: &str,
    query: &BTreeMap<String, String>,
    req: PageRequest,
    total: usize,
) -> Option<String> {
    let last = req.last_page(total);
    let url_for = |page: usize| {
        let mut q = query.clone();
        q.insert("page".into(), page.to_string());
        q.insert("per_page".into(), req.per_page.to_string());
        let encoded: Vec<String> = q
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{base}?{}", encoded.join("&"))
    };
    let mut links = Vec::new();
    if req.page < last {
        links.push(format!("<{}>; rel=\"next\"", url_for(req.page + 1)));
        links.push(format!("<{}>; rel=\"last\"", url_for(last)));
    }
    if req.page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", url_for(req.page - 1)));
        links.push(format!("<{}>; rel=\"first\"", url_for(1)));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            PageRequest::from_query(&q(&[])),
            PageRequest {
                page: 1,
                per_page: 30
            }
        );
        assert_eq!(
            PageRequest::from_query(&q(&[("per_page", "500")])).per_page,
            100
        );
        assert_eq!(
            PageRequest::from_query(&q(&[("per_page", "0")])).per_page,
            30
        );
        assert_eq!(
            PageRequest::from_query(&q(&[("per_page", "x")])).per_page,
            30
        );
        assert_eq!(PageRequest::from_query(&q(&[("page", "0")])).page, 1);
    }

    #[test]
    fn ranges() {
        let r = PageRequest {
            page: 3,
            per_page: 100,
        };
        assert_eq!(r.range(250), 200..250);
        assert_eq!(r.range(200), 200..200);
        assert_eq!(
            PageRequest {
                page: 1,
                per_page: 100
            }
            .range(100),
            0..100
        );
        assert_eq!(
            PageRequest {
                page: 1,
                per_page: 100
            }
            .last_page(100),
            1
        );
        assert_eq!(
            PageRequest {
                page: 1,
                per_page: 100
            }
            .last_page(0),
            1
        );
    }

    #[test]
    fn links() {
        let base = "http://h/repos/a/b/pulls";
        let query = q(&[("state", "all")]);
        let first = link_header(
            base,
            &query,
            PageRequest {
                page: 1,
                per_page: 100,
            },
            250,
        )
        .unwrap();
        assert_eq!(
            first,
            "<http://h/repos/a/b/pulls?page=2&per_page=100&state=all>; rel=\"next\", \
             <http://h/repos/a/b/pulls?page=3&per_page=100&state=all>; rel=\"last\""
        );
        let last = link_header(
            base,
            &query,
            PageRequest {
                page: 3,
                per_page: 100,
            },
            250,
        )
        .unwrap();
        assert_eq!(
            last,
            "<http://h/repos/a/b/pulls?page=2&per_page=100&state=all>; rel=\"prev\", \
             <http://h/repos/a/b/pulls?page=1&per_page=100&state=all>; rel=\"first\""
        );
        assert_eq!(
            link_header(
                base,
                &query,
                PageRequest {
                    page: 1,
                    per_page: 100
                },
                100
            ),
            None
        );
        assert_eq!(
            link_header(
                base,
                &query,
                PageRequest {
                    page: 1,
                    per_page: 30
                },
                0
            ),
            None
        );
    }
}

//! What a sync can read of a repository, by name: the names travel through the job
//! queue, checkpoints, run history, configuration and the command line, and are parsed
//! into [`Resource`] once, where they enter.

use std::fmt;
use std::str::FromStr;

/// One kind of data a sync reads, in [`Resource::ALL`]'s reading order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Repository,
    PullRequests,
    Issues,
    IssueComments,
    Commits,
    Contributors,
    Workflows,
    WorkflowRuns,
    Deployments,
    Releases,
    Tags,
    Stargazers,
    Forks,
}

impl Resource {
    /// Everything a sync can read, in the order it reads them.
    pub const ALL: [Resource; 13] = [
        Resource::Repository,
        Resource::PullRequests,
        Resource::Issues,
        Resource::IssueComments,
        Resource::Commits,
        Resource::Contributors,
        Resource::Workflows,
        Resource::WorkflowRuns,
        Resource::Deployments,
        Resource::Releases,
        Resource::Tags,
        Resource::Stargazers,
        Resource::Forks,
    ];

    /// The name stored in the database and accepted on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Repository => "repository",
            Resource::PullRequests => "pull_requests",
            Resource::Issues => "issues",
            Resource::IssueComments => "issue_comments",
            Resource::Commits => "commits",
            Resource::Contributors => "contributors",
            Resource::Workflows => "workflows",
            Resource::WorkflowRuns => "workflow_runs",
            Resource::Deployments => "deployments",
            Resource::Releases => "releases",
            Resource::Tags => "tags",
            Resource::Stargazers => "stargazers",
            Resource::Forks => "forks",
        }
    }

    /// A comma-separated list (`prs, issues,stars`); empty text is an empty list.
    ///
    /// Errors: [`UnknownResource`] naming the first unknown name and the known ones.
    pub fn parse_list(text: &str) -> Result<Vec<Resource>, UnknownResource> {
        text.split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::parse)
            .collect()
    }

    /// The resource stored under exactly this name (no short forms).
    ///
    /// Errors: [`UnknownResource`].
    pub fn from_name(name: &str) -> Result<Resource, UnknownResource> {
        Resource::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| UnknownResource {
                name: name.to_string(),
            })
    }

    /// Names as stored (the job queue's `resources` column).
    pub fn names(resources: &[Resource]) -> Vec<String> {
        resources.iter().map(|r| r.as_str().to_string()).collect()
    }

    /// Stored names back to resources.
    ///
    /// Errors: [`UnknownResource`] for a name this version does not know.
    pub fn parse_names(names: &[String]) -> Result<Vec<Resource>, UnknownResource> {
        names.iter().map(|n| Resource::from_name(n)).collect()
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource name that is not one of [`Resource::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown resource {name:?}; known: {}", known())]
pub struct UnknownResource {
    pub name: String,
}

fn known() -> String {
    Resource::ALL.map(Resource::as_str).join(", ")
}

impl FromStr for Resource {
    type Err = UnknownResource;

    /// A stored name, or one of the command line's short forms (`prs`, `pulls`, `runs`,
    /// `ci`, `stars`).
    fn from_str(s: &str) -> Result<Resource, UnknownResource> {
        let short = match s {
            "prs" | "pulls" => Some(Resource::PullRequests),
            "runs" | "ci" => Some(Resource::WorkflowRuns),
            "stars" => Some(Resource::Stargazers),
            "comments" => Some(Resource::IssueComments),
            _ => None,
        };
        short
            .or_else(|| Resource::ALL.into_iter().find(|r| r.as_str() == s))
            .ok_or_else(|| UnknownResource {
                name: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_explained() {
        for r in Resource::ALL {
            assert_eq!(r.as_str().parse::<Resource>(), Ok(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        assert_eq!(
            Resource::parse_list("prs, issues,stars").unwrap(),
            [
                Resource::PullRequests,
                Resource::Issues,
                Resource::Stargazers
            ]
        );
        assert_eq!(Resource::parse_list("").unwrap(), []);
        let e = Resource::parse_list("issues,everything").unwrap_err();
        assert_eq!(e.name, "everything");
        assert!(
            e.to_string().contains("known: repository, pull_requests"),
            "{e}"
        );
    }
}

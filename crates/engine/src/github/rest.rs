//! REST reads: one page of a list (plain, in a media type, or wrapped the way Actions
//! wraps them), one object, any list read to its end, and the listings Pulseboard reads
//! beyond a resource's pages: who the token belongs to, the repositories it may see (as
//! a user, in an organisation, as an installation) and one repository.

use serde::de::DeserializeOwned;

use super::models::{self, GhRepository, GhUser};
use super::{GitHubClient, GitHubError, Page, PER_PAGE};

impl GitHubClient {
    /// One page of a REST list and the path of the next.
    pub async fn get_page<T: DeserializeOwned>(&self, path: &str) -> Result<Page<T>, GitHubError> {
        let (items, next) = self.get::<Vec<T>>(path).await?;
        let next = next.map(|n| self.relative(&n)).transpose()?;
        Ok(Page { items, next })
    }

    /// One page of a REST list asked for in a media type (e.g. stargazers with
    /// `application/vnd.github.star+json`).
    pub async fn get_page_as<T: DeserializeOwned>(
        &self,
        path: &str,
        accept: &'static str,
    ) -> Result<Page<T>, GitHubError> {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::ACCEPT, http::HeaderValue::from_static(accept));
        let (items, next) = self.get_with::<Vec<T>>(path, headers).await?;
        let next = next.map(|n| self.relative(&n)).transpose()?;
        Ok(Page { items, next })
    }

    /// One page of a list GitHub wraps as `{"total_count", "<key>": [...]}` (Actions).
    pub async fn get_wrapped_page<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Page<T>, GitHubError> {
        let (items, next) = self.get::<T>(path).await?;
        let next = next.map(|n| self.relative(&n)).transpose()?;
        Ok(Page {
            items: vec![items],
            next,
        })
    }

    /// One object.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, GitHubError> {
        Ok(self.get(path).await?.0)
    }

    /// Every page of a REST list.
    pub async fn get_all<T: DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(first.to_string());
        while let Some(path) = next {
            let page = self.get_page(&path).await?;
            all.extend(page.items);
            next = page.next;
        }
        Ok(all)
    }

    /// `GET /user`: who the token belongs to.
    pub async fn current_user(&self) -> Result<GhUser, GitHubError> {
        Ok(self.get("/user").await?.0)
    }

    /// `GET /user/repos`, every page: the repositories the token's user can access.
    pub async fn user_repositories(&self) -> Result<Vec<GhRepository>, GitHubError> {
        self.get_all(&format!(
            "/user/repos?per_page={PER_PAGE}&sort=full_name&affiliation=owner,collaborator,organization_member"
        ))
        .await
    }

    /// `GET /installation/repositories`, every page: what a GitHub App installation may
    /// read.
    pub async fn installation_repositories(&self) -> Result<Vec<GhRepository>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(format!("/installation/repositories?per_page={PER_PAGE}"));
        while let Some(path) = next {
            let page = self
                .get_wrapped_page::<models::GhInstallationRepositories>(&path)
                .await?;
            all.extend(page.items.into_iter().flat_map(|p| p.repositories));
            next = page.next;
        }
        Ok(all)
    }

    /// `GET /orgs/{org}/repos`, every page: the organisation's repositories the token can
    /// see.
    pub async fn organization_repositories(
        &self,
        org: &str,
    ) -> Result<Vec<GhRepository>, GitHubError> {
        self.get_all(&format!("/orgs/{org}/repos?per_page={PER_PAGE}&type=all"))
            .await
    }

    /// `GET /repos/{owner}/{repo}`.
    pub async fn repository(&self, full_name: &str) -> Result<GhRepository, GitHubError> {
        Ok(self.get(&format!("/repos/{full_name}")).await?.0)
    }
}

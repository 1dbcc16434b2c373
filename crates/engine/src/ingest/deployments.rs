//! Deployments and their statuses (GraphQL).

use crate::db::deployments::{DeploymentRow, DeploymentStatusRow};
use crate::github::models::gql;

/// A deployment and its statuses (states in REST's lower case). A status without a node
/// id is keyed by its state and time, which identify it within its deployment.
pub fn deployment(
    repository_id: i64,
    d: &gql::Deployment,
) -> (DeploymentRow, Vec<DeploymentStatusRow>) {
    let row = DeploymentRow {
        github_id: d.database_id,
        repository_id,
        sha: d.commit_oid.clone(),
        environment: d.environment.clone(),
        creator_login: d.creator.as_ref().map(|c| c.login.clone()),
        created_at: d.created_at,
        updated_at: d.updated_at,
    };
    let statuses = d
        .statuses
        .nodes
        .iter()
        .map(|s| DeploymentStatusRow {
            deployment_id: d.database_id,
            node_id: s
                .id
                .clone()
                .unwrap_or_else(|| format!("{}:{}", s.state, s.created_at)),
            repository_id,
            state: s.state.to_ascii_lowercase(),
            created_at: s.created_at,
        })
        .collect();
    (row, statuses)
}

//! Storage: the connection pool, migrations, and one module of queries per aggregate.
//! Every read that returns repository data takes the asking user's id and joins through
//! `repository_access`, so scoping by who is asking cannot be forgotten.

pub mod activity;
pub mod checkpoints;
pub mod http_cache;
pub mod jobs;
pub mod orgs;
pub mod pulls;
pub mod repos;
pub mod schedule;
pub mod sign_ins;
pub mod sync_runs;
pub mod users;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The schema, from the workspace's `migrations/` directory (its only source).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

pub async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn migrations_apply_once_and_create_the_schema() {
        let pool = crate::testing::fresh_database().await;
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(applied as usize, super::MIGRATOR.iter().count());
        // Running them again is a no-op.
        super::migrate(&pool).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables
              WHERE table_schema IN ('public', 'tower_sessions') AND table_name <> '_sqlx_migrations'
              ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            tables,
            [
                "public.commits",
                "public.contributors",
                "public.deployment_statuses",
                "public.deployments",
                "public.forks",
                "public.github_http_cache",
                "public.issues",
                "public.oauth_states_used",
                "public.organization_access",
                "public.organizations",
                "public.pull_request_reviews",
                "public.pull_requests",
                "public.releases",
                "public.repositories",
                "public.repository_access",
                "public.stargazers",
                "public.sync_checkpoints",
                "public.sync_jobs",
                "public.sync_runs",
                "public.sync_schedule",
                "public.tags",
                "public.team_members",
                "public.team_repositories",
                "public.teams",
                "public.tracked_repositories",
                "public.user_tokens",
                "public.users",
                "public.workflow_jobs",
                "public.workflow_runs",
                "public.workflows",
                "tower_sessions.session",
            ]
        );
    }
}

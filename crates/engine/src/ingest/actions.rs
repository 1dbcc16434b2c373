//! GitHub Actions: workflows and runs (REST) and jobs (GraphQL check runs).

use crate::db::actions::{JobRow, RunRow, WorkflowRow};
use crate::github::models::{gql, GhWorkflow, GhWorkflowRun};

pub fn workflow(repository_id: i64, w: GhWorkflow) -> WorkflowRow {
    WorkflowRow {
        github_id: w.id,
        repository_id,
        name: w.name,
        path: w.path,
        state: w.state,
    }
}

/// A workflow run; a run GitHub reports without a status is taken as completed.
pub fn run(repository_id: i64, r: GhWorkflowRun) -> RunRow {
    RunRow {
        github_id: r.id,
        repository_id,
        workflow_id: r.workflow_id,
        check_suite_node_id: r.check_suite_node_id,
        run_number: r.run_number,
        run_attempt: r.run_attempt.unwrap_or(1),
        event: r.event,
        status: r.status.unwrap_or_else(|| "completed".into()),
        conclusion: r.conclusion,
        head_branch: r.head_branch,
        head_sha: r.head_sha,
        actor_login: r.actor.map(|a| a.login),
        created_at: r.created_at,
        run_started_at: r.run_started_at,
        updated_at: r.updated_at,
    }
}

/// A job of run `run_id`, from its check suite's check run; states in REST's lower case.
pub fn job(repository_id: i64, run_id: i64, j: gql::CheckRun) -> JobRow {
    JobRow {
        github_id: j.database_id,
        run_id,
        repository_id,
        name: j.name,
        status: j.status.to_ascii_lowercase(),
        conclusion: j.conclusion.map(|c| c.to_ascii_lowercase()),
        started_at: j.started_at,
        completed_at: j.completed_at,
    }
}

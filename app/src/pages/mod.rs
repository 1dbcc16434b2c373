pub mod auth_error;
pub mod dora;
pub mod home;
pub mod metric;
pub mod not_found;
pub mod overview;
pub mod repo;
pub mod sync;

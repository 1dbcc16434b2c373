#!/usr/bin/env bash
# Stops the PostgreSQL cluster the Rust tests share (engine::testing::TEST_CLUSTER_DIR)
# and removes it: every test makes its own database, so nothing in it outlives the run
# (kept, a cluster grows by every run's databases, gigabytes within days).
set -u
dir=/tmp/pulseboard-test-pg/postgres
[ -f "$dir/postmaster.pid" ] || { rm -rf /tmp/pulseboard-test-pg; exit 0; }
bin=$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -n1)")")
cd /  # PostgreSQL's user may not be allowed into the current directory
if [ "$(id -u)" -eq 0 ]; then
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
else
  "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
fi
rm -rf /tmp/pulseboard-test-pg

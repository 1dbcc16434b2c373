// A widely used third-party GitHub client, Octokit (@octokit/rest from npm), against the
// simulator: what real clients send (media-type spellings, pagination by Link, GraphQL)
// is answered as GitHub answers it, and admin-only fields reach admins only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Octokit } from '@octokit/rest';
import { startSimulator } from '../support.mjs';

test('Octokit reads the simulator as it reads GitHub', async (t) => {
  const sim = await startSimulator(['--no-rate-limit']);
  t.after(() => sim.stop());
  const as = (login) => new Octokit({ auth: sim.tokens[login], baseUrl: sim.base, request: { retries: 0 } });
  const alice = as('alice');

  await t.test('stargazers with starred_at in the v3 spelling, every page', async () => {
    const stars = await alice.paginate(alice.rest.activity.listStargazersForRepo, {
      owner: 'acme', repo: 'api', per_page: 100,
      headers: { accept: 'application/vnd.github.v3.star+json' },
    });
    assert.ok(stars.length > 100, `several pages: ${stars.length}`);
    for (const s of stars) {
      assert.match(s.starred_at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof s.user.login, 'string');
    }
    const plain = await alice.rest.activity.listStargazersForRepo({ owner: 'acme', repo: 'api', per_page: 3 });
    assert.equal(typeof plain.data[0].login, 'string', 'without the media type: users');
  });

  await t.test('issues and pull requests, paginated by Link', async () => {
    const issues = await alice.paginate(alice.rest.issues.listForRepo, { owner: 'acme', repo: 'api', state: 'all', per_page: 100 });
    const pulls = await alice.paginate(alice.rest.pulls.list, { owner: 'acme', repo: 'api', state: 'all', per_page: 100 });
    assert.ok(pulls.length > 0);
    assert.ok(issues.filter((i) => i.pull_request).length === pulls.length, 'GitHub lists pull requests among issues');
  });

  await t.test('admin-only fields for admins only', async () => {
    const { data: repos } = await as('carol').rest.repos.listForAuthenticatedUser();
    const shared = repos[0];
    const asAdmin = (await alice.rest.repos.get({ owner: shared.owner.login, repo: shared.name })).data;
    const asReader = (await as('carol').rest.repos.get({ owner: shared.owner.login, repo: shared.name })).data;
    assert.equal(typeof asAdmin.allow_squash_merge, 'boolean');
    assert.equal(typeof asAdmin.delete_branch_on_merge, 'boolean');
    assert.equal(asReader.allow_squash_merge, undefined);
    const org = (await alice.rest.orgs.get({ org: 'acme' })).data;
    assert.equal(org.default_repository_permission, 'read');
    const orgAsOutsider = (await as('carol').rest.orgs.get({ org: 'acme' })).data;
    assert.equal(orgAsOutsider.default_repository_permission, undefined);
  });

  await t.test('GraphQL', async () => {
    const data = await alice.graphql(
      'query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { stargazerCount pullRequests(first: 5) { totalCount nodes { number title } } } }',
      { owner: 'acme', name: 'api' },
    );
    assert.ok(data.repository.stargazerCount > 0);
    assert.equal(data.repository.pullRequests.nodes.length, 5);
  });

  await t.test('errors as GitHub words them', async () => {
    await assert.rejects(alice.rest.repos.get({ owner: 'acme', repo: 'no-such-repo' }), (e) => e.status === 404 && /Not Found/.test(e.message));
  });
});

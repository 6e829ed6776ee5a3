import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Issues } from '../lib/fields.js';
import { readNotifications } from './notifications-section.js';

function read(providers: unknown) {
  const issues = new Issues();
  const config = readNotifications({ providers }, issues);
  return { config, errors: Object.fromEntries(issues.list.map((i) => [i.path, i.message])) };
}

describe('notifications.providers.slack (Web API and interactivity)', () => {
  it('reads a bot-token Slack with identity mappings, step-up and defaults', () => {
    const { config, errors } = read({
      slack: {
        botTokenEnv: 'SLACK_BOT',
        channel: 'C0123',
        interactive: {
          signingSecretEnv: 'SLACK_SIGNING',
          teamId: 'T0TEAM',
          users: { U0ALICE: { subject: 'oidc:https://idp.example#alice', groups: ['sre'] } },
          emails: { 'Carol@Example.com': { groups: ['sre'] } },
          userGroups: { S0SRE: 'slack-sre' },
          requireConsoleFor: [{ environment: 'prod', kind: 'iam' }, { kind: 'restart' }],
        },
      },
    });
    assert.deepEqual(errors, {});
    const s = config.providers.slack;
    assert.equal(s?.urlEnv, null);
    assert.equal(s?.apiUrl, 'https://slack.com/api');
    assert.deepEqual(s?.interactive, {
      signingSecretEnv: 'SLACK_SIGNING',
      teamId: 'T0TEAM',
      users: { U0ALICE: { subject: 'oidc:https://idp.example#alice', groups: ['sre'] } },
      emails: { 'carol@example.com': { subject: null, groups: ['sre'] } },
      userGroups: { S0SRE: ['slack-sre'] },
      chatApprovals: true,
      requireConsoleFor: [
        { environment: 'prod', kind: 'iam' },
        { environment: null, kind: 'restart' },
      ],
      toleranceMs: 300_000,
    });
  });

  it('refuses what would add trust or cannot work', () => {
    const { errors } = read({
      slack: {
        urlEnv: 'HOOK',
        botTokenEnv: 'BOT',
        interactive: {
          users: {
            U0BOB: { subject: 'apikey:ci', groups: ['sre'] },
            bad: { groups: ['x'] },
            U0EVE: {},
          },
          emails: { 'not-an-email': { groups: ['x'] } },
          requireConsoleFor: [{}],
          tolerance: '1h',
        },
      },
    });
    assert.deepEqual(errors, {
      'notifications.providers.slack':
        'must give either urlEnv (incoming webhook) or botTokenEnv (Web API)',
      'notifications.providers.slack.channel': 'is required with botTokenEnv',
      'notifications.providers.slack.interactive.signingSecretEnv': 'is required',
      'notifications.providers.slack.interactive.users.U0BOB.subject':
        'must be an oidc:<issuer>#<sub> or slack:<name> principal id',
      'notifications.providers.slack.interactive.users.bad': 'must be a Slack id like U0123ABCD',
      'notifications.providers.slack.interactive.users.U0EVE':
        'must give a subject, groups or both',
      'notifications.providers.slack.interactive.emails.not-an-email': 'must be an e-mail address',
      'notifications.providers.slack.interactive.requireConsoleFor[0]':
        'must give environment, kind or both',
      'notifications.providers.slack.interactive.tolerance': 'must be at most 15m',
    });
    const webhookOnly = read({ slack: { urlEnv: 'HOOK', interactive: { signingSecretEnv: 'S' } } });
    assert.equal(
      webhookOnly.errors['notifications.providers.slack.interactive'],
      'needs botTokenEnv (buttons need the Web API)',
    );
  });

  it('reads Jira and ServiceNow record modes', () => {
    const { config, errors } = read({
      jira: {
        url: 'https://jira.example/rest/api/3/issue',
        tokenEnv: 'T',
        project: 'OPS',
        record: { transitions: { approved: 'Done', denied: "Won't Do" } },
      },
      servicenow: {
        instanceUrl: 'https://sn.example',
        userEnv: 'U',
        passwordEnv: 'P',
        record: true,
      },
    });
    assert.deepEqual(errors, {});
    assert.deepEqual(config.providers.jira?.record, {
      transitions: { approved: 'Done', denied: "Won't Do" },
    });
    assert.deepEqual(config.providers.servicenow?.record, { states: {} });
    const bad = read({
      jira: {
        url: 'https://jira.example/rest/api/3/issue',
        tokenEnv: 'T',
        project: 'OPS',
        record: { transitions: { merged: 'Done' } },
      },
    });
    assert.equal(
      bad.errors['notifications.providers.jira.record.transitions.merged'],
      'unknown field',
    );
  });
});

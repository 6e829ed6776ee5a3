/**
 * The console shows where a review came from and what a request's external records are: a review
 * recorded through the review service with `via: 'slack'` carries a "via Slack" badge, and the
 * Slack message and Jira issue kept for the request are listed on its detail page (headless
 * Chromium against a real server on loopback).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Principal } from '../../src/domain/principal.js';
import { createHarness, deployAction, type Harness } from '../helpers/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed: browser test skipped`;
const WAIT = 15_000;

const slackAlice: Principal = {
  id: 'slack:T0TEAM/U0ALICE',
  kind: 'user',
  name: 'alice (Slack)',
  groups: ['release-managers'],
  scopes: ['approvals:request', 'approvals:review'],
  fingerprint: 'slack:T0TEAM/U0ALICE',
};

describe('console: reviews from Slack and external records', { skip: SKIP }, () => {
  let h: Harness;
  let browser: Browser;
  let url: string;

  before(async () => {
    h = await createHarness({ devMode: true });
    h.clock.set(Date.now());
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('a review cast in Slack is marked "via Slack"; the records are listed', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/approvals',
      headers: { 'x-countersign-dev-user': 'pipeline' },
      payload: { action: { ...deployAction('slack:1'), environment: 'staging' } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const id = (JSON.parse(res.body) as { id: string }).id;
    await h.services.reviews.approve(slackAlice, id, { reason: 'from the channel', via: 'slack' });
    const at = new Date(h.clock.now()).toISOString();
    await h.store.transaction(async (tx) => {
      await tx.saveNotificationRecord({
        approvalId: id,
        provider: 'slack',
        key: '1733300000.000100',
        channel: 'C0APPROVALS',
        createdAt: at,
        updatedAt: at,
      });
      await tx.saveNotificationRecord({
        approvalId: id,
        provider: 'jira',
        key: 'OPS-7',
        channel: null,
        createdAt: at,
        updatedAt: at,
      });
    });

    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(WAIT);
    const page = await ctx.newPage();
    await page.goto(`${url}/console/approvals/${id}`);
    const badge = page.getByTestId('review-via');
    await badge.waitFor();
    assert.equal(await badge.textContent(), 'via Slack');
    // the text as a reader sees it: template whitespace folded
    const fold = (t: string) => t.replace(/\s+/g, ' ').trim();
    const reviews = (await page.locator('ul.reviews li').allTextContents()).map(fold);
    assert.equal(reviews.length, 1);
    assert.match(reviews[0] ?? '', /alice \(Slack\) approved/);
    const records = (await page.getByTestId('records').locator('li').allTextContents()).map(fold);
    assert.deepEqual(records, [
      'Jira issue OPS-7',
      'Slack message 1733300000.000100 in C0APPROVALS',
    ]);
    await ctx.close();
  });
});

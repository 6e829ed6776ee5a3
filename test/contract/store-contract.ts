/**
 * The one Store contract suite: every port method and invariant, run unchanged against each
 * adapter (SQLite and PostgreSQL), so services can rely on identical behaviour from both.
 */
import { afterEach, beforeEach, describe } from 'node:test';
import { defineApprovalContract } from './store-contract-approvals.js';
import { defineAuditContract } from './store-contract-audit.js';
import { defineConcurrencyContract } from './store-contract-concurrency.js';
import { defineOutboxContract } from './store-contract-outbox.js';
import { defineRecordContract } from './store-contract-records.js';
import { defineNotificationRecordContract } from './store-contract-notification-records.js';
import { defineReviewFactsContract } from './store-contract-review-facts.js';
import type { ContractContext, ContractStore } from './store-fixtures.js';

export type { ContractStore } from './store-fixtures.js';

export function runStoreContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`${name} store contract`, () => {
    let current: ContractStore | undefined;
    const ctx: ContractContext = {
      get handle() {
        if (!current) throw new Error('no store: the test runs outside beforeEach');
        return current;
      },
      get store() {
        return this.handle.store;
      },
    };
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      const h = current;
      current = undefined;
      await h?.cleanup();
    });

    describe('approvals', () => defineApprovalContract(ctx));
    describe('decisions, API keys, credentials, pipeline versions', () =>
      defineRecordContract(ctx));
    describe('audit log', () => defineAuditContract(ctx));
    describe('transactions and concurrency', () => defineConcurrencyContract(ctx));
    describe('notification outbox', () => defineOutboxContract(ctx));
    describe('notification records and replay guard', () => defineNotificationRecordContract(ctx));
    describe('what reviewers read: previous approval, projects, audit newest first and search', () =>
      defineReviewFactsContract(ctx));
  });
}

/**
 * The store contract, one suite per concern of the CommentStore port (server/core/ports.ts), run
 * against every implementation (memory, Redis, Redis Cluster): `describeStore(name, factory)`.
 */
import { afterAll, describe } from 'vitest';
import { abuseContract } from './contract/abuse.js';
import { auditContract } from './contract/audit.js';
import type { StoreFactory } from './contract/fixture.js';
import { importContract } from './contract/import.js';
import { moderationContract } from './contract/moderation.js';
import { peopleContract } from './contract/people.js';
import { threadContract } from './contract/thread.js';
import { votesContract } from './contract/votes.js';

export type { StoreFactory } from './contract/fixture.js';

export function describeStore(name: string, factory: StoreFactory): void {
  describe(`CommentStore: ${name}`, () => {
    afterAll(async () => {
      await factory.teardown?.();
    });
    threadContract(name, factory);
    votesContract(name, factory);
    moderationContract(name, factory);
    auditContract(name, factory);
    abuseContract(name, factory);
    peopleContract(name, factory);
    importContract(name, factory);
  });
}

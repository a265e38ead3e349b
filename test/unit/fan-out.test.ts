import { describe, expect, it } from 'vitest';
import { fanOut } from '../../server/core/fan-out.js';
import type { CommitSubscriber, StoredEvent } from '../../server/core/ports.js';

const event = { articleId: 'a', epoch: 'e', seq: 1, type: 'comment.created', comment: null, at: 'now' } as StoredEvent;

describe('committed events go to every subscriber', () => {
  it('in order, each isolated: one that throws is reported and the others still hear', () => {
    const heard: string[] = [];
    const errors: string[] = [];
    const subscribers: CommitSubscriber[] = [
      { name: 'first', publish: () => heard.push('first') },
      {
        name: 'broken',
        publish: () => {
          throw new Error('boom');
        },
      },
      { name: 'moderators-only', moderators: () => heard.push('mods') },
      { name: 'last', publish: () => heard.push('last'), moderators: () => heard.push('last-mods') },
    ];
    const n = fanOut(subscribers, (name) => errors.push(name));
    n.publish(event);
    n.moderators({ type: 'comment.held', articleId: 'a', comment: null });
    expect(heard).toEqual(['first', 'last', 'mods', 'last-mods']);
    expect(errors).toEqual(['broken']);
  });
});

/**
 * Authors of imported comments as imported identities: ids prefixed with the source so that they
 * never meet a real user's id and cannot sign in, names cleaned like display names, emails kept
 * for the store alone.
 */
import { createHmac } from 'node:crypto';
import { NAME_MAX_LENGTH } from '../../shared/schemas.js';
import { cleanName, isInvisibleOnly } from '../../shared/text.js';
import type { ImportedAuthor, ImportSource } from './records.js';

/** Shown for an author the source gave no usable name. */
export const ANONYMOUS_NAME = 'Anonymous';

/**
 * Key of the hashes in author ids. The ids are public (readers see `author.id`): a plain hash of an
 * email would let anyone confirm that an address commented by hashing it, so the writer passes a
 * secret of the site. It must stay the same across runs for a re-run to find the same authors.
 */
export const DEFAULT_AUTHOR_KEY = 'livethread-import';

/** Source usernames kept as they are in ids; anything else is hashed (ids are at most 128 characters). */
const PLAIN_USERNAME = /^[A-Za-z0-9_.@+-]{1,96}$/;

export interface SourceAuthor {
  /** The source's stable id of the user (Disqus username, Remark42 user id, Commento commenter…). */
  username?: string | null;
  name?: string | null;
  email?: string | null;
}

export class AuthorFactory {
  constructor(
    private readonly source: ImportSource,
    private readonly key: string = DEFAULT_AUTHOR_KEY,
  ) {}

  /**
   * The identity: `source:username` when the source has a user id, else `source:e-<hash>` of the
   * email, else `source:n-<hash>` of the name, else `source:anonymous`.
   */
  author(a: SourceAuthor): ImportedAuthor {
    const username = a.username?.trim() || null;
    const email = normalizeEmail(a.email);
    const name = displayName(a.name) ?? displayName(username) ?? ANONYMOUS_NAME;
    let id: string;
    if (username) id = PLAIN_USERNAME.test(username) ? `${this.source}:${username}` : `${this.source}:u-${this.hash(username)}`;
    else if (email) id = `${this.source}:e-${this.hash(email)}`;
    else if (name !== ANONYMOUS_NAME) id = `${this.source}:n-${this.hash(name.toLowerCase())}`;
    else id = `${this.source}:anonymous`;
    return email ? { id, name, email, imported: true } : { id, name, imported: true };
  }

  private hash(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('base64url').slice(0, 22);
  }
}

/** Lower-cased and trimmed; null unless it looks like an address (something@something). */
export function normalizeEmail(raw: string | null | undefined): string | null {
  const email = raw?.trim().toLowerCase();
  return email && /^[^\s@]+@[^\s@]+$/.test(email) && email.length <= 320 ? email : null;
}

/** Cleaned by the rules of display names and cut to their length; null when nothing is left. */
export function displayName(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const name = cleanName(raw.replace(/\s+/g, ' '));
  if (!name || isInvisibleOnly(name)) return null;
  const points = [...name];
  return points.length > NAME_MAX_LENGTH ? points.slice(0, NAME_MAX_LENGTH).join('').trim() : name;
}

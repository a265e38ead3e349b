/**
 * The plan of an import: what it writes and what it leaves out, each messy case of the source
 * counted under its own name. `--dry-run` prints it (`formatPlan`); tests read the JSON. Free of
 * emails and bodies: it may be pasted into an issue.
 */
import type { ArticleIdStrategy, ImportFormat } from './records.js';

/** What becomes of a reply whose parent is missing from the export. */
export type OrphanPolicy = 'promote' | 'skip';

/** How many merged articles the plan lists by name (all are counted). */
export const MERGED_LISTED = 100;

export interface ImportPlan {
  format: ImportFormat;
  options: { articleId: ArticleIdStrategy; mapEntries: number; includeSpam: boolean; orphans: OrphanPolicy; commentMaxLength: number };
  /** Threads of the source (Disqus `<thread>`, WordPress items with comments, pages…). */
  threads: number;
  /** Threads left with nothing to import (no comments, or all skipped). */
  emptyThreads: number;
  articles: number;
  /** Comments to write, whatever their status. */
  comments: number;
  roots: number;
  replies: number;
  visible: number;
  /** Pending or unapproved: held in the moderation queue. */
  held: number;
  /** Deleted, kept without text because they have replies. */
  tombstones: number;
  /** Spam imported as removed (`includeSpam`), or removed in livethread's own export. */
  removed: number;
  skipped: {
    spam: number;
    /** Deleted with no kept replies. */
    deleted: number;
    /** Nothing left to show once converted (an image without alt and URL, blank text). */
    empty: number;
    pingbacks: number;
    /** Other comment types (WordPress `comment_type`), by type: WooCommerce order notes and the like. */
    otherTypes: Record<string, number>;
    /** The same source id a second time: the first is kept. */
    duplicates: number;
    /** Orphans dropped by `orphans: 'skip'`, with their replies. */
    orphans: number;
    /** In a thread the source marks deleted. */
    inDeletedThreads: number;
    /** Naming a thread the export does not have. */
    missingThread: number;
  };
  orphans: {
    policy: OrphanPolicy;
    /** Replies whose parent is missing (or in another thread, or a cycle), made roots. */
    promoted: number;
    /** Replies to skipped spam, attached to the nearest kept ancestor (or made roots). */
    reattached: number;
  };
  authors: number;
  authorsWithEmail: number;
  /** Threads the source marks deleted. */
  deletedThreads: number;
  /** Articles several source threads map to. */
  merged: { count: number; articles: { articleId: string; threads: string[] }[] };
  articleIds: {
    identifier: number;
    path: number;
    url: number;
    map: number;
    /** None of identifier, URL or path: named after the source thread id. */
    thread: number;
    /** The strategy's choice was empty and the next one gave the id. */
    fellBack: number;
    /** Percent-encoded to fit ArticleId. */
    encoded: number;
    /** Longer than 256: cut and hashed. */
    hashed: number;
  };
  bodies: {
    /** Converted from HTML to Markdown. */
    converted: number;
    /** Of those, with some block kept as plain text (its styling could not be said in Markdown). */
    plainText: number;
    /** Longer than `commentMaxLength`: cut, with a marker. */
    truncated: number;
  };
  dates: {
    /** Written without a zone or offset: taken as UTC. */
    assumedUtc: number;
    /** Not a date: the parent's date (or the thread's first) was used. */
    invalid: number;
    /** Replies the source lists before their parent (order is by parent, then time). */
    childBeforeParent: number;
  };
  /** Comment ids the source did not give (derived from the content, stable across runs). */
  derivedIds: number;
}

export function emptyPlan(format: ImportFormat, options: ImportPlan['options']): ImportPlan {
  return {
    format,
    options,
    threads: 0,
    emptyThreads: 0,
    articles: 0,
    comments: 0,
    roots: 0,
    replies: 0,
    visible: 0,
    held: 0,
    tombstones: 0,
    removed: 0,
    skipped: {
      spam: 0,
      deleted: 0,
      empty: 0,
      pingbacks: 0,
      otherTypes: {},
      duplicates: 0,
      orphans: 0,
      inDeletedThreads: 0,
      missingThread: 0,
    },
    orphans: { policy: options.orphans, promoted: 0, reattached: 0 },
    authors: 0,
    authorsWithEmail: 0,
    deletedThreads: 0,
    merged: { count: 0, articles: [] },
    articleIds: { identifier: 0, path: 0, url: 0, map: 0, thread: 0, fellBack: 0, encoded: 0, hashed: 0 },
    bodies: { converted: 0, plainText: 0, truncated: 0 },
    dates: { assumedUtc: 0, invalid: 0, childBeforeParent: 0 },
    derivedIds: 0,
  };
}

/** Comments skipped, all reasons together. */
export function skippedTotal(plan: ImportPlan): number {
  const s = plan.skipped;
  return (
    s.spam +
    s.deleted +
    s.empty +
    s.pingbacks +
    Object.values(s.otherTypes).reduce((a, b) => a + b, 0) +
    s.duplicates +
    s.orphans +
    s.inDeletedThreads +
    s.missingThread
  );
}

const n = (count: number, one: string, many = one + 's') => `${count} ${count === 1 ? one : many}`;
const list = (parts: (string | false)[]) => parts.filter(Boolean).join(', ');

/** The plan as a person reads it (`--dry-run`). */
export function formatPlan(plan: ImportPlan): string {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(14)}${text}`);
  const mapNote = plan.options.mapEntries ? `, ${n(plan.options.mapEntries, 'mapping')} from --map` : '';
  lines.push(`Import plan: ${plan.format}, article ids by ${plan.options.articleId}${mapNote}`);
  row(
    'threads',
    list([
      n(plan.threads, 'source thread'),
      plan.emptyThreads > 0 && `${plan.emptyThreads} with nothing to import`,
      plan.deletedThreads > 0 && `${plan.deletedThreads} deleted in the source`,
    ]),
  );
  row('articles', list([n(plan.articles, 'article'), plan.merged.count > 0 && `${plan.merged.count} merging several threads (below)`]));
  row(
    'comments',
    `${plan.comments} to write: ` +
      list([
        `${plan.visible} visible`,
        `${plan.held} held for moderation`,
        `${n(plan.tombstones, 'tombstone')} (deleted, kept for their replies)`,
        plan.removed > 0 && `${plan.removed} removed${plan.options.includeSpam ? ' (spam, --include-spam)' : ''}`,
      ]),
  );
  row('', `${n(plan.roots, 'root')}, ${n(plan.replies, 'reply', 'replies')}`);
  row(
    'authors',
    list([n(plan.authors, 'author'), plan.authorsWithEmail > 0 && `${plan.authorsWithEmail} with an email (kept server-side only)`]),
  );
  const s = plan.skipped;
  const other = Object.entries(s.otherTypes).map(([type, count]) => `${count} of type "${type}"`);
  row(
    'skipped',
    `${skippedTotal(plan)}` +
      (skippedTotal(plan) > 0
        ? ': ' +
          list([
            s.spam > 0 && `${s.spam} spam${plan.options.includeSpam ? '' : ' (--include-spam imports them as removed)'}`,
            s.deleted > 0 && `${s.deleted} deleted without replies`,
            s.empty > 0 && `${s.empty} empty once converted`,
            s.pingbacks > 0 && n(s.pingbacks, 'pingback or trackback', 'pingbacks or trackbacks'),
            ...other,
            s.duplicates > 0 && n(s.duplicates, 'duplicate'),
            s.orphans > 0 && `${s.orphans} orphans with their replies (--orphans skip)`,
            s.inDeletedThreads > 0 && `${s.inDeletedThreads} in deleted threads`,
            s.missingThread > 0 && `${s.missingThread} naming a thread the export lacks`,
          ])
        : ''),
  );
  if (plan.orphans.promoted + plan.orphans.reattached > 0 || s.orphans > 0)
    row(
      'orphans',
      list([
        plan.orphans.promoted > 0 && `${n(plan.orphans.promoted, 'reply', 'replies')} whose parent is missing became roots`,
        plan.orphans.reattached > 0 &&
          `${n(plan.orphans.reattached, 'reply', 'replies')} to skipped spam attached to the nearest kept ancestor`,
        s.orphans > 0 && `${s.orphans} skipped`,
      ]),
    );
  const a = plan.articleIds;
  row(
    'article ids',
    list([
      a.identifier > 0 && `${a.identifier} from identifiers`,
      a.path > 0 && `${a.path} from URL paths`,
      a.url > 0 && `${a.url} from URLs`,
      a.map > 0 && `${a.map} from --map`,
      a.thread > 0 && `${a.thread} from source thread ids (no identifier, URL or path)`,
      a.fellBack > 0 && `${a.fellBack} fell back (empty ${plan.options.articleId})`,
      a.encoded > 0 && `${a.encoded} percent-encoded`,
      a.hashed > 0 && `${a.hashed} too long, hashed`,
    ]) || 'none',
  );
  const b = plan.bodies;
  if (b.converted + b.truncated > 0)
    row(
      'bodies',
      list([
        b.converted > 0 && `${b.converted} converted from HTML`,
        b.plainText > 0 && `${b.plainText} with some styling kept as plain text`,
        b.truncated > 0 && `${b.truncated} cut to ${plan.options.commentMaxLength} characters`,
      ]),
    );
  const d = plan.dates;
  if (d.assumedUtc + d.invalid + d.childBeforeParent > 0)
    row(
      'dates',
      list([
        d.assumedUtc > 0 && `${d.assumedUtc} without a zone, taken as UTC`,
        d.invalid > 0 && `${d.invalid} invalid, replaced by the parent's (or the thread's first)`,
        d.childBeforeParent > 0 && `${n(d.childBeforeParent, 'reply', 'replies')} listed before their parent`,
      ]),
    );
  if (plan.derivedIds > 0) row('ids', `${plan.derivedIds} comments without a source id (derived from their content)`);
  if (plan.merged.count > 0) {
    lines.push('  merged threads (article ← source threads):');
    for (const m of plan.merged.articles) lines.push(`    ${m.articleId} ← ${m.threads.join(', ')}`);
    if (plan.merged.count > plan.merged.articles.length) lines.push(`    … and ${plan.merged.count - plan.merged.articles.length} more`);
  }
  return lines.join('\n');
}

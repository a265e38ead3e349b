/**
 * One article's comments, resolved: the second pass turns the source's comments of the threads
 * merged into an article into what is written, deciding each messy case and counting it in the plan.
 *
 * - Duplicates (the same source id twice): the first is kept.
 * - A parent missing from the article (absent from the export, in another thread, itself, or part
 *   of a cycle): the reply is an orphan. `promote` (the default) makes it a root, keeping the
 *   source's parent id in `sourceParentId`; `skip` drops it and its replies.
 * - Spam not imported is see-through: its replies attach to its nearest kept ancestor.
 * - Deleted comments (and comments with nothing left to show) stay as tombstones when some reply
 *   below them is kept, so those replies keep their place; else they are skipped.
 * - Invalid dates take the parent's date, else the thread's first valid one.
 * - Order: by creation time, then source order, with every parent before its replies (a reply
 *   dated before its parent comes right after it).
 */
import { importedCommentId, type ImportedAuthor, type ImportedComment, type ImportFormat, type ImportedStatus } from './records.js';
import type { OrphanPolicy, ImportPlan } from './plan.js';
import { Flag, type RawComment } from './source-records.js';

export interface AssembleOptions {
  format: ImportFormat;
  includeSpam: boolean;
  orphans: OrphanPolicy;
  resolveAuthor: (ref: string) => ImportedAuthor;
}

/** When a comment has no date and neither has anything above it. */
const EPOCH = new Date(0).toISOString();

export function assembleArticle(raw: RawComment[], options: AssembleOptions, plan: ImportPlan): ImportedComment[] {
  // Source order: the reader spools in it, but merged threads come one after the other.
  const bySeq = [...raw].sort((a, b) => a.seq - b.seq);
  const byKey = new Map<string, RawComment>();
  for (const c of bySeq) {
    if (byKey.has(c.key)) plan.skipped.duplicates++;
    else byKey.set(c.key, c);
  }

  // Parents within the article; a missing one makes an orphan.
  const parent = new Map<string, string | null>();
  const orphan = new Set<string>();
  for (const c of byKey.values()) {
    const p = c.parent;
    if (p !== null && (p === c.key || !byKey.has(p))) {
      orphan.add(c.key);
      parent.set(c.key, null);
    } else parent.set(c.key, p);
  }
  breakCycles(byKey, parent, orphan);

  // Spam not imported is see-through.
  const spamSkipped = (c: RawComment) => c.kind === 'spam' && !options.includeSpam;
  const reattached = new Set<string>();
  for (const c of byKey.values()) {
    if (spamSkipped(c)) continue;
    let p = parent.get(c.key) ?? null;
    let moved = false;
    while (p !== null && spamSkipped(byKey.get(p)!)) {
      p = parent.get(p) ?? null;
      moved = true;
    }
    if (moved) {
      reattached.add(c.key);
      parent.set(c.key, p);
    }
  }

  // Parents before children: a breadth-first walk from the roots reaches every comment, cycles
  // being broken.
  const children = new Map<string | null, RawComment[]>();
  for (const c of byKey.values()) {
    if (spamSkipped(c)) continue;
    const p = parent.get(c.key) ?? null;
    let list = children.get(p);
    if (!list) children.set(p, (list = []));
    list.push(c);
  }
  const topo: RawComment[] = [];
  const queue: (string | null)[] = [null];
  const skippedOrphan = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i]!;
    for (const c of children.get(key) ?? []) {
      if (options.orphans === 'skip' && (orphan.has(c.key) || (key !== null && skippedOrphan.has(key)))) skippedOrphan.add(c.key);
      topo.push(c);
      queue.push(c.key);
    }
  }

  // What is kept: bottom-up, a deleted or empty comment stays when a reply below it stays.
  const kept = new Set<string>();
  const tombstone = new Set<string>();
  for (let i = topo.length - 1; i >= 0; i--) {
    const c = topo[i]!;
    if (skippedOrphan.has(c.key)) continue;
    const hasShown = c.kind === 'removed' || c.kind === 'spam' || ((c.kind === 'visible' || c.kind === 'pending') && c.body !== '');
    if (hasShown) kept.add(c.key);
    else if ((children.get(c.key) ?? []).some((r) => kept.has(r.key))) {
      kept.add(c.key);
      tombstone.add(c.key);
    }
  }

  // Counts of what is left out.
  for (const c of byKey.values()) {
    if (spamSkipped(c)) plan.skipped.spam++;
    else if (skippedOrphan.has(c.key)) plan.skipped.orphans++;
    else if (!kept.has(c.key)) {
      if (c.kind === 'deleted') plan.skipped.deleted++;
      else plan.skipped.empty++;
    }
  }

  // Dates: an invalid one takes the parent's, else the thread's first valid one.
  const firstValid = bySeq.reduce<string | null>((min, c) => (c.createdAt && (!min || c.createdAt < min) ? c.createdAt : min), null);
  const date = new Map<string, string>();
  for (const c of topo) {
    if (!kept.has(c.key)) continue;
    const p = parent.get(c.key) ?? null;
    date.set(c.key, c.createdAt ?? (p !== null ? date.get(p) : undefined) ?? firstValid ?? EPOCH);
  }

  // Order: by time, then source order; a reply waits for its parent.
  const sorted = topo.filter((c) => kept.has(c.key)).sort((a, b) => cmp(date.get(a.key)!, date.get(b.key)!) || a.seq - b.seq);
  const out: ImportedComment[] = [];
  const ids = new Map<string, { id: string; rootId: string }>();
  const waiting = new Map<string, RawComment[]>();
  const emit = (c: RawComment) => {
    const p = parent.get(c.key) ?? null;
    const id = c.id ?? importedCommentId(options.format, c.key);
    const parentIds = p !== null ? ids.get(p)! : null;
    ids.set(c.key, { id, rootId: parentIds ? parentIds.rootId : id });
    out.push(
      toImported(
        c,
        { id, parentId: parentIds?.id ?? null, rootId: parentIds ? parentIds.rootId : id, parentKey: p },
        tombstone.has(c.key),
        date.get(c.key)!,
        options,
      ),
    );
    count(c, p, tombstone.has(c.key), orphan.has(c.key), reattached.has(c.key), byKey, plan);
    for (const r of waiting.get(c.key) ?? []) emit(r);
    waiting.delete(c.key);
  };
  for (const c of sorted) {
    const p = parent.get(c.key) ?? null;
    if (p === null || ids.has(p)) emit(c);
    else {
      let list = waiting.get(p);
      if (!list) waiting.set(p, (list = []));
      list.push(c);
    }
  }
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A cycle of parents (A's parent B, B's parent A) has no root: its earliest comment becomes one. */
function breakCycles(byKey: Map<string, RawComment>, parent: Map<string, string | null>, orphan: Set<string>): void {
  const state = new Map<string, 1 | 2>();
  for (const start of byKey.keys()) {
    const path: string[] = [];
    let k: string | null = start;
    while (k !== null && !state.has(k)) {
      state.set(k, 1);
      path.push(k);
      k = parent.get(k) ?? null;
    }
    if (k !== null && state.get(k) === 1) {
      const cycle = path.slice(path.indexOf(k));
      const first = cycle.map((key) => byKey.get(key)!).sort((a, b) => cmp(a.createdAt ?? '', b.createdAt ?? '') || a.seq - b.seq)[0]!;
      parent.set(first.key, null);
      orphan.add(first.key);
    }
    for (const p of path) state.set(p, 2);
  }
}

function toImported(
  c: RawComment,
  ids: { id: string; parentId: string | null; rootId: string; parentKey: string | null },
  isTombstone: boolean,
  createdAt: string,
  options: AssembleOptions,
): ImportedComment {
  const status: ImportedStatus = isTombstone
    ? 'deleted'
    : c.kind === 'spam' || c.kind === 'removed'
      ? 'removed'
      : c.kind === 'pending'
        ? 'pending'
        : 'visible';
  const out: ImportedComment = {
    id: ids.id,
    parentId: ids.parentId,
    rootId: ids.rootId,
    sourceId: c.key,
    threadSourceId: c.thread,
    parentSourceId: ids.parentKey,
    author: 'ref' in c.author ? options.resolveAuthor(c.author.ref) : c.author,
    createdAt,
    editedAt: isTombstone ? null : c.editedAt,
    body: isTombstone ? '' : c.body,
    status,
  };
  if (c.parent !== ids.parentKey && c.parent !== null) out.sourceParentId = c.parent;
  if (status === 'pending') out.heldReason = c.heldReason ?? `imported: not approved in ${options.format}`;
  if (status === 'removed') out.removedReason = c.removedReason ?? (c.kind === 'spam' ? `imported: spam in ${options.format}` : null);
  if (status === 'removed' && c.removedFrom) out.removedFrom = c.removedFrom;
  if (c.votes && !isTombstone) out.votes = c.votes;
  if (c.importedFrom) out.importedFrom = c.importedFrom;
  return out;
}

function count(
  c: RawComment,
  parentKey: string | null,
  isTombstone: boolean,
  isOrphan: boolean,
  isReattached: boolean,
  byKey: Map<string, RawComment>,
  plan: ImportPlan,
): void {
  plan.comments++;
  if (parentKey === null) plan.roots++;
  else plan.replies++;
  if (isTombstone) plan.tombstones++;
  else if (c.kind === 'spam' || c.kind === 'removed') plan.removed++;
  else if (c.kind === 'pending') plan.held++;
  else plan.visible++;
  if (isOrphan) plan.orphans.promoted++;
  if (isReattached) plan.orphans.reattached++;
  // Listed before its parent (only where the source's parent is kept as the parent).
  if (c.parent !== null && c.parent === parentKey) {
    const p = byKey.get(c.parent);
    if (p && p.seq > c.seq) plan.dates.childBeforeParent++;
  }
  if (c.flags & Flag.DerivedId) plan.derivedIds++;
  if (!c.createdAt) plan.dates.invalid++;
  else if (c.flags & Flag.NoZone) plan.dates.assumedUtc++;
  if (isTombstone) return;
  if (c.flags & Flag.Converted) plan.bodies.converted++;
  if (c.flags & Flag.PlainText) plan.bodies.plainText++;
  if (c.flags & Flag.Truncated) plan.bodies.truncated++;
}

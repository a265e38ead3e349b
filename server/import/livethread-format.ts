/**
 * livethread's own export format: what the exporter writes and `--format livethread` reads back.
 * `docs/export.schema.json` is generated from these schemas (`npx tsx scripts/export-schema.ts`;
 * a test fails when it is stale).
 *
 * JSON lines, UTF-8, optionally gzipped:
 * 1. a header: `{"format":"livethread","version":1,"exportedAt":"…"}`;
 * 2. then records, one a line, each with a `type`: the exporter writes each `article` followed by its
 *    `comment`s (parents before replies, in creation order), then the `ban`s, then the `audit`
 *    entries; a reader accepts them in any order.
 *
 * Unknown fields are ignored (a later exporter may add some); a change that a reader of this
 * version would misread takes a new `version`, which this reader refuses by name.
 *
 * The export holds what only the server may see (emails, held comments, moderators' reasons):
 * it is a backup for the site's owner, never something to publish.
 */
import { z } from 'zod';
import { ArticleId, CommentId, NAME_MAX_LENGTH, UserId } from '../../shared/schemas.js';

export const EXPORT_FORMAT_VERSION = 1;

const Time = z.iso.datetime({ offset: true }).describe('ISO 8601 date and time (the exporter writes UTC, with milliseconds)');

export const ExportHeader = z
  .looseObject({
    format: z.literal('livethread'),
    version: z.literal(EXPORT_FORMAT_VERSION).describe('Format version: a reader refuses versions it does not know'),
    exportedAt: Time.optional(),
    /** Where it came from, for the person reading the file (a site name or URL). */
    site: z.string().max(256).optional(),
  })
  .describe('The first line of an export');

export const ExportArticle = z
  .looseObject({
    type: z.literal('article'),
    articleId: ArticleId,
    closed: z.boolean().default(false).describe('Closed to new comments'),
  })
  .describe('An article (thread) with comments; its comments follow it');

export const ExportAuthor = z.looseObject({
  id: UserId,
  name: z.string().min(1).max(NAME_MAX_LENGTH),
  staff: z.boolean().optional().describe('Wrote as a moderator'),
  email: z.string().max(320).optional().describe('Server-side only: never shown to readers'),
});

export const ExportComment = z
  .looseObject({
    type: z.literal('comment'),
    id: CommentId,
    articleId: ArticleId,
    parentId: CommentId.nullable().describe('null for a root comment'),
    rootId: CommentId.optional().describe('The root of its thread (itself for a root); recomputed on import'),
    author: ExportAuthor,
    body: z.string().describe('Markdown (PROTOCOL.md §5); empty for a deleted comment'),
    status: z.enum(['visible', 'pending', 'removed', 'deleted']),
    createdAt: Time,
    editedAt: Time.nullable().default(null),
    heldReason: z.string().nullable().optional().describe('Why it is held (pending)'),
    removedReason: z.string().nullable().optional().describe("The moderator's reason (removed)"),
    removedFrom: z.enum(['visible', 'pending']).nullable().optional().describe('The status it had before a moderator removed it'),
    votes: z.looseObject({ up: z.number().int().nonnegative(), down: z.number().int().nonnegative() }).optional().describe('Vote counts'),
    importedFrom: z
      .looseObject({ source: z.string().min(1).max(64), sourceId: z.string().min(1).max(1024) })
      .nullable()
      .optional()
      .describe('Where an imported comment came from (an import of this export keeps it)'),
  })
  .describe('A comment');

export const ExportBan = z
  .looseObject({
    type: z.literal('ban'),
    userId: UserId,
    at: Time.nullable().optional().describe('When the ban was made'),
    until: Time.nullable().optional().describe('When it ends; null or absent: for good'),
    reason: z.string().max(1000).nullable().optional(),
    by: z
      .looseObject({ id: UserId, name: z.string().max(NAME_MAX_LENGTH) })
      .optional()
      .describe('The moderator who banned'),
    addressHash: z
      .string()
      .max(128)
      .nullable()
      .optional()
      .describe("The salted hash of a guest's address the ban also covers (meaningful only on the same site)"),
  })
  .describe('A ban in force');

export const ExportAudit = z
  .looseObject({
    type: z.literal('audit'),
    id: z.string().min(1).max(64),
    at: Time,
    moderator: z.looseObject({ id: UserId, name: z.string() }),
    action: z.enum(['remove', 'restore', 'approve', 'ban', 'unban', 'hold', 'unhold', 'note', 'close', 'reopen', 'erase']),
    articleId: ArticleId.nullable(),
    commentId: CommentId.nullable(),
    userId: UserId.nullable(),
    reason: z.string().nullable(),
  })
  .describe('A moderator action of the audit log, oldest first');

/** Any record line after the header. */
export const ExportRecord = z.discriminatedUnion('type', [ExportArticle, ExportComment, ExportBan, ExportAudit]);

export type ExportHeader = z.infer<typeof ExportHeader>;
export type ExportArticle = z.infer<typeof ExportArticle>;
export type ExportComment = z.infer<typeof ExportComment>;
export type ExportBan = z.infer<typeof ExportBan>;
export type ExportAudit = z.infer<typeof ExportAudit>;
export type ExportRecord = z.infer<typeof ExportRecord>;

/** The JSON Schema of one line of an export (the header or a record), for docs/export.schema.json. */
export function exportJsonSchema(): Record<string, unknown> {
  const line = z
    .union([ExportHeader, ExportRecord])
    .describe('One line of a livethread export (JSON lines: the header first, then records)');
  return {
    $id: 'https://livethread.invalid/export.schema.json',
    title: 'livethread export, one line',
    ...z.toJSONSchema(line, { target: 'draft-2020-12', io: 'input' }),
  };
}

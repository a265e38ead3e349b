/**
 * `GET /api/articles/:articleId/thread.html`: the first page of a thread as plain, semantic HTML
 * that a host site includes in its page server-side, so that search engines and readers without
 * JavaScript see the comments. It is the widget's own markup for a signed-out reader (the same
 * class names, strings, times and Markdown rules: shared/), with the widget's stylesheet, so that
 * the widget, starting in a div that holds it, takes it over without a flash or a layout shift.
 *
 * Every text and attribute is escaped here; comment bodies are built from their document by
 * buildDoc, the renderer the widget uses, never from HTML.
 */
import { CSS } from '../../client/widget/styles.js';
import { LOCALES } from '../../shared/locales.js';
import { buildDoc, isLongDoc, type DocBuilder } from '../../shared/markdown.js';
import type { Comment, Snapshot } from '../../shared/schemas.js';
import {
  avatarColour,
  avatarLetter,
  exactTime,
  fmt,
  pickLang,
  relativeTime,
  stringsFor,
  type StringKey,
} from '../../shared/widget-strings.js';

/** Replies indent up to this depth, deeper ones show at it (the widget's MAX_DEPTH). */
const MAX_DEPTH = 3;
/** The answer's bound: root threads past it are left to "Load more comments". */
export const THREAD_HTML_MAX_BYTES = 1024 * 1024;

export interface ThreadHtmlOptions {
  /** The wanted language (`?lang=`, else Accept-Language); English when not shipped. */
  lang?: string | null;
  now?: number;
  maxBytes?: number;
  /** `data-theme` of the root, as on the widget's div: light, dark, or auto (the reader's scheme). */
  theme?: 'light' | 'dark' | 'auto';
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));

type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

function el(tag: string, attrs: Attrs | null, ...children: string[]): string {
  let open = `<${tag}`;
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    open += value === true ? ` ${name}` : ` ${name}="${esc(String(value))}"`;
  }
  return tag === 'br' || tag === 'input' ? `${open}>` : `${open}>${children.join('')}</${tag}>`;
}

const html: DocBuilder<string> = {
  element: (tag, attrs, children) => el(tag, attrs, ...children),
  text: esc,
};

interface Laid {
  c: Comment;
  depth: number;
  replyingTo: Laid | null;
  live: boolean;
  earlier: boolean;
  children: Laid[];
}

/** The widget's layout (client/widget/thread-layout.ts) of a snapshot, for a reader with nothing of their own. */
function layout(s: Snapshot): Laid[] {
  const byId = new Map(s.comments.map((c) => [c.id, c]));
  const kids = new Map<string | null, Comment[]>();
  for (const c of s.comments) {
    const parent = c.parentId !== null && !byId.has(c.parentId) ? c.rootId : c.parentId;
    const list = kids.get(parent);
    if (list) list.push(c);
    else kids.set(parent, [c]);
  }
  const live = (c: Comment) => (c.status === 'visible' || c.status === 'pending') && c.body !== null;
  const memo = new Map<string, boolean>();
  const shown = (c: Comment): boolean => {
    let v = memo.get(c.id);
    if (v === undefined) {
      memo.set(c.id, false);
      v = live(c) || (kids.get(c.id) ?? []).some(shown);
      memo.set(c.id, v);
    }
    return v;
  };
  const children = (id: string | null, newestFirst = false): Comment[] => {
    const at = (c: Comment) => Date.parse(c.createdAt) || 0;
    const sorted = [...(kids.get(id) ?? [])].sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return (newestFirst ? sorted.reverse() : sorted).filter(shown);
  };
  const replyCursors = s.replyCursors ?? {};
  const place = (c: Comment, depth: number, replyingTo: Laid | null): Laid => {
    const node: Laid = { c, depth, replyingTo, live: live(c), earlier: depth === 0 && c.id in replyCursors, children: [] };
    if (depth < MAX_DEPTH - 1) {
      for (const k of children(c.id)) node.children.push(place(k, depth + 1, null));
    } else if (depth === MAX_DEPTH - 1) {
      const flatten = (parent: Laid) => {
        for (const k of children(parent.c.id)) {
          const child = place(k, MAX_DEPTH, parent === node ? null : parent);
          node.children.push(child);
          flatten(child);
        }
      };
      flatten(node);
    }
    return node;
  };
  return children(null, s.sort !== 'oldest').map((c) => place(c, 0, null));
}

/** The language of a request: `?lang=`, else the first shipped one of Accept-Language. */
export function requestLang(query: unknown, acceptLanguage: string | undefined): string {
  if (typeof query === 'string' && query) return pickLang(query);
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => part.split(';')[0]?.trim())
    .filter((tag): tag is string => !!tag)
    .slice(0, 10);
  return pickLang(...wanted);
}

export function threadHtml(s: Snapshot, opts: ThreadHtmlOptions = {}): string {
  const lang = pickLang(opts.lang);
  const strings = stringsFor(LOCALES[lang] ?? null);
  const t = (key: StringKey, vars?: Record<string, string | number>) => (vars ? fmt(strings[key], vars) : strings[key]);
  const now = opts.now ?? Date.now();
  const maxBytes = opts.maxBytes ?? THREAD_HTML_MAX_BYTES;
  const canReply = !s.closed;

  const comment = (n: Laid): string => {
    const c = n.c;
    const name = n.live && c.author ? c.author.name : null;
    let content: string;
    if (!n.live || !c.author || c.body === null) {
      content =
        el('div', { class: 'lt-avatar', 'aria-hidden': 'true' }) + el('p', { class: 'lt-body lt-placeholder' }, esc(t('removedComment')));
    } else {
      const author = c.author;
      const to = n.replyingTo;
      const meta = el(
        'div',
        { class: 'lt-meta' },
        el('span', { class: 'lt-author', dir: 'auto', itemprop: 'author' }, esc(author.name)),
        author.staff ? el('span', { class: 'lt-staff', title: t('staffTitle') }, esc(t('staff'))) : '',
        to
          ? el(
              'span',
              { class: 'lt-replying-to' },
              esc(t('replyingTo')),
              el('b', { dir: 'auto' }, esc(to.live && to.c.author ? to.c.author.name : t('aRemovedComment'))),
            )
          : '',
        el(
          'time',
          { class: 'lt-time', datetime: c.createdAt, title: exactTime(c.createdAt, lang), itemprop: 'dateCreated' },
          esc(relativeTime(c.createdAt, lang, now)),
        ),
        c.editedAt ? el('span', { class: 'lt-edited', title: t('editedAt', { time: exactTime(c.editedAt, lang) }) }, esc(t('edited'))) : '',
        c.status === 'pending' ? el('span', { class: 'lt-badge' }, esc(t('awaiting'))) : '',
      );
      const doc = c.doc ?? [['p', c.body]];
      const long = isLongDoc(doc);
      content =
        el(
          'div',
          { class: 'lt-avatar', 'aria-hidden': 'true', style: `background-color: ${avatarColour(author.id)}` },
          esc(avatarLetter(author.name)),
        ) +
        meta +
        el('div', { class: long ? 'lt-body lt-collapsed' : 'lt-body', dir: 'auto', itemprop: 'text' }, ...buildDoc(doc, html)) +
        // Without JavaScript, the comment as the URL's target shows whole (styles.ts).
        (long ? el('a', { class: 'lt-link lt-more', href: `#lt-${c.id}` }, esc(t('showMore'))) : '') +
        el(
          'div',
          { class: 'lt-actions' },
          c.status === 'visible' && canReply
            ? el('button', { type: 'button', class: 'lt-reply', 'aria-label': t('replyTo', { name: author.name }) }, esc(t('reply')))
            : '',
        );
    }
    const classes = ['lt-comment', n.live ? '' : 'lt-removed', n.live && c.status === 'pending' ? 'lt-held' : ''].filter(Boolean).join(' ');
    const article = el(
      'article',
      {
        class: classes,
        // schema.org, for search engines: each live comment a Comment with its author, date and text.
        ...(n.live ? { itemscope: true, itemtype: 'https://schema.org/Comment' } : {}),
        tabindex: '-1',
        id: `lt-${c.id}`,
        'data-comment-id': c.id,
        'data-depth': n.depth,
        'data-status': n.live ? c.status : 'removed',
        'data-author-id': n.live ? c.author?.id : null,
      },
      content,
      el('div', { class: 'lt-slot' }),
    );
    const replies = [
      n.earlier ? el('button', { type: 'button', class: 'lt-link lt-earlier' }, esc(t('earlierReplies'))) : '',
      ...n.children.map(comment),
    ].join('');
    return el(
      'div',
      { class: 'lt-item' },
      article,
      el(
        'div',
        {
          class: 'lt-replies',
          role: 'group',
          hidden: replies === '',
          'aria-label': t('repliesTo', { name: name ?? t('aRemovedComment') }),
        },
        replies,
      ),
    );
  };

  const titleId = `lt-title-${s.articleId}`;
  const head = el(
    'header',
    { class: 'lt-header' },
    el(
      'h2',
      { class: 'lt-title', id: titleId },
      esc(t('comments')),
      el('span', { class: 'lt-count', 'aria-hidden': 'true' }, (s.count ?? 0) > 0 ? String(s.count) : ''),
    ),
    // The live controls mean nothing before the widget runs: kept for their room, not shown.
    el(
      'div',
      { class: 'lt-toolbar lt-static-hide', 'aria-hidden': 'true' },
      el('span', { class: 'lt-presence', hidden: true }),
      el(
        'span',
        { class: 'lt-status', 'data-state': 'connecting' },
        el('span', { class: 'lt-status-dot' }),
        el('span', null, esc(t('connecting'))),
      ),
      el(
        'div',
        { class: 'lt-sort' },
        el(
          'button',
          { type: 'button', class: 'lt-sort-newest', tabindex: '-1', 'aria-pressed': String(s.sort !== 'oldest') },
          esc(t('newest')),
        ),
        el(
          'button',
          { type: 'button', class: 'lt-sort-oldest', tabindex: '-1', 'aria-pressed': String(s.sort === 'oldest') },
          esc(t('oldest')),
        ),
      ),
    ),
  );
  const nameId = `lt-name-${s.articleId}`;
  const account = el(
    'div',
    { class: 'lt-account' },
    el(
      'form',
      { class: 'lt-signin', novalidate: true },
      el('p', { class: 'lt-signin-intro' }, esc(t('join'))),
      el(
        'div',
        { class: 'lt-signin-row' },
        el('label', { for: nameId, class: 'lt-label' }, esc(t('yourName'))),
        el('input', {
          id: nameId,
          class: 'lt-guest-name',
          type: 'text',
          name: 'name',
          autocomplete: 'nickname',
          maxlength: 80,
          disabled: true,
        }),
        el('button', { type: 'submit', class: 'lt-btn lt-btn-primary lt-guest-signin', disabled: true }, esc(t('signInGuest'))),
      ),
    ),
  );
  const compose = el('div', { class: 'lt-compose' }, s.closed ? el('p', { class: 'lt-closed' }, esc(t('closed'))) : '');

  const opening = `<style>${CSS}</style>`;
  const before = head + account + compose + el('div', { class: 'lt-new-bar' }) + el('div', { class: 'lt-older' });
  let budget = maxBytes - Buffer.byteLength(opening + before) - 4096;
  const items: string[] = [];
  let cut = false;
  for (const root of layout(s)) {
    const item = comment(root);
    budget -= Buffer.byteLength(item);
    if (budget < 0 && items.length > 0) {
      cut = true;
      break;
    }
    items.push(item);
  }
  const message = items.length === 0 ? el('p', { class: 'lt-empty' }, esc(t(s.closed ? 'noComments' : 'noCommentsYet'))) : '';
  const older = s.cursor || cut ? el('button', { type: 'button', class: 'lt-btn lt-btn-secondary lt-load-older' }, esc(t('loadMore'))) : '';
  return (
    opening +
    el(
      'section',
      {
        class: 'lt-root lt-static',
        'data-theme': opts.theme ?? 'auto',
        'aria-labelledby': titleId,
        lang,
        'data-livethread-html': s.articleId,
      },
      before,
      el('div', { class: 'lt-thread' }, ...items),
      el('div', { class: 'lt-message' }, message),
      el('div', { class: 'lt-older' }, older),
      el('div', { class: 'lt-announcer', 'aria-live': 'polite', 'aria-atomic': 'true' }),
    ) +
    '\n'
  );
}

/**
 * One comment's element in the widget (as client/moderate/card.ts is for the console): author,
 * time, body with links, edited mark, held badge, the actions (Reply, Edit, Delete, Report), the
 * slot for its reply and edit forms, and the box of its replies with "Show earlier replies".
 *
 * The element stays for the comment's life and its content is rebuilt only when its render key
 * changes, so that an open reply box, a half-typed edit or the focus survive live updates.
 */
import type { Comment } from '../../shared/schemas.js';
import { button, h, reconcile } from './dom.js';
import { isLongDoc } from '../../shared/markdown.js';
import { docNodes, plainDoc } from './doc-view.js';
import { avatarColour, avatarLetter } from '../../shared/widget-strings.js';
import type { Locale } from './i18n.js';
import { clientIdOf } from './pending-posts.js';
import type { LaidOutComment } from './thread-layout.js';
import type { Timers } from './timers.js';

/** How long "couldn't delete" stays under a comment. */
const ERROR_MS = 8000;

/** What every comment of one render shares. */
export interface CommentCtx {
  /** The signed-in reader's user id. */
  me: string | null;
  /** Replying is possible: the thread is open and the reader is signed in or may sign in as a guest. */
  canReply: boolean;
  /** The widget's language (a flattened reply to a removed comment names it in it). */
  t: Locale;
  /** The reader is a moderator: Remove and Ban on others' comments. */
  moderator: boolean;
}

/** What the widget holds for one comment besides the thread state. */
export interface CommentLocal {
  /** Its edit form, while open. */
  edit?: HTMLFormElement;
  /** Its reply form, while open. */
  reply?: HTMLFormElement;
  /** The reader reported it from this page. */
  reported: boolean;
}

/**
 * Everything a comment's content is built from; build() reads nothing else. The render key is
 * made of every one of these fields, so it changes exactly when the content would.
 */
export interface CommentProps {
  /** `data-comment-id`; for a stand-in, the clientId of its post (`data-client-id`). */
  id: string;
  /** A stand-in: "Sending…", no time and no actions. */
  sending: boolean;
  /** With its text; otherwise "This comment was removed". */
  live: boolean;
  /** `pending` shows "Awaiting approval". */
  status: Comment['status'];
  depth: number;
  /** Name and avatar (its letter, and its colour from the id). */
  author: { id: string; name: string } | null;
  body: string | null;
  /** The time's `datetime` and title (its "5 min ago" text is refreshed by refreshTime()). */
  createdAt: string;
  /** "(edited)" and its title. */
  editedAt: string | null;
  /** "replying to …" of a flattened deep reply: a name, or "a removed comment". */
  replyingTo: string | null;
  /** Written as a moderator: a staff badge. */
  staff: boolean;
  /** "You", Edit and Delete instead of Report. */
  mine: boolean;
  /** Report is offered to signed-in readers only. */
  signedIn: boolean;
  canReply: boolean;
  /** Its edit form is open: body and actions hidden. */
  editing: boolean;
  /** Report reads "Reported", disabled. */
  reported: boolean;
  /** Remove and Ban (after a confirmation), for a moderator. */
  moderate: boolean;
}

/** The render key's fields, in order; the check below fails to compile when one is left out. */
const KEY_FIELDS = [
  'id',
  'sending',
  'live',
  'status',
  'depth',
  'author',
  'body',
  'createdAt',
  'editedAt',
  'replyingTo',
  'staff',
  'mine',
  'signedIn',
  'canReply',
  'editing',
  'reported',
  'moderate',
] as const satisfies readonly (keyof CommentProps)[];
type Unkeyed = Exclude<keyof CommentProps, (typeof KEY_FIELDS)[number]>;
const everyFieldKeyed: [Unkeyed] extends [never] ? true : Unkeyed = true;
void everyFieldKeyed;

/**
 * The one render key of a comment's content (see CommentProps for what each field shows). Not
 * in it, because they are kept up to date in place rather than rebuilt: the relative time's
 * text, the forms in the slot, a delete error, and the replies.
 */
export function renderKey(p: CommentProps): string {
  return JSON.stringify(KEY_FIELDS.map((k) => p[k]));
}

/** Which of its forms a comment shows: its edit form only while its own and live, no form on a stand-in. */
function formsShown(node: LaidOutComment, mine: boolean, local: CommentLocal): HTMLFormElement[] {
  if (!node.live || node.sending) return [];
  return [mine ? local.edit : undefined, local.reply].filter((el): el is HTMLFormElement => el !== undefined);
}

export function commentProps(node: LaidOutComment, ctx: CommentCtx, local: CommentLocal): CommentProps {
  const c = node.comment;
  const mine = node.live && ctx.me !== null && c.author?.id === ctx.me;
  const to = node.replyingTo;
  return {
    id: node.sending ? clientIdOf(c.id) : c.id,
    sending: node.sending,
    live: node.live,
    status: c.status,
    depth: node.depth,
    author: c.author ? { id: c.author.id, name: c.author.name } : null,
    body: c.body,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    replyingTo: to ? (to.live && to.comment.author ? to.comment.author.name : ctx.t.s.aRemovedComment) : null,
    staff: node.live && c.author?.staff === true,
    mine,
    signedIn: ctx.me !== null,
    canReply: ctx.canReply,
    editing: mine && !node.sending && local.edit !== undefined,
    reported: local.reported,
    moderate: ctx.moderator && node.live && !node.sending && !mine && c.author !== null,
  };
}

/** What the reader can do from a comment; the widget carries it out. */
export interface CommentActions {
  reply(c: Comment): void;
  edit(c: Comment): void;
  delete(c: Comment): void;
  /** `control` is the Report button (disabled while the report is on its way). */
  report(c: Comment, control: HTMLButtonElement): void;
  /** Loads a root thread's earlier replies. */
  loadEarlier(rootId: string): Promise<unknown>;
  /** A moderator's Remove, confirmed; resolves when done (rejects with why not). */
  remove(c: Comment): Promise<void>;
  /** A moderator's Ban of the comment's author (their comments removed too), confirmed. */
  ban(c: Comment): Promise<void>;
}

export class CommentView {
  /** The id the widget keeps it under: a stand-in's, then (rekey) its saved comment's. */
  key: string;
  /** The comment and, below it, its replies. */
  readonly item: HTMLDivElement;
  readonly article: HTMLElement;
  readonly replies: HTMLDivElement;
  /** The reply and edit forms, after the content. */
  private readonly slot: HTMLDivElement;
  private error: HTMLParagraphElement | null = null;
  private earlier: HTMLButtonElement | null = null;
  private time: HTMLTimeElement | null = null;
  private shownKey = '';
  /** The reader pressed "Show more" on its long body. */
  private expanded = false;

  constructor(
    key: string,
    private readonly actions: CommentActions,
    private readonly timers: Timers,
    private readonly t: Locale,
  ) {
    this.key = key;
    this.article = h('article', { class: 'lt-comment', tabindex: '-1' });
    this.replies = h('div', { class: 'lt-replies', role: 'group', hidden: true });
    this.item = h('div', { class: 'lt-item' }, this.article, this.replies);
    this.slot = h('div', { class: 'lt-slot' });
  }

  /** A stand-in's element becomes its saved comment's: it stays in place, now final. */
  rekey(id: string): void {
    this.key = id;
    this.shownKey = '';
  }

  /** Brings the comment up to date; its content is rebuilt only when its render key changed. */
  update(node: LaidOutComment, ctx: CommentCtx, local: CommentLocal): void {
    const props = commentProps(node, ctx, local);
    reconcile(this.slot, formsShown(node, props.mine, local));
    const key = renderKey(props);
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.build(props, node.comment);
  }

  /** Its replies, after "Show earlier replies" when `earlierOf` (a root's id) has more to load. */
  setReplies(children: HTMLElement[], earlierOf: string | null): void {
    const items = earlierOf === null ? children : [this.earlierButton(earlierOf), ...children];
    if (earlierOf === null) this.earlier = null;
    reconcile(this.replies, items);
    this.replies.hidden = items.length === 0;
  }

  /** Says why an action failed, under the comment, for a while. */
  showError(text: string): void {
    this.error?.remove();
    const error = h('p', { class: 'lt-error', role: 'alert' }, text);
    this.error = error;
    this.slot.before(error);
    this.timers.after(ERROR_MS, () => {
      error.remove();
      if (this.error === error) this.error = null;
    });
  }

  /** "5 min ago" moves on with the clock, without a rebuild. */
  refreshTime(now: number): void {
    const t = this.time;
    if (!t) return;
    const text = this.t.rel(t.dateTime, now);
    if (t.textContent !== text) t.textContent = text;
  }

  focus(selector: string): void {
    this.article.querySelector<HTMLElement>(selector)?.focus();
  }

  private build(p: CommentProps, c: Comment): void {
    const { s } = this.t;
    const a = this.article;
    a.className = 'lt-comment';
    a.classList.toggle('lt-pending', p.sending);
    a.classList.toggle('lt-held', p.live && p.status === 'pending');
    a.classList.toggle('lt-removed', !p.live);
    a.classList.toggle('lt-mine', p.mine);
    if (p.sending) {
      a.removeAttribute('data-comment-id');
      a.dataset.clientId = p.id;
    } else {
      a.dataset.commentId = p.id;
      delete a.dataset.clientId;
    }
    a.dataset.depth = String(p.depth);
    a.dataset.status = p.live ? p.status : 'removed';
    if (p.author && p.live) a.dataset.authorId = p.author.id;
    else delete a.dataset.authorId;
    this.replies.setAttribute('aria-label', this.t.f('repliesTo', { name: p.live && p.author ? p.author.name : s.aRemovedComment }));

    this.time = null;
    let content: Node[];
    if (!p.live || !p.author || p.body === null) {
      content = [h('div', { class: 'lt-avatar', 'aria-hidden': 'true' }), h('p', { class: 'lt-body lt-placeholder' }, s.removedComment)];
    } else {
      const author = p.author;
      const meta = h(
        'div',
        { class: 'lt-meta' },
        h('span', { class: 'lt-author', dir: 'auto' }, author.name),
        p.staff ? h('span', { class: 'lt-staff', title: s.staffTitle }, s.staff) : null,
        p.mine ? h('span', { class: 'lt-you' }, s.you) : null,
        p.replyingTo !== null ? h('span', { class: 'lt-replying-to' }, s.replyingTo, h('b', { dir: 'auto' }, p.replyingTo)) : null,
      );
      if (p.sending) meta.append(h('span', { class: 'lt-state' }, s.sending));
      else {
        this.time = h('time', { class: 'lt-time', datetime: p.createdAt, title: this.t.exact(p.createdAt) }, this.t.rel(p.createdAt));
        meta.append(this.time);
        if (p.editedAt)
          meta.append(h('span', { class: 'lt-edited', title: this.t.f('editedAt', { time: this.t.exact(p.editedAt) }) }, s.edited));
        if (p.status === 'pending') meta.append(h('span', { class: 'lt-badge' }, s.awaiting));
      }
      const doc = c.doc ?? plainDoc(p.body);
      const body = h('div', { class: 'lt-body', dir: 'auto', hidden: p.editing }, ...docNodes(doc));
      const more = this.moreButton(body, isLongDoc(doc) && !p.editing);
      content = [avatar(author), meta, body, ...(more ? [more] : []), this.actionsFor(p, c, author.name)];
    }
    a.replaceChildren(...content, this.error ?? '', this.slot);
  }

  private actionsFor(p: CommentProps, c: Comment, name: string): HTMLElement {
    const { s } = this.t;
    const actions = h('div', { class: 'lt-actions', hidden: p.editing });
    if (p.sending) return actions;
    if (p.status === 'visible' && p.canReply) {
      actions.append(button('lt-reply', s.reply, () => this.actions.reply(c), { 'aria-label': this.t.f('replyTo', { name }) }));
    }
    if (p.mine) {
      actions.append(
        button('lt-edit', s.edit, () => this.actions.edit(c), { 'aria-label': s.editYours }),
        button('lt-delete', s.delete, () => this.actions.delete(c), { 'aria-label': s.deleteYours }),
      );
    } else if (p.signedIn && p.status === 'visible') {
      const control: HTMLButtonElement = button('lt-report', p.reported ? s.reported : s.report, () => this.actions.report(c, control), {
        'aria-label': this.t.f('reportLabel', { name }),
      });
      control.disabled = p.reported;
      actions.append(control);
    }
    if (p.moderate) {
      actions.append(
        button('lt-mod-remove', s.remove, () => this.confirm(actions, 'remove', c, name), {
          'aria-label': this.t.f('removeLabel', { name }),
        }),
        button('lt-mod-ban', s.ban, () => this.confirm(actions, 'ban', c, name), { 'aria-label': this.t.f('banLabel', { name }) }),
      );
    }
    return actions;
  }

  /** A moderator's action asks first, in place of the actions; Cancel (or Escape) brings them back. */
  private confirm(actions: HTMLElement, what: 'remove' | 'ban', c: Comment, name: string): void {
    const { s } = this.t;
    const shown = Array.from(actions.children);
    const back = () => {
      actions.replaceChildren(...shown);
      actions.querySelector<HTMLElement>(what === 'remove' ? '.lt-mod-remove' : '.lt-mod-ban')?.focus();
    };
    const yes: HTMLButtonElement = button('lt-btn lt-btn-danger lt-confirm-yes', what === 'remove' ? s.remove : s.ban, () => {
      yes.disabled = true;
      no.disabled = true;
      (what === 'remove' ? this.actions.remove(c) : this.actions.ban(c)).then(
        () => undefined,
        (err: unknown) => {
          back();
          this.showError(err instanceof Error && err.message ? err.message : s.errGeneric);
        },
      );
    });
    const no: HTMLButtonElement = button('lt-btn lt-btn-quiet lt-confirm-no', s.cancel, back);
    const box = h(
      'div',
      { class: 'lt-confirm', role: 'alertdialog', 'aria-label': what === 'remove' ? s.remove : s.ban },
      h('span', { class: 'lt-confirm-text' }, this.t.f(what === 'remove' ? 'removeConfirm' : 'banConfirm', { name })),
      yes,
      no,
    );
    box.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') back();
    });
    actions.replaceChildren(box);
    yes.focus();
  }

  /** "Show more" under a long body, which stays open across rebuilds once opened. */
  private moreButton(body: HTMLElement, long: boolean): HTMLElement | null {
    if (!long) return null;
    const more = button('lt-link lt-more', '', () => {
      this.expanded = !this.expanded;
      show();
    });
    const show = () => {
      body.classList.toggle('lt-collapsed', !this.expanded);
      more.textContent = this.expanded ? this.t.s.showLess : this.t.s.showMore;
      more.setAttribute('aria-expanded', String(this.expanded));
    };
    show();
    return more;
  }

  /** Kept across renders, so that its "Loading…" state survives them. */
  private earlierButton(rootId: string): HTMLButtonElement {
    const { s } = this.t;
    const b = (this.earlier ??= button('lt-link lt-earlier', s.earlierReplies, () => {
      b.disabled = true;
      b.textContent = s.loading;
      this.actions.loadEarlier(rootId).then(
        () => {
          b.disabled = false;
          b.textContent = s.earlierReplies;
        },
        () => {
          b.disabled = false;
          b.textContent = s.loadFailed;
        },
      );
    }));
    return b;
  }
}

function avatar(author: { id: string; name: string }): HTMLElement {
  const el = h('div', { class: 'lt-avatar', 'aria-hidden': 'true' }, avatarLetter(author.name));
  el.style.backgroundColor = avatarColour(author.id);
  return el;
}

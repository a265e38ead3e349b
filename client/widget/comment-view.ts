/**
 * One comment's element in the widget (as client/moderate/card.ts is for the console): author,
 * time, body with links, edited mark, held badge, the votes, the actions (Reply, Link, Edit,
 * Delete with a confirmation, Report with a reason), the slot for its reply and edit forms, and
 * the box of its replies with "Show earlier replies" (and a permalink's "Show later replies").
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
  /** How long an author may edit (ms from creation), when the server said; and the time now. */
  editWindowMs: number | null;
  now: number;
}

/** A comment's votes as shown: the stored counts, or the reader's vote on its way. */
export interface VoteView {
  up: number;
  down: number;
  myVote: -1 | 0 | 1;
}

/** What the widget holds for one comment besides the thread state. */
export interface CommentLocal {
  /** Its edit form, while open. */
  edit?: HTMLFormElement;
  /** Its reply form, while open. */
  reply?: HTMLFormElement;
  /** The reader reported it from this page. */
  reported: boolean;
  /** Its votes (kept up to date in place: a vote never rebuilds the comment). */
  votes: VoteView;
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
  /** "You", Delete (and Edit, while `editable`) instead of Report. */
  mine: boolean;
  /** Its own and still inside the edit window: Edit is offered. */
  editable: boolean;
  /** Its votes are shown (a visible comment, not a stand-in). */
  scored: boolean;
  /** The reader may vote on it: signed in, not their own. */
  votable: boolean;
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
  'editable',
  'scored',
  'votable',
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
  const scored = node.live && !node.sending && c.status === 'visible';
  const created = Date.parse(c.createdAt);
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
    editable: mine && (ctx.editWindowMs === null || Number.isNaN(created) || created + ctx.editWindowMs > ctx.now),
    scored,
    votable: scored && ctx.me !== null && !mine,
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
  /** Reports it, with the reason the reader chose; resolves false when it failed (the widget says why). */
  report(c: Comment, reason: string | undefined): Promise<boolean>;
  /** 1 up, -1 down, 0 takes the vote back. */
  vote(c: Comment, value: -1 | 0 | 1): void;
  /** Copies the link to the comment. */
  link(c: Comment): void;
  /** Loads a root thread's earlier replies (or, `later`, a permalink's later ones). */
  loadEarlier(rootId: string, later?: boolean): Promise<unknown>;
  /** A moderator's Remove, confirmed; resolves when done (rejects with why not). */
  remove(c: Comment): Promise<void>;
  /** A moderator's Ban of the comment's author (their comments removed too), confirmed. */
  ban(c: Comment): Promise<void>;
}

/** What a reader may give as the reason of a report (sent as its text). */
export const REPORT_REASONS = [
  ['Spam', 'reasonSpam'],
  ['Harassment or hate', 'reasonHarassment'],
  ['Off-topic', 'reasonOffTopic'],
  ['Something else', 'reasonOther'],
] as const;

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
  private later: HTMLButtonElement | null = null;
  /** The actions row (its content swaps to a confirmation or a report form and back). */
  private actionsEl: HTMLDivElement | null = null;
  private readonly votesEl: HTMLDivElement;
  private voteButtons: { up: HTMLElement; down: HTMLElement } | null = null;
  private votes: VoteView = { up: 0, down: 0, myVote: 0 };
  private shown: { props: CommentProps; comment: Comment } | null = null;
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
    this.votesEl = h('div', { class: 'lt-votes', role: 'group', 'aria-label': t.s.votes });
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
    if (key !== this.shownKey) {
      this.shownKey = key;
      this.shown = { props, comment: node.comment };
      this.build(props, node.comment);
    } else if (this.shown) this.shown.comment = node.comment;
    this.setVotes(local.votes);
  }

  /**
   * Its replies, after "Show earlier replies" when `earlierOf` (a root's id) has more to load, and
   * before "Show later replies" when `laterOf` has (a permalink's thread).
   */
  setReplies(children: HTMLElement[], earlierOf: string | null, laterOf: string | null = null): void {
    const items = [
      ...(earlierOf === null ? [] : [this.moreButton(earlierOf, false)]),
      ...children,
      ...(laterOf === null ? [] : [this.moreButton(laterOf, true)]),
    ];
    if (earlierOf === null) this.earlier = null;
    if (laterOf === null) this.later = null;
    reconcile(this.replies, items);
    this.replies.hidden = items.length === 0;
  }

  /** The counts and the reader's own vote, in place (the focus stays on a vote button). */
  setVotes(v: VoteView): void {
    this.votes = v;
    const b = this.voteButtons;
    if (!b) return;
    const name = this.shown?.comment.author?.name ?? '';
    for (const [el, n, pressed, word] of [
      [b.up, v.up, v.myVote === 1, 'Up'],
      [b.down, v.down, v.myVote === -1, 'Down'],
    ] as const) {
      const count = el.querySelector('.lt-vote-count')!;
      if (count.textContent !== String(n)) count.textContent = String(n);
      if (el instanceof HTMLButtonElement) {
        el.setAttribute('aria-pressed', String(pressed));
        el.setAttribute('aria-label', this.t.f(`vote${word}`, { name, n }));
      } else el.setAttribute('aria-label', this.t.f(word === 'Up' ? 'upCount' : 'downCount', { n }));
    }
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

  /** Says for a moment, on one of its action buttons, that it worked ("Copied"). */
  flash(selector: string, text: string): void {
    const b = this.article.querySelector<HTMLElement>(selector);
    if (!b) return;
    const was = b.textContent;
    b.textContent = text;
    this.timers.after(2000, () => {
      if (b.textContent === text) b.textContent = was;
    });
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
        h('span', { class: 'lt-author', dir: 'auto', title: author.name }, author.name),
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
      const more = this.showMoreButton(body, isLongDoc(doc) && !p.editing);
      content = [avatar(author), meta, body, ...(more ? [more] : []), this.actionsFor(p, c, author.name)];
    }
    a.replaceChildren(...content, this.error ?? '', this.slot);
  }

  private actionsFor(p: CommentProps, c: Comment, name: string): HTMLElement {
    const actions = h('div', { class: 'lt-actions', hidden: p.editing });
    this.actionsEl = actions;
    this.voteButtons = null;
    this.votesEl.replaceChildren();
    if (p.sending) return actions;
    actions.append(...this.actionButtons(p, c, name));
    return actions;
  }

  private actionButtons(p: CommentProps, c: Comment, name: string): HTMLElement[] {
    const { s } = this.t;
    const out: HTMLElement[] = [];
    if (p.scored) out.push(this.buildVotes(p, c));
    if (p.status === 'visible' && p.canReply) {
      out.push(button('lt-reply', s.reply, () => this.actions.reply(c), { 'aria-label': this.t.f('replyTo', { name }) }));
    }
    if (p.scored) out.push(button('lt-permalink', s.link, () => this.actions.link(c), { 'aria-label': this.t.f('linkLabel', { name }) }));
    if (p.mine) {
      if (p.editable) out.push(button('lt-edit', s.edit, () => this.actions.edit(c), { 'aria-label': s.editYours }));
      out.push(button('lt-delete', s.delete, () => this.confirmDelete(c), { 'aria-label': s.deleteYours }));
    } else if (p.signedIn && p.status === 'visible') {
      const control: HTMLButtonElement = button('lt-report', p.reported ? s.reported : s.report, () => this.reportForm(c, name), {
        'aria-label': this.t.f('reportLabel', { name }),
      });
      control.disabled = p.reported;
      out.push(control);
    }
    if (p.moderate) {
      out.push(
        button('lt-mod-remove', s.remove, () => this.confirm('remove', c, name), { 'aria-label': this.t.f('removeLabel', { name }) }),
        button('lt-mod-ban', s.ban, () => this.confirm('ban', c, name), { 'aria-label': this.t.f('banLabel', { name }) }),
      );
    }
    return out;
  }

  /** Up and down: buttons for a reader who may vote, the counts alone otherwise. */
  private buildVotes(p: CommentProps, c: Comment): HTMLElement {
    const part = (dir: 'up' | 'down', glyph: string, value: 1 | -1): HTMLElement => {
      const inner = [h('span', { class: 'lt-vote-glyph', 'aria-hidden': 'true' }, glyph), h('span', { class: 'lt-vote-count' }, '0')];
      if (!p.votable) return h('span', { class: `lt-vote lt-vote-${dir}`, role: 'img' }, ...inner);
      const b = h('button', { type: 'button', class: `lt-vote lt-vote-${dir}`, 'aria-pressed': 'false' }, ...inner);
      b.addEventListener('click', () => this.actions.vote(c, this.votes.myVote === value ? 0 : value));
      return b;
    };
    const up = part('up', '▲', 1);
    const down = part('down', '▼', -1);
    this.voteButtons = { up, down };
    this.votesEl.replaceChildren(up, down);
    this.setVotes(this.votes);
    return this.votesEl;
  }

  /** Brings the actions back after a confirmation or a report form. */
  private restoreActions(focus?: string): void {
    const el = this.actionsEl;
    const shown = this.shown;
    if (!el || !shown) return;
    el.replaceChildren(...this.actionButtons(shown.props, shown.comment, shown.comment.author?.name ?? ''));
    if (focus) this.focus(focus);
  }

  /** Delete asks first, in place of the actions; Cancel has the focus, so a second Enter deletes nothing. */
  private confirmDelete(c: Comment): void {
    const el = this.actionsEl;
    if (!el) return;
    const { s } = this.t;
    const cancel = button('lt-cancel-delete', s.cancel, () => this.restoreActions('.lt-delete'));
    el.replaceChildren(
      h('span', { class: 'lt-confirm', role: 'alert' }, s.deleteConfirm),
      button('lt-delete lt-confirm-delete', s.yesDelete, () => this.actions.delete(c)),
      cancel,
    );
    cancel.focus();
  }

  /** Report: why, then send (the reason goes to the moderators with it, in English). */
  private reportForm(c: Comment, name: string): void {
    const el = this.actionsEl;
    if (!el) return;
    const { s } = this.t;
    const select = h(
      'select',
      { class: 'lt-report-reason', 'aria-label': this.t.f('reportWhy', { name }) },
      ...REPORT_REASONS.map(([value, key]) => h('option', { value }, s[key])),
    );
    const send: HTMLButtonElement = button('lt-send-report', s.sendReport, () => {
      send.disabled = true;
      void this.actions.report(c, select.value).then((ok) => {
        if (!ok) this.restoreActions('.lt-report');
      });
    });
    el.replaceChildren(
      h('span', { class: 'lt-confirm' }, s.reportAs),
      select,
      send,
      button('lt-cancel-report', s.cancel, () => this.restoreActions('.lt-report')),
    );
    select.focus();
  }

  /** A moderator's action asks first, in place of the actions; Cancel (or Escape) brings them back. */
  private confirm(what: 'remove' | 'ban', c: Comment, name: string): void {
    const el = this.actionsEl;
    if (!el) return;
    const { s } = this.t;
    const back = () => this.restoreActions(what === 'remove' ? '.lt-mod-remove' : '.lt-mod-ban');
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
      { class: 'lt-confirm lt-confirm-box', role: 'alertdialog', 'aria-label': what === 'remove' ? s.remove : s.ban },
      h('span', { class: 'lt-confirm-text' }, this.t.f(what === 'remove' ? 'removeConfirm' : 'banConfirm', { name })),
      yes,
      no,
    );
    box.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') back();
    });
    el.replaceChildren(box);
    yes.focus();
  }

  /** "Show more" under a long body, which stays open across rebuilds once opened. */
  private showMoreButton(body: HTMLElement, long: boolean): HTMLElement | null {
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
  private moreButton(rootId: string, later: boolean): HTMLButtonElement {
    const { s } = this.t;
    const label = later ? s.laterReplies : s.earlierReplies;
    const make = () => {
      const b: HTMLButtonElement = button(`lt-link ${later ? 'lt-later' : 'lt-earlier'}`, label, () => {
        b.disabled = true;
        b.textContent = s.loading;
        this.actions.loadEarlier(rootId, later).then(
          () => {
            b.disabled = false;
            b.textContent = label;
          },
          () => {
            b.disabled = false;
            b.textContent = s.loadFailed;
          },
        );
      });
      return b;
    };
    return later ? (this.later ??= make()) : (this.earlier ??= make());
  }
}

function avatar(author: { id: string; name: string }): HTMLElement {
  const el = h('div', { class: 'lt-avatar', 'aria-hidden': 'true' }, avatarLetter(author.name));
  el.style.backgroundColor = avatarColour(author.id);
  return el;
}

/**
 * Search (`mod:search`): the newest 10,000 comments across articles, by text (in the body or the
 * author's name) or by author id; newest first, at most 50, each a card with its actions.
 */
import type { Comment } from '../../shared/schemas.js';
import { CommentCard } from './card.js';
import { h, nextId } from './dom.js';
import { actionError, plural } from './format.js';
import { clip, SEARCH_TEXT_MAX, USER_ID_MAX } from './limits.js';
import type { Ctx } from './state.js';

export class SearchView {
  readonly el: HTMLElement;
  readonly textInput: HTMLInputElement;
  private readonly authorInput: HTMLInputElement;
  private readonly statusEl: HTMLParagraphElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly submitBtn: HTMLButtonElement;
  private readonly list: HTMLUListElement;
  private cards: CommentCard[] = [];
  private generation = 0;

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
  ) {
    const textId = nextId('lm-search-text');
    const authorId = nextId('lm-search-author');
    this.textInput = h('input', {
      id: textId,
      class: 'lm-input lm-search-text',
      type: 'search',
      maxlength: SEARCH_TEXT_MAX,
      autocomplete: 'off',
      placeholder: 'words in a comment or a name',
    });
    this.authorInput = h('input', {
      id: authorId,
      class: 'lm-input lm-search-author',
      type: 'search',
      maxlength: USER_ID_MAX,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'e.g. guest-3f2a… or a user id',
    });
    this.submitBtn = h('button', { type: 'submit', class: 'lm-btn lm-btn-primary lm-search-go' }, 'Search');
    this.statusEl = h('p', { class: 'lm-hint lm-search-status', role: 'status' });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });
    const form = h(
      'form',
      { class: 'lm-search-form', role: 'search', 'aria-labelledby': headingId, novalidate: true },
      h(
        'div',
        { class: 'lm-search-fields' },
        h('div', { class: 'lm-field' }, h('label', { class: 'lm-label', for: textId }, 'Text'), this.textInput),
        h('div', { class: 'lm-field' }, h('label', { class: 'lm-label', for: authorId }, 'Author id'), this.authorInput),
        this.submitBtn,
      ),
      h('p', { class: 'lm-hint' }, 'Looks through the newest 10,000 comments on every article. Fill in either field, or both.'),
      this.errorEl,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.search();
    });
    this.list = h('ul', { class: 'lm-list lm-search-results', 'aria-label': 'Search results' });
    this.el = h('div', { class: 'lm-panel-body lm-search' }, form, this.statusEl, this.list);
  }

  /** Searches by author (from a user card's "all their comments"). */
  byAuthor(userId: string): void {
    this.textInput.value = '';
    this.authorInput.value = userId;
    void this.search();
  }

  dispose(): void {
    this.clearCards();
  }

  private async search(): Promise<void> {
    this.errorEl.textContent = '';
    const text = clip(this.textInput.value, SEARCH_TEXT_MAX);
    const author = clip(this.authorInput.value, USER_ID_MAX);
    if (!text && !author) {
      this.errorEl.textContent = 'Type some text or an author id to search for.';
      this.textInput.focus();
      return;
    }
    if (!this.ctx.isLive()) {
      this.errorEl.textContent = "Couldn't search: not connected. Wait until the status says Live.";
      return;
    }
    const gen = ++this.generation;
    this.submitBtn.disabled = true;
    this.statusEl.textContent = 'Searching…';
    this.el.setAttribute('aria-busy', 'true');
    try {
      const { comments } = await this.ctx.client.request('mod:search', { ...(text ? { text } : {}), ...(author ? { author } : {}) });
      if (gen !== this.generation) return;
      this.render(comments, text, author);
    } catch (err) {
      if (gen !== this.generation) return;
      this.statusEl.textContent = '';
      this.errorEl.textContent = actionError('search', err);
    } finally {
      if (gen === this.generation) {
        this.submitBtn.disabled = false;
        this.el.removeAttribute('aria-busy');
      }
    }
  }

  private render(comments: Comment[], text: string, author: string): void {
    this.clearCards();
    const what = [text ? `“${text}”` : null, author ? `by ${author}` : null].filter(Boolean).join(' ');
    this.statusEl.textContent = comments.length
      ? `${plural(comments.length, 'comment')} ${what}, newest first${comments.length >= 50 ? ' (the first 50)' : ''}.`
      : `No comment ${what} among the newest 10,000.`;
    for (const c of comments) {
      if (c.author) this.ctx.names.set(c.author.id, c.author.name);
      const card = new CommentCard(this.ctx, 'search', c);
      this.cards.push(card);
      this.list.append(card.el);
    }
  }

  private clearCards(): void {
    for (const c of this.cards) c.dispose();
    this.cards = [];
    this.list.replaceChildren();
  }
}

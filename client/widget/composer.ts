/**
 * A labelled textarea with a submit button, an inline error and a rate-limit countdown.
 * Used for new comments, replies and edits. Ctrl/Cmd+Enter submits; Escape cancels if it can.
 */
import { docNodes } from './doc-view.js';
import { button, fill, h, nextId } from './dom.js';
import type { Locale } from './i18n.js';
import type { TimerHandle, Timers } from './timers.js';

export interface ComposerOptions {
  /** The label read by assistive technology (visually hidden). */
  label: string;
  placeholder?: string;
  submitLabel: string;
  initial?: string;
  rows?: number;
  /** Extra class on the form (e.g. lt-reply-form). */
  className?: string;
  onSubmit(text: string): void;
  onCancel?(): void;
  /** Each keystroke that changes the text (typing indicator). */
  onInput?(): void;
  /** The widget's timers (the rate-limit countdown is one), stopped when it is destroyed. */
  timers: Timers;
  /** The text as it would show (the server's rendering, `comment:preview`): offers "Preview". */
  preview?(text: string): Promise<unknown>;
  /** The widget's language. */
  t: Locale;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export class Composer {
  readonly el: HTMLFormElement;
  readonly input: HTMLTextAreaElement;
  readonly submit: HTMLButtonElement;
  private readonly error: HTMLElement;
  private countdown: TimerHandle | null = null;
  private busy = false;
  private readonly previewEl: HTMLDivElement;
  private readonly previewButton: HTMLButtonElement | null;
  /** Bumped by each preview asked for, so that a late answer for older text is dropped. */
  private previewRun = 0;

  readonly t: Locale;
  private offline = false;
  private readonly offlineNote: HTMLElement;

  constructor(private readonly opts: ComposerOptions) {
    const id = nextId();
    const t = (this.t = opts.t);
    this.input = h('textarea', {
      id,
      class: 'lt-composer-input',
      rows: opts.rows ?? 3,
      placeholder: opts.placeholder,
      'aria-describedby': `${id}-hint`,
    });
    this.input.value = opts.initial ?? '';
    this.submit = h('button', { type: 'submit', class: 'lt-btn lt-btn-primary lt-post' }, opts.submitLabel);
    this.error = h('p', { class: 'lt-error', role: 'alert', hidden: true });
    this.previewEl = h('div', { class: 'lt-preview lt-body', dir: 'auto', hidden: true, 'aria-live': 'polite' });
    this.previewButton = opts.preview
      ? button('lt-btn lt-btn-quiet lt-preview-toggle', t.s.preview, () => this.togglePreview(), { 'aria-pressed': 'false' })
      : null;
    const hint = h(
      'span',
      { class: 'lt-hint', id: `${id}-hint` },
      t.f('submitHint', { key: isMac ? '⌘' : 'Ctrl', action: opts.submitLabel.toLowerCase() }),
    );
    this.offlineNote = h('p', { class: 'lt-offline', role: 'status', hidden: true }, t.s.offlineNote);
    this.el = h(
      'form',
      { class: `lt-composer ${opts.className ?? ''}`.trim(), novalidate: true },
      h('label', { for: id, class: 'lt-visually-hidden' }, opts.label),
      this.input,
      this.previewEl,
      this.error,
      this.offlineNote,
      h(
        'div',
        { class: 'lt-composer-row' },
        hint,
        h(
          'div',
          { class: 'lt-composer-buttons' },
          this.previewButton,
          opts.onCancel && button('lt-btn lt-btn-quiet lt-cancel', t.s.cancel, () => opts.onCancel?.()),
          this.submit,
        ),
      ),
    );
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.trySubmit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this.trySubmit();
      } else if (ev.key === 'Escape' && opts.onCancel) {
        ev.preventDefault();
        opts.onCancel();
      }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      opts.onInput?.();
      // A fixed mistake clears its message; a rate-limit countdown runs on.
      if (!this.countdown && !this.error.hidden) this.setError(null);
    });
  }

  get value(): string {
    return this.input.value;
  }

  set value(text: string) {
    this.input.value = text;
    if (this.previewing) this.togglePreview();
    this.autosize();
  }

  private get previewing(): boolean {
    return !this.previewEl.hidden;
  }

  /** Shows the text as it will read (the server renders it, as it will the comment), or the textarea again. */
  private togglePreview(): void {
    const b = this.previewButton;
    const preview = this.opts.preview;
    if (!b || !preview) return;
    const on = !this.previewing;
    const run = ++this.previewRun;
    this.previewEl.hidden = !on;
    this.input.hidden = on;
    b.textContent = on ? this.t.s.write : this.t.s.preview;
    b.setAttribute('aria-pressed', String(on));
    if (!on) {
      this.input.focus();
      return;
    }
    this.previewEl.style.minHeight = `${this.input.offsetHeight || 0}px`;
    const text = this.input.value;
    if (!text.trim()) {
      fill(this.previewEl, h('p', { class: 'lt-placeholder' }, this.t.s.nothingToPreview));
      return;
    }
    fill(this.previewEl, h('p', { class: 'lt-placeholder' }, this.t.s.loadingPreview));
    preview(text).then(
      (doc) => {
        if (run === this.previewRun && this.previewing) fill(this.previewEl, ...docNodes(doc));
      },
      () => {
        if (run === this.previewRun && this.previewing) fill(this.previewEl, h('p', { class: 'lt-placeholder' }, this.t.s.previewFailed));
      },
    );
  }

  focus(): void {
    if (this.previewing) this.togglePreview();
    this.input.focus({ preventScroll: false });
    const end = this.input.value.length;
    this.input.setSelectionRange(end, end);
  }

  /** Disables the form while a request that keeps the text (an edit) is in flight. */
  setBusy(busy: boolean, label?: string): void {
    this.busy = busy;
    this.input.readOnly = busy;
    this.submit.disabled = busy || this.countdown !== null || this.offline;
    this.submit.textContent = busy && label ? label : this.offline ? this.t.s.waitingConnection : this.opts.submitLabel;
  }

  /**
   * No connection: the button waits (and says so) instead of sending into the void; back online,
   * an error from before (a timeout, say) no longer holds.
   */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    this.offlineNote.hidden = !offline;
    if (!offline) this.setError(null);
    if (!this.busy) this.setBusy(false);
  }

  setError(message: string | null): void {
    if (this.countdown) {
      this.opts.timers.cancel(this.countdown);
      this.countdown = null;
      this.submit.disabled = this.busy || this.offline;
    }
    this.error.textContent = message ?? '';
    this.error.hidden = !message;
  }

  /** `rate_limited`: counts down to when posting works again, with the button disabled. */
  rateLimited(retryAfterMs: number): void {
    this.setError(null);
    const until = Date.now() + Math.max(1000, retryAfterMs);
    const tick = () => {
      const s = Math.ceil((until - Date.now()) / 1000);
      if (s <= 0) {
        this.setError(null);
        return;
      }
      this.error.textContent = this.t.f('errRateIn', { s });
    };
    this.countdown = this.opts.timers.every(250, tick);
    if (!this.countdown) return; // the widget is gone
    this.error.hidden = false;
    this.submit.disabled = true;
    tick();
  }

  /** Grows the textarea with its content, up to a limit set in CSS. */
  autosize(): void {
    const el = this.input;
    if (!el.isConnected) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }

  private trySubmit(): void {
    if (this.busy || this.countdown || this.offline) return;
    if (this.previewing) this.togglePreview();
    if (!this.input.value.trim()) {
      this.setError(this.t.s.errEmpty);
      this.input.focus();
      return;
    }
    this.opts.onSubmit(this.input.value);
  }
}

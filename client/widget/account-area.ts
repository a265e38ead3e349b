/**
 * The account line above the composer: who is signed in (with Sign out for guests), the guest
 * sign-in form, or, on a site that signs its readers in itself, a note to do so there.
 */
import { button, fill, h, nextId } from './dom.js';
import type { Locale } from './i18n.js';
import { MailSettings } from './mail-settings.js';
import type { Session } from './session.js';

export class AccountArea {
  readonly el: HTMLDivElement;
  private guestInput: HTMLInputElement | null = null;
  /** The reader signed in with the form: their next step is writing, so the composer takes the focus. */
  private focusComposer = false;

  private readonly mail: MailSettings;

  constructor(
    private readonly session: Session,
    private readonly t: Locale,
  ) {
    this.el = h('div', { class: 'lt-account' });
    this.mail = new MailSettings(session);
  }

  render(): void {
    const { user } = this.session;
    const s = this.t.s;
    const notice = this.session.notice && s[this.session.notice];
    this.guestInput = null;
    if (user) {
      fill(
        this.el,
        h('span', null, s.signedInAs, h('strong', { class: 'lt-user-name', dir: 'auto' }, user.name)),
        this.session.canSignInAsGuest ? button('lt-link lt-signout', s.signOut, () => this.session.signOut()) : null,
        this.mail.el,
      );
      this.mail.render();
    } else if (this.session.canSignInAsGuest) {
      this.mail.render();
      fill(this.el, this.signInForm());
    } else {
      fill(this.el, notice ? h('p', { class: 'lt-error', role: 'alert' }, notice) : null, h('p', { class: 'lt-notice' }, s.signInHere));
    }
  }

  /** Whether the composer should take the focus now that the reader is signed in (asked once). */
  takeComposerFocus(): boolean {
    if (!this.session.user || !this.focusComposer) return false;
    this.focusComposer = false;
    return true;
  }

  /** Something needs a signed-in reader: bring the guest name field to them. */
  promptSignIn(): void {
    const input = this.guestInput;
    if (!input) return;
    input.focus();
    input.scrollIntoView({ block: 'center' });
  }

  clear(): void {
    this.guestInput = null;
    this.el.replaceChildren();
  }

  private signInForm(): HTMLFormElement {
    const s = this.t.s;
    const id = nextId();
    const input = h('input', {
      id,
      class: 'lt-guest-name',
      type: 'text',
      name: 'name',
      autocomplete: 'nickname',
      maxlength: 80,
      required: true,
    });
    const submit = h('button', { type: 'submit', class: 'lt-btn lt-btn-primary lt-guest-signin' }, s.signInGuest);
    const notice = this.session.notice && s[this.session.notice];
    const error = h('p', { class: 'lt-error', role: 'alert', hidden: !notice }, notice ?? '');
    const form = h(
      'form',
      { class: 'lt-signin', novalidate: true },
      h('p', { class: 'lt-signin-intro' }, s.join),
      h('div', { class: 'lt-signin-row' }, h('label', { for: id, class: 'lt-label' }, s.yourName), input, submit),
      error,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = input.value.trim();
      if (!name) {
        error.textContent = s.enterName;
        error.hidden = false;
        input.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = s.signingIn;
      this.focusComposer = true;
      this.session.signInGuest(name).catch((err: unknown) => {
        this.focusComposer = false;
        submit.disabled = false;
        submit.textContent = s.signInGuest;
        error.textContent = err instanceof Error ? err.message : s.signInFailed;
        error.hidden = false;
      });
    });
    this.guestInput = input;
    return form;
  }
}

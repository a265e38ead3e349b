/**
 * "E-mail me about replies", beside the account line: shown only when the server sends e-mail
 * (`GET /api/me/notifications` says `available`). A reader whose site vouched for their address
 * turns replies on or off and picks instant or daily; a guest gives an address and is told to
 * confirm it (nothing is sent to it but the confirmation until then). The address is shown only
 * to its owner, as text.
 */
import { fill, h, nextId } from './dom.js';
import type { Session } from './session.js';

interface Settings {
  available: boolean;
  email: string | null;
  pending: string | null;
  replies: boolean;
  digest: 'instant' | 'daily';
}

export class MailSettings {
  readonly el: HTMLDivElement;
  /** The token the current view belongs to: a sign-out or sign-in starts over. */
  private forToken: string | null = null;

  constructor(private readonly session: Session) {
    this.el = h('div', { class: 'lt-mail', hidden: true });
  }

  render(): void {
    const token = this.session.authToken;
    if (token === this.forToken) return;
    this.forToken = token;
    this.el.hidden = true;
    this.el.replaceChildren();
    if (token) void this.load(token);
  }

  private async call(token: string, path: string, body?: unknown): Promise<{ ok: boolean; json: unknown }> {
    const res = await fetch(`${this.session.origin}/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { ok: res.ok, json: await res.json().catch(() => null) };
  }

  private async load(token: string): Promise<void> {
    try {
      const r = await this.call(token, '/me/notifications');
      if (token !== this.forToken || !r.ok) return;
      const s = r.json as Settings;
      if (!s.available) return;
      this.show(token, s);
    } catch {
      // No e-mail settings this time; the thread works the same.
    }
  }

  private show(token: string, s: Settings, note = ''): void {
    const status = h('p', { class: 'lt-mail-note', role: 'status' }, note);
    const summary = h('summary', null, 'Reply e-mails');
    let body: HTMLElement;
    if (s.email) {
      const id = nextId();
      const box = h('input', { id, type: 'checkbox', class: 'lt-mail-replies' });
      box.checked = s.replies;
      const digest = h(
        'select',
        { class: 'lt-mail-digest', 'aria-label': 'How often' },
        h('option', { value: 'instant' }, 'as they come'),
        h('option', { value: 'daily' }, 'once a day'),
      );
      digest.value = s.digest;
      const save = async (patch: object) => {
        const r = await this.call(token, '/me/notifications', patch).catch(() => null);
        status.textContent = r?.ok ? 'Saved.' : "Couldn't save. Please try again.";
      };
      box.addEventListener('change', () => void save({ replies: box.checked }));
      digest.addEventListener('change', () => void save({ digest: digest.value }));
      body = h(
        'div',
        null,
        h('label', { for: id }, box, ' E-mail me when someone replies to me, '),
        digest,
        h('p', { class: 'lt-mail-address' }, 'Sent to ', h('strong', { dir: 'ltr' }, s.email)),
      );
    } else {
      const id = nextId();
      const input = h('input', { id, type: 'email', class: 'lt-mail-email', autocomplete: 'email', maxlength: 254, required: true });
      const form = h(
        'form',
        { class: 'lt-mail-form', novalidate: true },
        h('label', { for: id, class: 'lt-label' }, 'Your e-mail'),
        input,
        h('button', { type: 'submit', class: 'lt-btn lt-mail-send' }, 'Send confirmation'),
      );
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const email = input.value.trim();
        if (!email || !input.checkValidity()) {
          status.textContent = 'Please enter an e-mail address.';
          return;
        }
        void this.call(token, '/me/email', { email }).then(
          (r) => {
            if (r.ok) this.show(token, { ...s, pending: email }, 'Check your inbox and click the link to confirm.');
            else
              status.textContent =
                (r.json as { error?: { message?: string } } | null)?.error?.message ?? "Couldn't send it. Please try again.";
          },
          () => (status.textContent = "Couldn't send it. Please try again."),
        );
      });
      body = h(
        'div',
        null,
        s.pending ? h('p', null, 'Waiting for you to confirm ', h('strong', { dir: 'ltr' }, s.pending), '.') : null,
        h('p', null, 'Get an e-mail when someone replies to you. Your address is never shown to anyone.'),
        form,
      );
    }
    fill(this.el, h('details', { class: 'lt-mail-details', ...(note ? { open: true } : {}) }, summary, body, status));
    this.el.hidden = false;
  }
}

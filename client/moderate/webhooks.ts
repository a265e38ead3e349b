/**
 * Webhooks in the console: each endpoint's health (delivering, retrying, failing), the delivery
 * log (status and latency of each attempt), a Send-test button and a replay from a point in time.
 * Read with `GET /api/moderation/webhooks` when the tab is shown; everything the server sends is
 * set as text.
 */
import type { WebhookDelivery, WebhookEndpointStatus } from '../../shared/moderation.js';
import { button, h } from './dom.js';
import { timeEl } from './format.js';

async function call<T>(token: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/moderation/webhooks${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
    cache: 'no-store',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok || !json) throw new Error(json?.error?.message ?? `the server answered ${res.status}`);
  return json;
}

export class WebhooksView {
  readonly el: HTMLElement;
  private readonly endpointsEl: HTMLUListElement;
  private readonly log: HTMLTableSectionElement;
  private readonly note: HTMLParagraphElement;
  private readonly since: HTMLInputElement;
  private loading = false;

  constructor(
    private readonly token: string,
    headingId: string,
  ) {
    this.endpointsEl = h('ul', { class: 'lm-list lm-hooks', 'aria-labelledby': headingId });
    this.note = h('p', { class: 'lm-hooks-note', role: 'status' });
    this.log = h('tbody');
    const sinceId = 'lm-hooks-since';
    this.since = h('input', { id: sinceId, type: 'datetime-local', class: 'lm-input' });
    const table = h(
      'table',
      { class: 'lm-hooks-log' },
      h('caption', null, 'Deliveries, newest first'),
      h('thead', null, h('tr', null, ...['Time', 'Endpoint', 'Event', 'Answer', 'Latency'].map((t) => h('th', { scope: 'col' }, t)))),
      this.log,
    );
    this.el = h(
      'div',
      { class: 'lm-hooks-wrap' },
      h(
        'div',
        { class: 'lm-hooks-actions' },
        button('lm-btn', 'Send test', () => void this.test()),
        button('lm-btn', 'Refresh', () => void this.load()),
        h('label', { for: sinceId }, 'Replay since '),
        this.since,
        button('lm-btn', 'Replay', () => void this.replay()),
      ),
      this.note,
      this.endpointsEl,
      table,
    );
  }

  async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const s = await call<{ endpoints: WebhookEndpointStatus[]; deliveries: WebhookDelivery[] }>(this.token, '');
      this.render(s.endpoints, s.deliveries);
    } catch (err) {
      this.note.textContent = `Couldn't read the webhooks: ${(err as Error).message}`;
    } finally {
      this.loading = false;
    }
  }

  private async test(): Promise<void> {
    this.note.textContent = 'Sending a test…';
    try {
      const r = await call<{ results: WebhookDelivery[] }>(this.token, '/test', {});
      this.note.textContent = r.results.length
        ? r.results.map((d) => `${d.endpoint}: ${d.ok ? `answered ${d.status} in ${d.latencyMs} ms` : (d.error ?? 'failed')}`).join(' · ')
        : 'No webhook is configured (WEBHOOK_URLS).';
    } catch (err) {
      this.note.textContent = `The test failed: ${(err as Error).message}`;
    }
    await this.load();
  }

  private async replay(): Promise<void> {
    const t = this.since.value ? new Date(this.since.value) : null;
    if (!t || Number.isNaN(t.getTime())) {
      this.note.textContent = 'Choose the time to replay from.';
      return;
    }
    try {
      await call(this.token, '/replay', { since: t.toISOString() });
      this.note.textContent = `Replaying every event since ${t.toLocaleString()}, with the same webhook-ids.`;
    } catch (err) {
      this.note.textContent = `The replay was refused: ${(err as Error).message}`;
    }
  }

  private render(endpoints: WebhookEndpointStatus[], deliveries: WebhookDelivery[]): void {
    if (endpoints.length === 0) this.note.textContent = 'No webhook is configured (WEBHOOK_URLS).';
    this.endpointsEl.replaceChildren(
      ...endpoints.map((e) => {
        const state = e.failing ? 'failing' : e.failures > 0 ? 'retrying' : 'ok';
        const text = e.failing
          ? `failing since ${new Date(e.failingSince!).toLocaleString()}; still retrying`
          : e.failures > 0
            ? `${e.failures} failed attempts; next ${e.retryAt ? new Date(e.retryAt).toLocaleTimeString() : 'soon'}`
            : e.lastSuccessAt
              ? 'delivering'
              : 'nothing delivered yet';
        return h(
          'li',
          { class: `lm-hook lm-hook-${state}` },
          h('code', null, e.label),
          ' ',
          h('span', { class: 'lm-hook-state' }, text),
          e.lastError ? h('span', { class: 'lm-hook-error' }, ` (${e.lastError})`) : null,
        );
      }),
    );
    this.log.replaceChildren(
      ...deliveries.map((d) =>
        h(
          'tr',
          { class: d.ok ? 'lm-hook-ok' : 'lm-hook-failed' },
          h('td', null, timeEl(d.at, 'clock')),
          h('td', null, h('code', null, d.endpoint)),
          h('td', null, d.type, ' ', h('code', { class: 'lm-uid', title: d.webhookId }, d.webhookId)),
          h('td', null, d.ok ? String(d.status) : (d.error ?? String(d.status))),
          h('td', null, `${d.latencyMs} ms`),
        ),
      ),
    );
  }
}

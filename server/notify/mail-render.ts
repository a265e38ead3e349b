/**
 * The text of e-mails: a plain-text part and an HTML part, every string a person wrote (names,
 * comment bodies, article ids) escaped in the HTML and kept out of headers but the subject.
 */

export interface ReplyItem {
  authorName: string;
  body: string;
  createdAt: string;
  url: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A header-safe line: no line breaks or control characters, bounded. */
export function headerText(s: string, max = 120): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

const quote = (body: string, max = 2000) => (body.length > max ? `${body.slice(0, max - 1)}…` : body);

/** Replies (or followed comments) about one thread, for one person. */
export function renderReplies(input: {
  recipientName: string;
  articleId: string;
  items: ReplyItem[];
  /** Comments the batch had that are no longer there are not counted. */
  more: number;
  reason: 'reply' | 'follow';
  unsubscribeThread: string;
  unsubscribeAll: string;
}): RenderedMail {
  const { items, articleId } = input;
  const first = items[0]!;
  const subject = headerText(
    items.length === 1
      ? `${first.authorName} ${input.reason === 'reply' ? 'replied to you' : 'commented'} on ${articleId}`
      : `${items.length} new ${input.reason === 'reply' ? 'replies to you' : 'comments'} on ${articleId}`,
  );
  const intro =
    input.reason === 'reply'
      ? items.length === 1
        ? 'There is a reply to your comment:'
        : `There are ${items.length} replies to your comment:`
      : items.length === 1
        ? 'There is a new comment in a thread you follow:'
        : `There are ${items.length} new comments in a thread you follow:`;
  const text = [
    `Hello ${input.recipientName},`,
    '',
    intro,
    '',
    ...items.flatMap((i) => [
      `${i.authorName} wrote (${i.createdAt}):`,
      ...quote(i.body)
        .split('\n')
        .map((l) => `> ${l}`),
      `See it: ${i.url}`,
      '',
    ]),
    ...(input.more > 0 ? [`…and ${input.more} more in the thread.`, ''] : []),
    '--',
    `Stop e-mails about this thread: ${input.unsubscribeThread}`,
    `Stop all e-mails: ${input.unsubscribeAll}`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">
<p>Hello ${escapeHtml(input.recipientName)},</p>
<p>${escapeHtml(intro)}</p>
${items
  .map(
    (i) => `<div style="margin:12px 0;padding:8px 12px;border-left:3px solid #ccc">
<p style="margin:0 0 4px"><strong>${escapeHtml(i.authorName)}</strong> <span style="color:#666">${escapeHtml(i.createdAt)}</span></p>
<p style="margin:0;white-space:pre-wrap">${escapeHtml(quote(i.body))}</p>
<p style="margin:4px 0 0"><a href="${escapeHtml(i.url)}">See it</a></p></div>`,
  )
  .join('\n')}
${input.more > 0 ? `<p>…and ${input.more} more in the thread.</p>` : ''}
<hr><p style="color:#666;font-size:12px"><a href="${escapeHtml(input.unsubscribeThread)}">Stop e-mails about this thread</a> · <a href="${escapeHtml(input.unsubscribeAll)}">Stop all e-mails</a></p>
</body></html>`;
  return { subject, text, html };
}

/** The confirmation of a guest's address. */
export function renderConfirm(input: { name: string; url: string }): RenderedMail {
  return {
    subject: 'Confirm your address for reply e-mails',
    text: `Hello ${input.name},\n\nTo get e-mails about replies to your comments, confirm this address:\n${input.url}\n\nIf you did not ask for this, ignore this e-mail: nothing will be sent.`,
    html: `<!doctype html><html><body style="font-family:sans-serif"><p>Hello ${escapeHtml(input.name)},</p><p>To get e-mails about replies to your comments, <a href="${escapeHtml(input.url)}">confirm this address</a>.</p><p>If you did not ask for this, ignore this e-mail: nothing will be sent.</p></body></html>`,
  };
}

/** A small page for the links (unsubscribe, confirm): a message and, for a GET, a button that POSTs. */
export function linkPage(title: string, message: string, form?: { action: string; label: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em"><h1 style="font-size:1.3em">${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${
    form
      ? `<form method="post" action="${escapeHtml(form.action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${escapeHtml(form.label)}</button></form>`
      : ''
  }</body></html>`;
}

/** Held and reported comments waiting for a moderator. */
export function renderModeration(input: {
  recipientName: string;
  items: { reported: boolean; articleId: string; authorName: string; body: string; reason: string | null }[];
  consoleUrl: string;
  unsubscribe: string;
}): RenderedMail {
  const { items } = input;
  const subject = headerText(
    items.length === 1
      ? `A comment ${items[0]!.reported ? 'was reported' : 'is held'} on ${items[0]!.articleId}`
      : `${items.length} comments wait for review`,
  );
  const what = (i: (typeof items)[number]) =>
    `${i.reported ? 'Reported' : 'Held'}${i.reason ? ` (${i.reason})` : ''} on ${i.articleId}, by ${i.authorName}:`;
  const text = [
    `Hello ${input.recipientName},`,
    '',
    ...items.flatMap((i) => [
      what(i),
      ...quote(i.body, 1000)
        .split('\n')
        .map((l) => `> ${l}`),
      '',
    ]),
    `Review them in the console: ${input.consoleUrl}`,
    '',
    '--',
    `Stop all e-mails: ${input.unsubscribe}`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">
<p>Hello ${escapeHtml(input.recipientName)},</p>
${items
  .map(
    (i) => `<div style="margin:12px 0;padding:8px 12px;border-left:3px solid #c60">
<p style="margin:0 0 4px">${escapeHtml(what(i))}</p>
<p style="margin:0;white-space:pre-wrap">${escapeHtml(quote(i.body, 1000))}</p></div>`,
  )
  .join('\n')}
<p><a href="${escapeHtml(input.consoleUrl)}">Review them in the console</a></p>
<hr><p style="color:#666;font-size:12px"><a href="${escapeHtml(input.unsubscribe)}">Stop all e-mails</a></p>
</body></html>`;
  return { subject, text, html };
}

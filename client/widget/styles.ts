/**
 * The widget's stylesheet, scoped by its shadow root (and, for thread.html, by .lt-root in the
 * host page). Colours meet WCAG AA (4.5:1 for text) in both themes; the dark palette applies with
 * data-theme="dark", or "auto" in a dark OS.
 *
 * Theming: a publisher sets these on the widget's div (they inherit into the shadow root), each
 * with a default: --lt-font-family, --lt-font-size, --lt-text-color, --lt-muted-color,
 * --lt-background, --lt-border-color, --lt-accent-color, --lt-accent-text-color, --lt-radius,
 * --lt-spacing (README, "Theming"). The --lt-fg… names below are internal.
 */
const light = `
  --lt-bg: var(--lt-background, #ffffff); --lt-fg: var(--lt-text-color, #1c1e21); --lt-muted: var(--lt-muted-color, #5c6370);
  --lt-border: var(--lt-border-color, #dfe2e6); --lt-rule: #e7e9ec;
  --lt-subtle: #f4f5f7; --lt-accent: var(--lt-accent-color, #0b57d0); --lt-accent-hover: color-mix(in srgb, var(--lt-accent) 80%, #000);
  --lt-accent-fg: var(--lt-accent-text-color, #ffffff);
  --lt-accent-soft: color-mix(in srgb, var(--lt-accent) 10%, var(--lt-bg)); --lt-error: #b3261e; --lt-error-bg: #fdecea; --lt-live: #137333;
  --lt-new: #fff3c4; --lt-raised: #ffffff; --lt-input-bg: #ffffff; --lt-input-border: #8c939d; --lt-shadow: 0 1px 2px rgb(0 0 0 / 6%);
  color-scheme: light;`;
const dark = `
  --lt-bg: var(--lt-background, #17191c); --lt-fg: var(--lt-text-color, #e6e8eb); --lt-muted: var(--lt-muted-color, #a3aab4);
  --lt-border: var(--lt-border-color, #30343a); --lt-rule: #2a2e33;
  --lt-subtle: #202328; --lt-accent: var(--lt-accent-color, #8ab4f8); --lt-accent-hover: color-mix(in srgb, var(--lt-accent) 75%, #fff);
  --lt-accent-fg: var(--lt-accent-text-color, #0b1b3a);
  --lt-accent-soft: color-mix(in srgb, var(--lt-accent) 16%, var(--lt-bg)); --lt-error: #f2b8b5; --lt-error-bg: #3b1e1e; --lt-live: #81c995;
  --lt-new: #3a3520; --lt-raised: #383c44; --lt-input-bg: #111316; --lt-input-border: #6b727c; --lt-shadow: none;
  color-scheme: dark;`;

export const CSS = `
:host { display: block; }
:host([hidden]) { display: none; }
.lt-root { ${light}
  box-sizing: border-box; background: var(--lt-bg); color: var(--lt-fg);
  font-size: var(--lt-font-size, 15px); line-height: 1.55;
  font-family: var(--lt-font-family, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  font-weight: 400; font-style: normal; letter-spacing: normal;
  border: 1px solid var(--lt-border); border-radius: var(--lt-radius, 14px); box-shadow: var(--lt-shadow);
  padding: calc(var(--lt-spacing, 24px) - 2px) var(--lt-spacing, 24px) calc(var(--lt-spacing, 24px) - 6px);
  text-align: start; overflow-wrap: anywhere;
}
.lt-root[data-theme="dark"] { ${dark} }
@media (prefers-color-scheme: dark) { .lt-root[data-theme="auto"] { ${dark} } }
.lt-root *, .lt-root *::before, .lt-root *::after { box-sizing: border-box; }
.lt-root [hidden] { display: none !important; }
.lt-visually-hidden, .lt-announcer {
  position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
.lt-root :focus-visible { outline: 2px solid var(--lt-accent); outline-offset: 2px; }
.lt-root a { color: var(--lt-accent); text-underline-offset: 2px; }
.lt-root a:hover { color: var(--lt-accent-hover); }

.lt-header { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap;
  padding-bottom: 14px; margin-bottom: 16px; border-bottom: 1px solid var(--lt-rule); }
.lt-title { margin: 0; font-size: 1.2rem; line-height: 1.3; font-weight: 700; letter-spacing: -0.01em;
  display: flex; align-items: center; gap: 8px; }
.lt-count { font-size: 0.8rem; font-weight: 600; color: var(--lt-muted); background: var(--lt-subtle);
  border-radius: 999px; padding: 1px 9px; min-width: 1.6em; text-align: center; }
.lt-count:empty { display: none; }
.lt-toolbar { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.lt-presence { font-size: 0.8rem; color: var(--lt-muted); }
.lt-status { display: inline-flex; align-items: center; gap: 6px; font-size: 0.8rem; color: var(--lt-muted); }
.lt-status-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--lt-muted); }
.lt-status[data-state="live"] .lt-status-dot { background: var(--lt-live); box-shadow: 0 0 0 3px color-mix(in srgb, var(--lt-live) 20%, transparent); }
.lt-status[data-state="reconnecting"] .lt-status-dot { background: #c58a00; animation: lt-pulse 1.2s ease-in-out infinite; }
.lt-sort { display: inline-flex; border: 1px solid var(--lt-border); border-radius: 999px; padding: 2px; background: var(--lt-subtle); }
.lt-sort button { font: inherit; font-size: 0.8rem; font-weight: 600; border: 0; background: transparent; color: var(--lt-muted);
  padding: 3px 12px; border-radius: 999px; cursor: pointer; }
.lt-sort button[aria-pressed="true"] { background: var(--lt-raised); color: var(--lt-fg); box-shadow: 0 1px 2px rgb(0 0 0 / 12%); }

.lt-btn { font: inherit; font-size: 0.9rem; font-weight: 600; border-radius: min(var(--lt-radius, 14px), 8px); padding: 7px 16px; cursor: pointer;
  border: 1px solid transparent; line-height: 1.3; }
.lt-btn:disabled { cursor: not-allowed; opacity: 0.6; }
.lt-btn-primary { background: var(--lt-accent); color: var(--lt-accent-fg); }
.lt-btn-primary:hover:not(:disabled) { background: var(--lt-accent-hover); }
.lt-btn-secondary { background: var(--lt-bg); color: var(--lt-fg); border-color: var(--lt-border); }
.lt-btn-secondary:hover:not(:disabled) { background: var(--lt-subtle); }
.lt-btn-quiet { background: transparent; color: var(--lt-muted); }
.lt-btn-quiet:hover:not(:disabled) { color: var(--lt-fg); background: var(--lt-subtle); }
.lt-link { font: inherit; background: none; border: 0; padding: 0; color: var(--lt-accent); cursor: pointer;
  text-decoration: underline; text-underline-offset: 2px; }

.lt-account { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 10px; font-size: 0.9rem; color: var(--lt-muted); }
.lt-account:empty { display: none; }
.lt-mail { flex-basis: 100%; }
.lt-mail summary { cursor: pointer; }
.lt-my-data { flex-basis: 100%; }
.lt-my-data summary { cursor: pointer; }
.lt-my-data-actions { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
.lt-mail-form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.lt-mail p { margin: 4px 0; }
.lt-account strong { color: var(--lt-fg); font-weight: 600; }
.lt-signin { width: 100%; background: var(--lt-subtle); border-radius: 10px; padding: 14px 16px; }
.lt-signin-intro { margin: 0 0 8px; color: var(--lt-fg); font-weight: 600; font-size: 0.95rem; }
.lt-signin-row { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.lt-label { font-size: 0.9rem; color: var(--lt-fg); font-weight: 500; }
.lt-guest-name { font: inherit; flex: 1 1 180px; max-width: 280px; padding: 7px 10px; border-radius: 8px;
  border: 1px solid var(--lt-input-border); background: var(--lt-input-bg); color: var(--lt-fg); }

.lt-composer { margin: 0; }
.lt-composer-input { display: block; width: 100%; font: inherit; color: var(--lt-fg); background: var(--lt-input-bg);
  border: 1px solid var(--lt-input-border); border-radius: min(var(--lt-radius, 14px), 10px); padding: 10px 12px; resize: vertical;
  min-height: 3.2em; max-height: 24em; line-height: 1.5; }
.lt-composer-input::placeholder { color: var(--lt-muted); opacity: 1; }
.lt-composer-input:focus { border-color: var(--lt-accent); outline: 2px solid color-mix(in srgb, var(--lt-accent) 35%, transparent); outline-offset: 0; }
.lt-preview { margin: 0; border: 1px dashed var(--lt-input-border); border-radius: 10px; padding: 10px 12px; min-height: 3.2em; }
.lt-composer-row { display: flex; align-items: center; justify-content: space-between; gap: 10px; margin-top: 8px; flex-wrap: wrap; }
.lt-composer-buttons { display: flex; gap: 8px; margin-inline-start: auto; }
.lt-hint { font-size: 0.78rem; color: var(--lt-muted); }
.lt-error { margin: 8px 0 0; padding: 7px 11px; border-radius: 8px; background: var(--lt-error-bg); color: var(--lt-error);
  font-size: 0.88rem; font-weight: 500; }
.lt-notice, .lt-closed, .lt-empty, .lt-loading, .lt-unavailable { color: var(--lt-muted); font-size: 0.92rem; margin: 0; }
.lt-closed { background: var(--lt-subtle); border-radius: 10px; padding: 12px 14px; }
.lt-empty, .lt-loading, .lt-unavailable { text-align: center; padding: 28px 0 18px; }
.lt-compose { margin-bottom: 8px; }
.lt-compose:empty { display: none; }

.lt-new-bar { position: sticky; top: 12px; height: 0; z-index: 2; display: flex; justify-content: center; align-items: flex-start; overflow: visible; }
.lt-new-button { font: inherit; font-size: 0.85rem; font-weight: 600; cursor: pointer; border: 0; border-radius: 999px;
  padding: 7px 16px; background: var(--lt-accent); color: var(--lt-accent-fg); box-shadow: 0 4px 14px rgb(0 0 0 / 22%); }
.lt-new-button:hover { background: var(--lt-accent-hover); }
.lt-older { display: flex; justify-content: center; margin: 14px 0 4px; }
.lt-older:empty { display: none; }

.lt-thread { margin-top: 14px; }
.lt-item + .lt-item { border-top: 1px solid var(--lt-rule); }
.lt-replies .lt-item + .lt-item { border-top: 0; }
.lt-comment { display: grid; grid-template-columns: 36px minmax(0, 1fr); column-gap: 12px;
  padding: calc(var(--lt-spacing, 24px) * 0.58) 8px calc(var(--lt-spacing, 24px) * 0.5);
  margin: 0 -8px; border-radius: min(var(--lt-radius, 14px), 10px); transition: background-color 1.5s ease; }
.lt-comment:focus { outline: none; }
.lt-comment:focus-visible { outline: 2px solid var(--lt-accent); outline-offset: -2px; }
.lt-comment.lt-new { background: var(--lt-new); transition: none; }
.lt-avatar { width: 36px; height: 36px; border-radius: 50%; display: grid; place-items: center; color: #fff;
  font-weight: 700; font-size: 0.95rem; background: var(--lt-muted); user-select: none; }
.lt-replies .lt-comment { grid-template-columns: 28px minmax(0, 1fr); column-gap: 10px; padding-top: 10px; padding-bottom: 8px; }
.lt-replies .lt-avatar { width: 28px; height: 28px; font-size: 0.8rem; }
.lt-removed .lt-avatar { background: var(--lt-subtle); border: 1px dashed var(--lt-border); }
.lt-meta { display: flex; align-items: baseline; flex-wrap: nowrap; column-gap: 8px; row-gap: 0; font-size: 0.85rem; color: var(--lt-muted); min-height: 1.4em; min-width: 0; }
.lt-meta > * { flex: none; }
/* A long name shortens (all of it in its title) rather than push the time onto a line of its own. */
.lt-meta > .lt-author, .lt-meta > .lt-replying-to { flex: 0 1 auto; min-width: 3em; white-space: nowrap; text-overflow: ellipsis; overflow: clip; }
.lt-author { font-weight: 700; color: var(--lt-fg); font-size: 0.92rem; min-width: 0; max-width: 100%; }
.lt-staff { font-size: 0.72rem; font-weight: 700; color: var(--lt-accent-fg); background: var(--lt-accent); padding: 0 6px; border-radius: 4px; }
.lt-you { font-size: 0.72rem; font-weight: 600; color: var(--lt-accent); background: var(--lt-accent-soft); padding: 0 6px; border-radius: 4px; }
.lt-replying-to { font-size: 0.82rem; }
.lt-replying-to b { font-weight: 600; color: var(--lt-fg); }
.lt-time { color: var(--lt-muted); }
.lt-meta > * + .lt-time::before, .lt-meta > * + .lt-state::before { content: "·"; margin-inline-end: 8px; }
.lt-state { font-style: italic; }
.lt-badge { font-size: 0.72rem; font-weight: 600; padding: 1px 7px; border-radius: 4px; background: var(--lt-subtle); color: var(--lt-muted); }
.lt-body { margin: 2px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal; text-align: start; }
/* User text: a bidi override (U+202E…) ends at its element, and marks stacked on one letter
   (or any glyph) cannot draw over the name beside it, the comment above or the host page.
   The 4px margin keeps a focused link's outline (2px, offset 2px) whole. */
.lt-author, .lt-body, .lt-replying-to b, .lt-user-name { unicode-bidi: isolate; overflow: clip; overflow-clip-margin: 4px; overflow-wrap: anywhere; }
.lt-body :where(p, pre, blockquote, ul, ol) { margin: 0; }
.lt-body > * + *, .lt-body blockquote > * + *, .lt-body li > * + * { margin-top: 0.6em; }
.lt-body ul, .lt-body ol { padding-inline-start: 1.5em; }
.lt-body blockquote { padding-inline-start: 12px; border-inline-start: 3px solid var(--lt-border); color: var(--lt-muted); }
.lt-body code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em;
  background: var(--lt-subtle); border-radius: 4px; padding: 1px 4px; }
.lt-body pre { white-space: pre; overflow-x: auto; background: var(--lt-subtle); border-radius: 8px; padding: 8px 12px; }
.lt-body pre code { background: none; padding: 0; border-radius: 0; }
.lt-body.lt-collapsed { max-height: 18.6em; -webkit-mask-image: linear-gradient(#000 70%, transparent); mask-image: linear-gradient(#000 70%, transparent); }
.lt-comment:target .lt-body.lt-collapsed { max-height: none; -webkit-mask-image: none; mask-image: none; }
.lt-comment:target .lt-more { display: none; }
.lt-static-hide { visibility: hidden; }
.lt-more { font-size: 0.85rem; font-weight: 600; justify-self: start; margin-top: 2px; }
.lt-placeholder { font-style: italic; color: var(--lt-muted); font-size: 0.92rem; margin-top: 6px; }
.lt-pending .lt-body, .lt-pending .lt-author { opacity: 0.62; }
.lt-held .lt-body { opacity: 0.75; }
.lt-actions { display: flex; flex-wrap: wrap; gap: 2px; margin: 4px 0 0; margin-inline-start: -8px; }
.lt-actions:empty { display: none; }
.lt-actions button { font: inherit; font-size: 0.82rem; font-weight: 600; color: var(--lt-muted); background: none; border: 0;
  border-radius: 6px; padding: 3px 8px; cursor: pointer; }
.lt-actions button:hover { color: var(--lt-fg); background: var(--lt-subtle); }
.lt-actions .lt-delete:hover, .lt-actions .lt-mod-remove:hover, .lt-actions .lt-mod-ban:hover { color: var(--lt-error); background: var(--lt-error-bg); }
.lt-actions { align-items: center; flex-wrap: wrap; }
.lt-votes { display: inline-flex; gap: 2px; margin-inline-end: 4px; }
.lt-vote { display: inline-flex; align-items: center; gap: 4px; font-size: 0.82rem; font-weight: 600; color: var(--lt-muted); padding: 3px 8px; }
.lt-actions .lt-vote[aria-pressed="true"] { color: var(--lt-accent); background: var(--lt-accent-soft); }
.lt-vote-glyph { font-size: 0.7rem; }
.lt-confirm { font-size: 0.85rem; color: var(--lt-fg); padding: 3px 8px 3px 8px; }
.lt-confirm.lt-confirm-box { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; padding: 6px 8px; border-radius: 8px; background: var(--lt-error-bg); }
.lt-confirm-text { font-size: 0.85rem; color: var(--lt-fg); }
.lt-actions .lt-confirm .lt-btn { font-size: 0.82rem; padding: 3px 10px; }
.lt-actions .lt-btn-danger, .lt-btn-danger { background: var(--lt-error); color: var(--lt-bg); }
.lt-report-reason { font: inherit; font-size: 0.82rem; border-radius: 6px; border: 1px solid var(--lt-input-border);
  background: var(--lt-input-bg); color: var(--lt-fg); padding: 2px 4px; }
.lt-comment.lt-target { background: var(--lt-accent-soft); box-shadow: inset 3px 0 0 var(--lt-accent); }
.lt-permalink-note { margin: 8px 0 0; padding: 8px 12px; border-radius: 8px; background: var(--lt-subtle); color: var(--lt-fg); font-size: 0.9rem; }
.lt-offline { margin: 8px 0 0; font-size: 0.85rem; color: var(--lt-muted); }
.lt-slot:empty { display: none; }
.lt-slot { margin-top: 8px; }
.lt-slot > * + * { margin-top: 10px; }
.lt-body, .lt-more, .lt-meta, .lt-actions, .lt-slot, .lt-comment > .lt-error { grid-column: 2; }
.lt-avatar { grid-row: 1 / span 4; }
.lt-replies { margin-inline-start: 17px; padding-inline-start: 18px; border-inline-start: 2px solid var(--lt-rule); }
.lt-replies .lt-replies { margin-inline-start: 13px; padding-inline-start: 14px; }

@keyframes lt-pulse { 50% { opacity: 0.35; } }
@media (max-width: 520px) {
  .lt-root { padding: 16px 14px 12px; border-radius: 10px; }
  .lt-replies { margin-inline-start: 8px; padding-inline-start: 10px; }
  .lt-replies .lt-replies { margin-inline-start: 4px; padding-inline-start: 8px; }
  .lt-hint { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  .lt-comment { transition: none; }
  .lt-status[data-state="reconnecting"] .lt-status-dot { animation: none; }
}
`;

/**
 * The ban form, in a confirmation dialog: how long (1 hour, 1 day, 7 days, for good), why, whether
 * to remove their comments too, and for a guest whether to cover the address they wrote from
 * (on by default: a guest can come back under a fresh session, not from a fresh place).
 * Nothing is sent until the moderator presses the dialog's Ban button.
 */
import type { BanDuration } from '../../shared/moderation.js';
import type { PayloadIn } from '../../shared/schemas.js';
import { confirmDialog } from './dialog.js';
import { h, nextId } from './dom.js';
import { plural } from './format.js';
import { clip, REASON_MAX } from './limits.js';
import { isGuest } from './state.js';

export const DURATION_LABEL: Record<BanDuration, string> = {
  '1h': '1 hour',
  '1d': '1 day',
  '7d': '7 days',
  permanent: 'Permanently',
};
const DURATIONS = Object.keys(DURATION_LABEL) as BanDuration[];
const DEFAULT_DURATION: BanDuration = '1d';

export interface BanTarget {
  userId: string;
  name: string | null;
  /** Their comments, when known (the user card): said in the "remove their comments" line. */
  comments?: number;
}

/** Asks how to ban `target`; resolves the `mod:ban` payload, or null when cancelled. */
export async function askBan(target: BanTarget): Promise<PayloadIn<'mod:ban'> | null> {
  const who = target.name ?? target.userId;
  const group = nextId('lm-ban-duration');
  const radios = DURATIONS.map((d) =>
    h('input', { type: 'radio', name: group, value: d, class: 'lm-ban-duration', checked: d === DEFAULT_DURATION }),
  );
  const reasonId = nextId('lm-ban-reason');
  const reason = h('input', {
    id: reasonId,
    class: 'lm-input lm-ban-reason',
    type: 'text',
    maxlength: REASON_MAX,
    autocomplete: 'off',
    placeholder: 'e.g. spam, harassment',
  });
  const removeComments = h('input', { type: 'checkbox', class: 'lm-ban-remove-comments' });
  const guest = isGuest(target.userId);
  const address = h('input', { type: 'checkbox', class: 'lm-ban-address', checked: guest });
  const removeWarning = h(
    'p',
    { class: 'lm-dialog-warning', role: 'status', hidden: true },
    target.comments !== undefined
      ? `All ${plural(target.comments, 'comment')} of theirs that readers can see or that wait for review will be removed.`
      : 'Every comment of theirs that readers can see or that waits for review will be removed.',
  );
  const fields = h(
    'div',
    { class: 'lm-dialog-fields' },
    h(
      'fieldset',
      { class: 'lm-fieldset lm-ban-durations' },
      h('legend', null, 'For how long'),
      ...DURATIONS.map((d, i) => h('label', { class: 'lm-radio' }, radios[i]!, DURATION_LABEL[d])),
    ),
    h('label', { class: 'lm-label', for: reasonId }, 'Reason ', h('span', { class: 'lm-optional' }, '(optional, moderators see it)')),
    reason,
    h('label', { class: 'lm-check lm-check-block' }, removeComments, 'Also remove all their comments'),
    removeWarning,
    guest
      ? h(
          'label',
          { class: 'lm-check lm-check-block' },
          address,
          'Also cover the address they wrote from (a fresh guest session from there cannot post either)',
        )
      : null,
  );
  let yes: HTMLButtonElement | null = null;
  const label = () => {
    removeWarning.hidden = !removeComments.checked;
    if (yes) yes.textContent = removeComments.checked ? 'Ban and remove their comments' : 'Ban';
  };
  removeComments.addEventListener('change', label);

  const ok = await confirmDialog({
    title: `Ban ${who}?`,
    text: [
      'They will not be able to post, edit, vote or report until the ban ends. ',
      h('code', { class: 'lm-uid', title: target.userId }, target.userId),
    ],
    confirm: 'Ban',
    danger: true,
    fields,
    initialFocus: radios[DURATIONS.indexOf(DEFAULT_DURATION)] ?? null,
    className: 'lm-dialog-ban',
    onReady: (b) => {
      yes = b;
      label();
    },
  });
  if (!ok) return null;
  const duration = (radios.find((r) => r.checked)?.value ?? DEFAULT_DURATION) as BanDuration;
  const why = clip(reason.value, REASON_MAX);
  return {
    userId: target.userId,
    duration,
    removeComments: removeComments.checked,
    ...(why ? { reason: why } : {}),
    ...(guest ? { address: address.checked } : {}),
  };
}

/** "until 3 Jun, 14:00 (in 23 hours)" or "permanently". */
export function banUntil(until: string | null): string {
  if (until === null) return 'permanently';
  const t = Date.parse(until);
  const d = new Date(t);
  return `until ${d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}`;
}

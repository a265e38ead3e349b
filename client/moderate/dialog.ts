/**
 * Confirmations as in-page modal dialogs (`<dialog>` opened with showModal): the rest of the
 * console is inert while one is open, Escape or Cancel says no, the focus starts inside the dialog
 * and goes back to what had it when it closes. Used for ban (with its form), close thread and
 * removing several comments at once.
 */
import { h, nextId, type Child } from './dom.js';

export interface ConfirmOptions {
  title: string;
  /** What will happen, in words. */
  text: Child | Child[];
  /** The label of the button that says yes ("Ban", "Close thread"). */
  confirm: string;
  /** A destructive action: the yes button is red and the focus starts on Cancel. */
  danger?: boolean;
  /** Form fields between the text and the buttons. */
  fields?: HTMLElement | null;
  /** Where the focus starts (default: Cancel when dangerous, else the yes button). */
  initialFocus?: HTMLElement | null;
  /** Called when the yes button is pressed; false keeps the dialog open (a field is wrong). */
  validate?: () => boolean;
  /** Lets the caller change the yes button's label as the fields change. */
  onReady?: (confirmButton: HTMLButtonElement) => void;
  /** A class for tests and styles (`lm-dialog-ban`). */
  className?: string;
}

/** Shows a modal confirmation; resolves true when the moderator said yes. */
export function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = nextId('lm-dialog-title');
  const textId = nextId('lm-dialog-text');
  const cancel = h('button', { type: 'button', class: 'lm-btn lm-dialog-cancel' }, 'Cancel');
  const yes = h(
    'button',
    { type: 'submit', class: `lm-btn ${opts.danger ? 'lm-btn-danger-solid' : 'lm-btn-primary'} lm-dialog-confirm` },
    opts.confirm,
  );
  const text = Array.isArray(opts.text) ? opts.text : [opts.text];
  const form = h(
    'form',
    { class: 'lm-dialog-form', method: 'dialog', novalidate: true },
    h('h2', { id: titleId, class: 'lm-dialog-title', dir: 'auto' }, opts.title),
    h('div', { id: textId, class: 'lm-dialog-text' }, ...text),
    opts.fields ?? null,
    h('div', { class: 'lm-dialog-actions' }, cancel, yes),
  );
  const dialog = h(
    'dialog',
    { class: `lm-dialog ${opts.className ?? ''}`.trim(), 'aria-labelledby': titleId, 'aria-describedby': textId },
    form,
  );
  opts.onReady?.(yes);
  document.body.append(dialog);

  return new Promise((resolve) => {
    let said = false;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (opts.validate && !opts.validate()) return;
      said = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    // A click on the backdrop (outside the form's box) is a no, as Escape is.
    dialog.addEventListener('click', (ev) => {
      if (ev.target === dialog) {
        const r = form.getBoundingClientRect();
        if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) dialog.close();
      }
    });
    dialog.addEventListener(
      'close',
      () => {
        dialog.remove();
        if (opener?.isConnected) opener.focus();
        resolve(said);
      },
      { once: true },
    );
    dialog.showModal();
    (opts.initialFocus ?? (opts.danger ? cancel : yes)).focus();
  });
}

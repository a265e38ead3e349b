/**
 * DOM helpers shared by the widget and the moderator console. Text children become text nodes
 * and attributes go through setAttribute: user data handed to these is never parsed as HTML.
 */
export type Child = Node | string | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) el.removeAttribute(name);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

export function append(parent: Node & ParentNode, children: Child[]): void {
  for (const child of children) if (child !== null && child !== undefined && child !== false) parent.append(child);
}

/** Replaces the children of `parent`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A real <button type="button">. */
export function button(cls: string, label: string, onClick: (ev: MouseEvent) => void, attrs?: Attrs): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls, ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

let uid = 0;
/** An id unique on the page, for label/for and aria references. */
export function nextId(prefix: string): string {
  return `${prefix}-${++uid}`;
}

/**
 * Makes `next` the exact, ordered child list of `container`, moving only what is out of place
 * so that untouched elements (and the focus or text inside them) stay where they are.
 */
export function reconcile(container: Element, next: Element[]): void {
  for (let i = 0; i < next.length; i++) {
    const el = next[i]!;
    const at = container.children[i];
    if (at !== el) container.insertBefore(el, at ?? null);
  }
  while (container.children.length > next.length) container.lastElementChild!.remove();
}

/**
 * What publishers embed (`GET /embed.js`): a classic script that loads the widget module, the
 * content-hashed `/assets/embed.<hash>.js`, from the origin this script itself came from.
 *
 * @example
 * <div data-livethread-article="my-article"></div>
 * <script src="https://comments.example.com/embed.js" async></script>
 *
 * Where it came from decides where readers' tokens go, and a host page's injected markup can
 * shadow names on `document` (`<img name="currentScript">`, `<img name="head">`): so every DOM
 * value is read through the prototype's own accessor and checked to be what it claims. The
 * module then takes the service's origin from `import.meta.url`, which no markup can touch.
 */

/** The widget module, relative to this script's URL (the build fills it in). */
declare const __LIVETHREAD_MODULE__: string;

/** A Document accessor as the browser defines it, whatever the page has named. */
function documentGetter(name: 'currentScript' | 'head'): unknown {
  return Object.getOwnPropertyDescriptor(Document.prototype, name)?.get?.call(document);
}

// Only set while this script first runs: read it now.
const own = documentGetter('currentScript');
if (own instanceof HTMLScriptElement && own.src) {
  const script = Document.prototype.createElement.call(document, 'script') as HTMLScriptElement;
  script.type = 'module';
  script.src = new URL(__LIVETHREAD_MODULE__, own.src).href;
  const head = documentGetter('head');
  // Through Node.prototype: a <form> parent's controls can shadow its methods by name.
  const parent = head instanceof HTMLHeadElement ? head : own.parentNode;
  if (parent) Node.prototype.appendChild.call(parent, script);
} else {
  // Not run as <script src> (inlined, or loaded as a module): there is no trustworthy origin.
  console.error(
    'livethread: embed.js must be loaded with <script src="https://<your livethread server>/embed.js" async>; the widget is not started.',
  );
}

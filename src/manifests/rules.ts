/**
 * When a string in a manifest is an image reference (DESIGN.md "Where images hide in manifests").
 * A bare word such as `info` parses as an image name but is not one, so outside `image` fields a
 * value counts only when its key or flag names an image, or it carries a registry host and a tag
 * or digest. Pure text rules, no YAML here.
 */

/**
 * Keys and flags whose last word is "image": `image`, `baseImage`, `ROOK_CSI_CEPH_IMAGE`,
 * `config-reloader-image`. Not `imagePullPolicy`, `imagePullSecrets`, `imageGCHighThresholdPercent`
 * or rook's `imageSet`, whose last word is something else.
 */
export function namesImage(key: string): boolean {
  return /image$/i.test(key);
}

/**
 * `--thanos-default-base-image`, `baseImage`: a repository the program adds its own tag to, so
 * without a tag or digest the value is not a reference (it would read as :latest).
 */
export function namesBaseImage(key: string): boolean {
  return /base[-_]?image$/i.test(key);
}

/** True when the reference text carries a tag or a digest (a port is not a tag). */
export function hasTagOrDigest(text: string): boolean {
  return text.includes('@') || text.lastIndexOf(':') > text.lastIndexOf('/');
}

/** "--config-reloader-image=quay.io/x:1" -> flag "config-reloader-image", value after "=". */
export interface Flag {
  name: string;
  /** Text before the value, kept when the value is rewritten: "--config-reloader-image=". */
  prefix: string;
  /** Undefined for "--flag" alone (its value may be the next argument). */
  value?: string;
}

export function parseFlag(text: string): Flag | undefined {
  const m = /^(--?([A-Za-z0-9][\w.-]*))(=(.*))?$/s.exec(text);
  if (!m) return undefined;
  if (m[3] === undefined) return { name: m[2]!, prefix: '' };
  return { name: m[2]!, prefix: `${m[1]}=`, value: m[4]! };
}

// host[:port] or [ipv6][:port], then a path, then a tag and/or a digest. Loose on case so that
// "Quay.io/Team/App:1" is still caught and reported as invalid rather than skipped.
const HOSTED = new RegExp(
  '^(?:localhost|\\[[0-9A-Fa-f:]+\\]|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+(?=:[0-9]))(?::[0-9]+)?' +
    '/[A-Za-z0-9._/-]+(?::[\\w][\\w.-]*)?(?:@[A-Za-z0-9+._-]+:[A-Za-z0-9=_-]+)?$',
);

/** A registry host first and a tag or digest last: "quay.io/x/y:v1", "127.0.0.1:5000/y@sha256:…". */
export function looksHosted(text: string): boolean {
  return HOSTED.test(text) && hasTagOrDigest(text);
}

/** Small builders for audit report values, so each test case states only what it varies. */
import type { SavedAudit } from '../../src/audit/diff.js';
import type { ComponentReport } from '../../src/audit/matrix.js';
import type { ImageReport } from '../../src/audit/inspect.js';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

export function image(ref: string, fields: Partial<ImageReport> = {}): ImageReport {
  const platforms = fields.platforms ?? ['linux/amd64', 'linux/arm64'];
  const failed = fields.status !== undefined && fields.status !== 'ok';
  return {
    ref,
    digest: failed ? null : DIGEST_A,
    mediaType: failed ? null : 'application/vnd.oci.image.index.v1+json',
    platforms: failed ? [] : platforms,
    arm64: !failed && platforms.includes('linux/arm64'),
    multiArch: !failed && platforms.length > 1,
    arm64Alternative: null,
    status: 'ok',
    error: failed ? 'manifest unknown' : null,
    components: ['app'],
    locations: [`manifests/app.yaml: Deployment default/app spec.template.spec.containers[0].image`],
    ...fields,
  };
}

export function component(name: string, fields: Partial<ComponentReport> = {}): ComponentReport {
  return { name, images: [], arm64: 'yes', multiArch: 'yes', build: 'yes', ...fields };
}

export function report(images: ImageReport[], components: ComponentReport[] = []): SavedAudit {
  return { images, components };
}

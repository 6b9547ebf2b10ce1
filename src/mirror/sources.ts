/**
 * The images to mirror: the audit's collection (stack components, manifest folders, --image), each
 * with the arm64 source the stack declares for it (an alternate, or a build recipe).
 */
import { collectTargets, type AuditSources, type InvalidImage } from '../audit/collect.js';
import type { Arm64Source, Stack } from '../stack-types.js';
import type { SourceImage } from './plan.js';

export interface MirrorSources {
  images: SourceImage[];
  /** Values in manifests that look like images but do not parse: reported, never mirrored. */
  invalid: InvalidImage[];
}

/** Declared arm64 sources by canonical reference; the first declaration of a reference wins. */
export function declaredArm64(stack: Stack | undefined): Map<string, Arm64Source> {
  const out = new Map<string, Arm64Source>();
  for (const component of stack?.components ?? []) {
    for (const image of component.images) {
      if (image.arm64 && !out.has(image.ref)) out.set(image.ref, image.arm64);
    }
  }
  return out;
}

export async function collectSources(sources: AuditSources, cwd: string): Promise<MirrorSources> {
  const { targets, invalid } = await collectTargets(sources, cwd);
  const declared = declaredArm64(sources.stack);
  const images = targets.map((t): SourceImage => {
    const arm64 = declared.get(t.ref);
    return arm64 ? { ref: t.ref, arm64 } : { ref: t.ref };
  });
  return { images, invalid };
}

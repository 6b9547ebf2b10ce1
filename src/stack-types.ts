/**
 * The stack catalog (images/stack.yaml) as plain values. The loader and validation live in
 * src/stack.ts; these types are shared by audit, mirror and build.
 */

export type Declared = 'yes' | 'no' | 'unknown';

/** How to rebuild an arm64 variant (README "Build recipes"). */
export interface BuildRecipe {
  /** Local folder (relative to the stack file) or a git URL ("https://…/repo.git#ref:subdir"). */
  context: string;
  /** Dockerfile path inside the context; default "Dockerfile". */
  dockerfile?: string;
  /** --build-arg values. */
  args?: Record<string, string>;
  /** Platforms to build; default ["linux/arm64"]. */
  platforms?: string[];
  /** Multi-stage target. */
  target?: string;
}

export interface Arm64Source {
  /** An alternate image that has linux/arm64, e.g. "docker.io/carlosedp/kube-state-metrics:v1.9.5". */
  from?: string;
  build?: BuildRecipe;
}

export interface StackImage {
  /** As written in the catalog; canonicalised by the loader. */
  ref: string;
  /** Row label in the support table ("fluentd", "grafana"); images without one share the component's row. */
  row?: string;
  /** Declared build support of this image's row when it differs from the component's (EFK: kibana "no"). */
  build?: Declared;
  arm64?: Arm64Source;
  /** Pulled at run time by an operator (not in any manifest), e.g. rook's CSI images. */
  runtime?: boolean;
}

export interface StackArtifact {
  /** URL with "{arch}" standing for amd64/arm64 (or "{uname}" for x86_64/aarch64). */
  url: string;
}

export interface StackComponent {
  /** Row label in the support table: "CNI-canal". */
  name: string;
  /** Files or directories (kustomize directories allowed), relative to the stack file's project root. */
  manifests: string[];
  /** Declared: does upstream source build for arm64? */
  build: Declared;
  images: StackImage[];
  artifacts: StackArtifact[];
  /** Install step name for `install` ordering; default the component name. */
  install?: string;
}

export interface Stack {
  /** Path of the stack file, as given. */
  file: string;
  /** Folder that relative paths in the stack resolve against (the project root). */
  root: string;
  components: StackComponent[];
}

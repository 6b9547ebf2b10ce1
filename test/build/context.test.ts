import { describe, expect, it } from 'vitest';
import { isContainedPath, isGitContext, parseBuildContext, redactUrl } from '../../src/build/context.js';
import { InputError } from '../../src/errors.js';

describe('parseBuildContext', () => {
  it.each([
    ['images/flannel', { kind: 'local', path: 'images/flannel' }],
    ['./images/x', { kind: 'local', path: './images/x' }],
    ['https://github.com/x/y.git', { kind: 'git', url: 'https://github.com/x/y.git', source: 'https://github.com/x/y.git' }],
    ['https://github.com/x/y.git#v1.2.0', { kind: 'git', url: 'https://github.com/x/y.git', ref: 'v1.2.0', source: 'https://github.com/x/y.git#v1.2.0' }],
    ['https://github.com/x/y.git#release/1.x:build/arm64/', {
      kind: 'git', url: 'https://github.com/x/y.git', ref: 'release/1.x', subdir: 'build/arm64', source: 'https://github.com/x/y.git#release/1.x:build/arm64/',
    }],
    ['https://github.com/x/y.git#:docker', { kind: 'git', url: 'https://github.com/x/y.git', subdir: 'docker', source: 'https://github.com/x/y.git#:docker' }],
    ['git@github.com:x/y.git#main', { kind: 'git', url: 'git@github.com:x/y.git', ref: 'main', source: 'git@github.com:x/y.git#main' }],
    ['file:///srv/git/y.git#v1', { kind: 'git', url: 'file:///srv/git/y.git', ref: 'v1', source: 'file:///srv/git/y.git#v1' }],
  ])('%s', (text, expected) => {
    expect(parseBuildContext(text, 'arm64.build')).toEqual(expected);
  });

  it.each([
    ['', 'stack.yaml: context is empty'],
    ['https://h/y.git#-upload-pack=x', 'stack.yaml: invalid git ref "-upload-pack=x" in context "https://h/y.git#-upload-pack=x"'],
    ['https://h/y.git#v1:../../etc', 'stack.yaml: git subdirectory "../../etc" must be a relative path inside the repository'],
    ['https://h/y.git#v1:/abs', 'stack.yaml: git subdirectory "/abs" must be a relative path inside the repository'],
  ])('rejects %j', (text, message) => {
    expect(() => parseBuildContext(text, 'stack.yaml')).toThrow(new InputError(message));
  });

  it('tells git URLs from folders', () => {
    expect(['ssh://git@h/y.git', 'git://h/y', 'http://h/y.git'].every(isGitContext)).toBe(true);
    expect(['images/x', 'github.com/x/y', 'ext::sh -c x'].some(isGitContext)).toBe(false);
  });

  it('keeps relative paths inside their base', () => {
    expect(['Dockerfile', 'build/Dockerfile.arm64', 'a/./b'].every(isContainedPath)).toBe(true);
    expect(['', '/etc/passwd', '../Dockerfile', 'a/../../b', 'a\\b'].some(isContainedPath)).toBe(false);
  });

  it('redacts credentials in URLs only', () => {
    expect(redactUrl('git clone https://me:secret@h/y.git /tmp/a@b')).toBe('git clone https://***@h/y.git /tmp/a@b');
  });
});

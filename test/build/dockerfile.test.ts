import { describe, expect, it } from 'vitest';
import { dockerfileFacts, expandArgs } from '../../src/build/dockerfile.js';

describe('dockerfileFacts', () => {
  it.each([
    ['FROM busybox\nRUN echo hi\n', {}, { runSteps: 1, bases: ['busybox'] }],
    ['FROM scratch\nCOPY x /x\n', {}, { runSteps: 0, bases: [] }],
    ['from --platform=$BUILDPLATFORM golang:1.22 as build\nrun go build\nFROM scratch\nCOPY --from=build /o /o\n', {},
      { runSteps: 1, bases: ['golang:1.22'] }],
    ['FROM golang:1.22 AS build\nFROM build AS test\nRUN go test\nFROM BUILD\n', {}, { runSteps: 1, bases: ['golang:1.22'] }],
    ['ARG BASE=docker.io/library/alpine:3.20\nFROM ${BASE}\nARG GREETING=hi\nRUN echo $GREETING\n', {},
      { runSteps: 1, bases: ['docker.io/library/alpine:3.20'] }],
    ['ARG BASE=alpine:3.20\nFROM $BASE\n', { BASE: '127.0.0.1:5000/base:1' }, { runSteps: 0, bases: ['127.0.0.1:5000/base:1'] }],
    ['ARG REG\nFROM ${REG:-docker.io}/library/debian:12\n', {}, { runSteps: 0, bases: ['docker.io/library/debian:12'] }],
    ['# RUN in a comment\nFROM debian:12\nRUN apt-get update \\\n  # comment inside a continuation\n  && apt-get install -y curl\n', {},
      { runSteps: 1, bases: ['debian:12'] }],
    ['FROM debian:12\nRUN <<EOF\nFROM evil:1\nRUN nothing\nEOF\nCOPY <<-"END" /x\nRUN not an instruction\nEND\n', {},
      { runSteps: 1, bases: ['debian:12'] }],
    ['FROM debian:12 AS a\nFROM debian:12 AS b\n', {}, { runSteps: 0, bases: ['debian:12'] }],
  ])('%j with %j', (text, args, expected) => {
    expect(dockerfileFacts(text, args)).toEqual(expected);
  });
});

describe('expandArgs', () => {
  it.each([
    ['$A/${B}', { A: 'x', B: 'y' }, 'x/y'],
    ['${A:-dflt}', {}, 'dflt'],
    ['${A:-dflt}', { A: 'set' }, 'set'],
    ['${A:+alt}', { A: 'set' }, 'alt'],
    ['${A:+alt}', {}, ''],
    ['$MISSING:1', {}, ':1'],
  ])('%s', (text, values, expected) => {
    expect(expandArgs(text, values)).toBe(expected);
  });
});

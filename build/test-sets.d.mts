// Types for build/test-sets.mjs (a build script in plain JavaScript), for vitest.config.ts and its test.
export declare const UNPRIVILEGED_TESTS: string[];
export declare const ONLY_AS_USER: string[];
export declare function onlyAsUserGlobs(): string[];

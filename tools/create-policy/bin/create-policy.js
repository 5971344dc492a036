#!/usr/bin/env node
// Runs the TypeScript source through tsx (a devDependency of the workspace root), so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

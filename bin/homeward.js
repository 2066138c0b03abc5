#!/usr/bin/env node
// The CLI runs the compiled code (npm install builds it: see the "prepare" script).
await import('../dist/cli/main.js');

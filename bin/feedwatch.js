#!/usr/bin/env node
// Entry point for `npx feedwatch` / the installed bin: runs the built CLI.
import '../dist/cli/main.js';

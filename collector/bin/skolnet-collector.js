#!/usr/bin/env node
// Thin shim so the package's bin works from the compiled output.
import { runCli } from '../dist/cli.js';

await runCli(process.argv);

#!/usr/bin/env node
// Thin shim so the package's bin works from the compiled output.
import { runCli } from '../dist/cli.js';

// A reader that stops early (`| head`) is not an error of ours.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

await runCli(process.argv);

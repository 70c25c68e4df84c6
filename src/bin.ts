#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps compiled code on disk (in the temp directory) for the next start:
// 40-60 ms off a cold start; NODE_DISABLE_COMPILE_CACHE=1 turns it off, and older Nodes
// lack the call. It covers only what loads after it, hence the dynamic import.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('./cli.js');

process.exitCode = await main(process.argv.slice(2));

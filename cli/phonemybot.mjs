#!/usr/bin/env node
// `npx phonemybot`: the terminal caller (cli/main.ts), run through tsx's loader so that no build step is needed.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));

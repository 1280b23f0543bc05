// Runs the page's red-flag matcher (static/js/red_flags.js) under Node for the parity test
// (tests/unit/test_red_flags_parity.py). Reads {"compiled": {...}, "texts": [...]} on stdin and writes
// {"tokens": [[...]], "verdicts": [[...]]} on stdout: the words each text normalises to, and its categories.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = readFileSync(fileURLToPath(new URL("../../static/js/red_flags.js", import.meta.url)), "utf8");
// The file is an ES module served to browsers as .js; a data: URL lets Node load it as one without a package.json flag.
const { normalise, compileMatcher, categories } = await import(`data:text/javascript,${encodeURIComponent(source)}`);

const input = JSON.parse(readFileSync(0, "utf8"));
const matcher = compileMatcher(input.compiled);
process.stdout.write(JSON.stringify({
  tokens: input.texts.map((text) => normalise(text)),
  verdicts: input.texts.map((text) => categories(matcher, text)),
}));

// The red-flag check the page runs while a young person types: the browser twin of
// chalicelib/domain/red_flags.py (normalise + Matcher.categories), line for line.
//
// The phrases are never compiled here: the server compiles them once (crisis list, the team's presets and its own
// words) and puts the result on the compose form as data-red-flags, so both sides match the same data.
// tests/unit/test_red_flags_parity.py runs one fixture set through this file (under Node) and the Python matcher
// and fails if any verdict differs. Change the two together.
// Pure: no DOM, so Node can import it.

const DOUBLE = /([a-z])\1+/g;
const RAW = /[a-z0-9@$]+(?:\.[0-9]+)*/g;
const RUNS = /[a-z@$]+|[0-9]+(?:\.[0-9]+)*/g;
const NUMBER = /^[0-9]+(?:\.[0-9]+)?$/;
const ALPHA = /^[a-z]+$/;
const DIGIT = /[0-9]/;
const STARTS_WITH_DIGIT = /^[0-9]/;
const ASCII = /^[\x00-\x7f]*$/;
const LEET = { 0: "o", 1: "i", 3: "e", 4: "a", 5: "s", 7: "t", "@": "a", $: "s" };
const MIN_PREFIX = 3;

const leet = (text) => text.replace(/[013457@$]/g, (c) => LEET[c]);
const collapse = (text) => text.replace(DOUBLE, "$1");

function fold(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[\u2018\u2019\u02bc]/g, "");
}

function mixed(raw) {
  const runs = raw.match(RUNS);
  if (runs.every((run) => !STARTS_WITH_DIGIT.test(run) || run.length === 1)) return [collapse(leet(runs.join("")))];
  return runs.map((run) => (STARTS_WITH_DIGIT.test(run) ? run : collapse(leet(run))));
}

/** The words of text as the matcher compares them (mirrors red_flags.normalise). */
export function normalise(text) {
  let folded = ASCII.test(text) ? text : fold(text);
  folded = collapse(folded.toLowerCase().replace(/['`]/g, ""));
  const tokens = [];
  for (const raw of folded.match(RAW) || []) {
    if (ALPHA.test(raw)) tokens.push(raw);
    else if (NUMBER.test(raw) || !DIGIT.test(raw)) tokens.push(STARTS_WITH_DIGIT.test(raw) ? raw : collapse(leet(raw)));
    else tokens.push(...mixed(raw));
  }
  return tokens;
}

function fits(element, token) {
  if (element[0] === "n") {
    if (!NUMBER.test(token)) return false;
    const value = parseFloat(token);
    return element[1] <= value && value <= element[2];
  }
  return element[1].includes(token) || element[2].some((prefix) => token.startsWith(prefix));
}

function rest(pattern, tokens, k, at) {
  const [, elements, gaps] = pattern;
  if (k === elements.length) return true;
  const last = Math.min(tokens.length, at + 2 + gaps[k]);
  for (let j = at + 1; j < last; j += 1) {
    if (fits(elements[k], tokens[j]) && rest(pattern, tokens, k + 1, j)) return true;
  }
  return false;
}

/** A matcher for the compiled phrases the server sent ({categories, patterns}). */
export function compileMatcher(data) {
  const byWord = new Map();
  const byPrefix = new Map();
  const byNumber = [];
  const add = (map, key, pattern) => {
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(pattern);
  };
  for (const pattern of data.patterns) {
    const first = pattern[1][0];
    if (first[0] === "n") {
      byNumber.push(pattern);
      continue;
    }
    first[1].forEach((word) => add(byWord, word, pattern));
    first[2].forEach((prefix) => add(byPrefix, prefix.slice(0, MIN_PREFIX), pattern));
  }
  return { categories: data.categories, byWord, byPrefix, byNumber };
}

function candidates(matcher, token) {
  const found = [...(matcher.byWord.get(token) || [])];
  for (const pattern of matcher.byPrefix.get(token.slice(0, MIN_PREFIX)) || []) {
    if (fits(pattern[1][0], token)) found.push(pattern);
  }
  if (matcher.byNumber.length && STARTS_WITH_DIGIT.test(token)) {
    for (const pattern of matcher.byNumber) if (fits(pattern[1][0], token)) found.push(pattern);
  }
  return found;
}

/** The sorted ids of every category whose phrases text contains (mirrors Matcher.categories). */
export function categories(matcher, text) {
  const tokens = normalise(text);
  const hit = new Set();
  tokens.forEach((token, at) => {
    for (const pattern of candidates(matcher, token)) {
      if (!hit.has(pattern[0]) && rest(pattern, tokens, 1, at)) hit.add(pattern[0]);
    }
  });
  return [...hit].map((index) => matcher.categories[index]).sort();
}

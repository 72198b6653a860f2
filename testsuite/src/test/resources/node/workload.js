// A small JavaScript workload for a rewritten node (NodeRewriteTest): each part runs long enough for
// V8 to optimise it (Sparkplug, Maglev, TurboFan), so builtins, JIT code and the C++ runtime call each
// other both ways, throw and catch, and walk the stack; it prints only results, which are the same in
// every run and must be the original node's.
'use strict';

// 1. JSON round trips: parse and stringify (builtins and the C++ JSON code), with a reviver and a replacer.
function jsonRoundTrips(n) {
  let doc = { name: 'ykrw', tags: ['a', 'b'], nested: { depth: 0, values: [] } };
  let checksum = 0;
  for (let i = 0; i < n; i++) {
    doc.nested.depth = i;
    doc.nested.values.push({ i, square: i * i, text: 'v' + i.toString(36), ok: i % 3 === 0 });
    if (doc.nested.values.length > 50) doc.nested.values.shift();
    const text = JSON.stringify(doc, (k, v) => (typeof v === 'number' && k === 'square' ? v % 1000 : v));
    doc = JSON.parse(text, (k, v) => (k === 'ok' ? Boolean(v) : v));
    checksum = (checksum * 31 + text.length) % 1000000007;
  }
  return [checksum, doc.nested.values.length, doc.nested.values[7].text];
}

// 2. Regular expressions: irregexp code for a few patterns, global matching, replace with a callback.
function regexes(n) {
  const words = [];
  for (let i = 0; i < n; i++) words.push('item' + i + (i % 7 === 0 ? '@example.org' : '-' + (i * 7919 % 1000)));
  const text = words.join(' ');
  const mails = text.match(/\b[a-z]+\d+@[a-z]+\.[a-z]{2,3}\b/g) || [];
  const numbers = [...text.matchAll(/-(\d{3})\b/g)].reduce((s, m) => s + Number(m[1]), 0);
  const swapped = text.replace(/item(\d+)-(\d+)/g, (all, a, b) => b + ':' + a).slice(0, 60);
  const sticky = /item/y;
  sticky.lastIndex = 0;
  return [mails.length, numbers, swapped, sticky.test(text), /^(?:(a+)+)b$/.test('a'.repeat(20) + 'b')];
}

// 3. Closures: counters made by factories, composed, called in a hot loop; a try/catch through them.
function closures(n) {
  const makeCounter = (step) => { let c = 0; return () => (c += step); };
  const compose = (...fs) => (x) => fs.reduceRight((acc, f) => f(acc), x);
  const counters = Array.from({ length: 16 }, (_, i) => makeCounter(i + 1));
  const f = compose((x) => x * 3, (x) => x + 1, (x) => x ^ 0x55);
  let acc = 0;
  let caught = 0;
  for (let i = 0; i < n; i++) {
    acc = (acc + f(counters[i & 15]())) % 1000003;
    try {
      if (i % 4096 === 0) throw new RangeError('at ' + i);
    } catch (e) {
      caught += e.message.length;
    }
  }
  const sorted = counters.map((c) => c()).sort((a, b) => b - a).slice(0, 3);
  return [acc, caught, sorted];
}

// 4. Stack traces from deep inside optimised code, and a Map/Set/typed-array tally.
function misc(n) {
  const depth = (k) => (k === 0 ? new Error('deep').stack.split('\n').length : depth(k - 1));
  const m = new Map();
  const s = new Set();
  const buf = new Float64Array(256);
  for (let i = 0; i < n; i++) {
    m.set(i % 97, (m.get(i % 97) || 0) + i);
    s.add((i * 31) % 211);
    buf[i & 255] += Math.sqrt(i);
  }
  return [depth(5) > 5, m.size, s.size, Math.round(buf.reduce((a, b) => a + b, 0))];
}

console.log(JSON.stringify(jsonRoundTrips(3000)));
console.log(JSON.stringify(regexes(20000)));
console.log(JSON.stringify(closures(300000)));
console.log(JSON.stringify(misc(200000)));
console.log(1 + 1);

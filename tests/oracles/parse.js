// A second, independent SPARQL parser (sparqljs) for hkit's differential test of its
// read-only check. Reads one JSON string (a query) per line on stdin and writes one JSON object
// per line: whether sparqljs accepts it as a query or an update, its form, and whether it names a
// SERVICE, a FROM or FROM NAMED graph, or an update operation anywhere.
"use strict";
const readline = require("readline");
const { Parser } = require("sparqljs");

function walk(node, found) {
  if (Array.isArray(node)) {
    node.forEach((item) => walk(item, found));
  } else if (node && typeof node === "object") {
    if (node.type === "service") found.service = true;
    if (node.type === "update") found.update = true;
    if (node.from && ((node.from.default || []).length || (node.from.named || []).length)) {
      found.from = true;
    }
    Object.values(node).forEach((value) => walk(value, found));
  }
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const text = JSON.parse(line);
  const found = { accepted: false, form: null, service: false, from: false, update: false };
  try {
    const parsed = new Parser({ skipValidation: false }).parse(text);
    found.accepted = true;
    found.form = parsed.type === "update" ? "UPDATE" : (parsed.queryType || "").toUpperCase();
    walk(parsed, found);
  } catch (error) {
    found.accepted = false;
  }
  process.stdout.write(JSON.stringify(found) + "\n");
});

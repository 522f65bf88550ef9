// The SPARQL editor of hkit serve (/sparql): CodeMirror 6 with its SPARQL mode over the page's
// textarea; Run (or Ctrl+Enter) posts the query to /sparql.json, which answers the table with a
// link for each IRI (the server's links, as on every page), and the answer is drawn here with
// links to download it from the endpoint. The query is kept in the address's fragment
// (#query=...), so that a reload or a shared address opens it again and runs it.
(function () {
  "use strict";
  const CM = window.HkitCodeMirror;
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const form = document.getElementById("editor");
  const textarea = document.getElementById("query");
  const infer = document.getElementById("infer");
  const runButton = document.getElementById("run");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const answer = document.getElementById("answer");
  const table = document.getElementById("table");
  const count = document.getElementById("count");
  const downloads = document.getElementById("downloads");

  const KEYWORDS = ("SELECT CONSTRUCT DESCRIBE ASK WHERE PREFIX BASE DISTINCT REDUCED FILTER " +
    "OPTIONAL UNION MINUS GRAPH BIND VALUES ORDER BY ASC DESC LIMIT OFFSET GROUP HAVING AS " +
    "NOT EXISTS IN COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES " +
    "DATATYPE BOUND IRI BNODE COALESCE IF STRLEN SUBSTR UCASE LCASE STRSTARTS STRENDS " +
    "CONTAINS REGEX YEAR MONTH DAY NOW ISIRI ISLITERAL ISBLANK").split(" ");
  const options = [
    ...Object.keys(data.prefixes).map((p) => ({ label: p + ":", type: "namespace" })),
    ...data.terms.map((t) => ({ label: t, type: "property" })),
    ...KEYWORDS.map((k) => ({ label: k, type: "keyword" })),
  ];

  function complete(context) {
    const word = context.matchBefore(/[A-Za-z_][\w.-]*:?[\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    return { from: word.from, options: options, validFor: /^[\w.:-]*$/ };
  }

  let view = null;
  function text() {
    return view ? view.state.doc.toString() : textarea.value;
  }
  function setText(value) {
    if (view) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    else textarea.value = value;
  }

  if (CM) {
    view = new CM.EditorView({
      doc: textarea.value,
      extensions: [
        CM.lineNumbers(),
        CM.highlightActiveLineGutter(),
        CM.history(),
        CM.drawSelection(),
        CM.indentOnInput(),
        CM.bracketMatching(),
        CM.closeBrackets(),
        CM.highlightActiveLine(),
        CM.StreamLanguage.define(CM.sparql),
        CM.syntaxHighlighting(CM.defaultHighlightStyle, { fallback: true }),
        CM.autocompletion({ override: [complete] }),
        CM.EditorView.lineWrapping,
        CM.EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
        CM.keymap.of([
          { key: "Mod-Enter", run: () => { run(); return true; } },
          ...CM.closeBracketsKeymap,
          ...CM.defaultKeymap,
          ...CM.historyKeymap,
          ...CM.completionKeymap,
        ]),
      ],
    });
    textarea.parentNode.insertBefore(view.dom, textarea);
    textarea.hidden = true;
  }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    answer.hidden = true;
    status.textContent = "";
  }

  function cell(row, c, numeric) {
    const td = document.createElement("td");
    if (numeric) td.className = "num";
    if (c.link) {
      const a = document.createElement("a");
      a.href = c.link;
      a.textContent = c.text;
      td.appendChild(a);
    } else {
      td.textContent = c.text;
    }
    row.appendChild(td);
  }

  function show(found, query) {
    const shown = found.answer;
    const thead = table.tHead;
    const tbody = table.tBodies[0];
    thead.replaceChildren();
    tbody.replaceChildren();
    if (shown.form === "ASK") {
      count.textContent = "The answer is " + (shown.boolean ? "yes (true)." : "no (false).");
    } else {
      const head = thead.insertRow();
      shown.columns.forEach((name, i) => {
        const th = document.createElement("th");
        if (shown.numeric[i]) th.className = "num";
        th.textContent = name;
        head.appendChild(th);
      });
      for (const row of shown.rows) {
        const tr = tbody.insertRow();
        row.forEach((c, i) => cell(tr, c, shown.numeric[i]));
      }
      const noun = shown.form === "SELECT" ? "row" : "triple";
      count.textContent = shown.count === 0 ? "No " + noun + "s." :
        shown.count.toLocaleString("en") + " " + noun + (shown.count === 1 ? "." : "s.");
    }
    downloads.replaceChildren();
    found.downloads.forEach((d, i) => {
      const a = document.createElement("a");
      a.href = d.href;
      a.textContent = d.format;
      a.className = "download";
      a.download = "answer." + ({ turtle: "ttl", ntriples: "nt" }[d.format] || d.format);
      if (i) downloads.append(", ");
      downloads.appendChild(a);
    });
    error.hidden = true;
    answer.hidden = false;
    status.textContent = "";
  }

  let running = null;
  async function run() {
    const query = text();
    const inferred = infer.checked ? "true" : "false";
    const kept = new URLSearchParams({ query: query });
    if (!infer.checked) kept.set("infer", "false");
    history.replaceState(null, "", "#" + kept.toString());
    if (running) running.abort();
    const controller = new AbortController();
    running = controller;
    status.textContent = "Running…";
    runButton.disabled = true;
    try {
      const response = await fetch("/sparql.json", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ query: query, infer: inferred }),
        signal: controller.signal,
      });
      if (!response.ok) {
        fail((await response.text()).trim() || response.status + " " + response.statusText);
      } else {
        show(await response.json(), query);
      }
    } catch (e) {
      if (e.name !== "AbortError") fail("The server could not be reached: " + e.message);
    } finally {
      if (running === controller) {
        running = null;
        runButton.disabled = false;
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  // an address with #query=... opens that query and runs it
  if (location.hash.startsWith("#query=")) {
    const given = new URLSearchParams(location.hash.slice(1));
    setText(given.get("query") || "");
    if (given.get("infer") === "false") infer.checked = false;
    run();
  }
})();
